"""The registry owned by the shared stack, and the stacks that reference it (planned offline)."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from components import roles
from components.errors import ConfigError
from components.registry import Registry, RegistryArgs
from components.testing import record
from infra.config import parse_stack_config
from infra.plan import Plan, find_project, run_plan
from tests.conftest import REACHABLE_NETWORK, ROOT

REGISTRY = "azure-native:machinelearningservices:Registry"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
DIAGNOSTICS = "azure-native:monitor:DiagnosticSetting"
LOG_ANALYTICS = "azure-native:operationalinsights:Workspace"


@pytest.fixture(scope="module")
def shared(sample_plans: Mapping[str, Plan]) -> Plan:
    return sample_plans["shared"]


@pytest.fixture(scope="module")
def prod(sample_plans: Mapping[str, Plan]) -> Plan:
    return sample_plans["prod"]


REFERENCE = "pulumi:pulumi:StackReference"


def one(plan: Plan, type_token: str) -> Any:
    [found] = [r for r in plan.resources if r.type == type_token]
    return found


def registry_user_grants(plan: Plan) -> list[dict[str, Any]]:
    return [
        r.inputs
        for r in plan.resources
        if r.type == ASSIGNMENT and r.inputs["roleDefinitionId"].endswith(roles.REGISTRY_USER.id)
    ]


def test_the_registry_logs_to_its_own_log_analytics_or_the_one_given(shared: Plan) -> None:
    registry = one(shared, REGISTRY)
    logs = one(shared, LOG_ANALYTICS)
    assert logs.inputs["features"] == {"disableLocalAuth": True}
    settings = {
        r.inputs["resourceUri"]: r.inputs for r in shared.resources if r.type == DIAGNOSTICS
    }
    assert set(settings) == {registry.outputs["id"], logs.outputs["id"]}
    assert settings[registry.outputs["id"]]["workspaceId"] == logs.outputs["id"]
    assert settings[registry.outputs["id"]]["logs"] == [
        {"categoryGroup": "allLogs", "enabled": True},
        {"categoryGroup": "audit", "enabled": False},
    ]
    given = (
        "/subscriptions/0a1b2c3d-0000-4000-8000-0000000000ff/resourceGroups/rg-logs/providers"
        "/Microsoft.OperationalInsights/workspaces/log-central"
    )
    recording = record(
        lambda: Registry(
            "models",
            RegistryArgs(name="models", log_analytics_workspace_id=given),
            resource_group_name="rg",
            location="westeurope",
        )
    )
    assert recording.of_type(LOG_ANALYTICS) == []
    assert recording.one(DIAGNOSTICS).inputs["workspaceId"] == given


def test_the_shared_stack_holds_only_a_public_replicated_registry(shared: Plan) -> None:
    """Public on purpose (Pulumi.shared.yaml): dev reaches it from the internet; prod and test
    through their own private endpoints and outbound rules."""
    custom = sorted(r.type for r in shared.resources if r.custom and r.type != REFERENCE)
    assert custom == [
        "azure-native:authorization:ManagementLockByScope",
        ASSIGNMENT,
        REGISTRY,
        DIAGNOSTICS,  # the registry's, and its Log Analytics workspace's own
        DIAGNOSTICS,
        LOG_ANALYTICS,
        "azure-native:resources:ResourceGroup",
    ]
    registry = one(shared, REGISTRY)
    assert registry.protect is True
    inputs = registry.inputs
    assert inputs["publicNetworkAccess"] == "Enabled"
    assert shared.outputs["registry"]["publicNetworkAccess"] == "Enabled"
    assert inputs["identity"] == {"type": "SystemAssigned"}
    assert [r["location"] for r in inputs["regionDetails"]] == ["westeurope", "northeurope"]
    for region in inputs["regionDetails"]:
        assert region["acrDetails"] == [{"systemCreatedAcrAccount": {"acrAccountSku": "Premium"}}]
        [storage] = region["storageAccountDetails"]
        assert storage["systemCreatedStorageAccount"] == {
            "allowBlobPublicAccess": False,
            "storageAccountHnsEnabled": False,
            "storageAccountType": "Standard_LRS",
        }
    assert shared.outputs["registry"] == {
        "name": registry.outputs["name"],
        "id": registry.outputs["id"],
        "location": "westeurope",
        "publicNetworkAccess": "Enabled",
    }
    assert registry.outputs["name"].startswith("mlr-amlstack-shared-models-")
    assert "workspaceName" not in shared.outputs
    assert shared.outputs["workspaces"] == {}
    [grant] = registry_user_grants(shared)
    assert grant["scope"] == registry.outputs["id"]
    assert grant["principalType"] == "ServicePrincipal"


def test_prod_reads_the_registry_through_a_stack_reference_and_grants_its_identity(
    shared: Plan, prod: Plan
) -> None:
    [reference] = [
        r
        for r in prod.resources
        if r.type == REFERENCE and r.name == "organization/amlstack/shared"
    ]
    registry = shared.outputs["registry"]
    assert prod.outputs["registry"] == registry
    [grant] = registry_user_grants(prod)
    assert grant["scope"] == registry["id"]
    assert grant["principalId"] == prod.outputs["workspaces"]["main"]["identityPrincipalId"]
    grant_resource = next(r for r in prod.resources if r.inputs is grant)
    assert reference.urn in grant_resource.dependencies


def test_prod_deploys_the_shared_model_pinned_by_name_and_version(shared: Plan, prod: Plan) -> None:
    [blue] = [r for r in prod.resources if r.name == "main-credit-blue"]
    name = shared.outputs["registry"]["name"]
    assert blue.inputs["properties"]["model"] == (
        f"azureml://registries/{name}/models/credit-default/versions/2"
    )
    endpoint = prod.outputs["workspaces"]["main"]["endpoints"]["credit"]
    assert endpoint["deployments"] == ["blue"]
    assert endpoint["traffic"] == {"blue": 100}
    assert endpoint["scoringUri"].startswith(f"https://{endpoint['name']}.westeurope.")
    [properties] = [
        r.inputs["properties"] for r in prod.resources if r.name == "main-credit-endpoint"
    ]
    assert (properties["authMode"], properties["publicNetworkAccess"]) == ("AADToken", "Disabled")


def scratch(tmp_path: Path, stacks: dict[str, dict[str, Any]]) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "infra").symlink_to(ROOT / "infra", target_is_directory=True)
    for name, config in stacks.items():
        (tmp_path / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": config}))
    return tmp_path


def referencing(stack: str) -> dict[str, Any]:
    return {
        "amlstack:location": "westeurope",
        "amlstack:registryStack": f"organization/amlstack/{stack}",
        "amlstack:workspaces": [{"name": "main", "network": REACHABLE_NETWORK}],
    }


def test_references_must_not_form_a_cycle(tmp_path: Path) -> None:
    project = scratch(tmp_path, {"a": referencing("b"), "b": referencing("a")})
    with pytest.raises(ConfigError, match=r"a -> b -> a.*must not form a cycle"):
        run_plan(find_project(project), "a")


def test_a_referenced_stack_needs_its_stack_file_offline(tmp_path: Path) -> None:
    project = scratch(tmp_path, {"a": referencing("shared")})
    with pytest.raises(ConfigError) as caught:
        run_plan(find_project(project), "a")
    [problem] = caught.value.problems
    assert problem.field == "amlstack:registryStack"
    assert "Pulumi.shared.yaml" in problem.allowed


def stack(**overrides: Any) -> dict[str, Any]:
    workspace = {"name": "main", "network": REACHABLE_NETWORK}
    return {"location": "westeurope", "workspaces": [workspace], **overrides}


@pytest.mark.parametrize(
    ("raw", "field", "fragment"),
    [
        (
            stack(registry={"name": "models"}, registryStack="org/amlstack/shared"),
            "amlstack:registryStack",
            "set one of the two",
        ),
        (
            stack(registryStack="shared"),
            "amlstack:registryStack",
            "<organization>/<project>/<stack>",
        ),
        (stack(workspaces=[]), "amlstack:workspaces", "only a stack that owns the registry"),
        (
            stack(registry={"name": "models", "replicationRegions": ["north europe"]}),
            "amlstack:registry.replicationRegions",
            "'northeurope'",
        ),
        (
            stack(
                workspaces=[
                    {
                        "name": "main",
                        "network": REACHABLE_NETWORK,
                        "endpoints": [
                            {
                                "name": "credit",
                                "deployments": [
                                    {
                                        "name": "blue",
                                        "model": {
                                            "name": "credit",
                                            "version": "1",
                                            "source": "registry",
                                        },
                                    }
                                ],
                                "traffic": {"blue": 100},
                            }
                        ],
                    }
                ]
            ),
            "amlstack:workspaces[main].endpoints[credit].deployments[blue].model.source",
            "the stack has no registry",
        ),
    ],
)
def test_registry_config_errors_name_the_key(
    raw: dict[str, Any], field: str, fragment: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_stack_config(raw)
    [problem] = caught.value.problems
    assert problem.field == field
    assert fragment in problem.allowed


def test_a_registry_only_stack_is_valid_and_defaults_are_secure() -> None:
    config = parse_stack_config({"location": "westeurope", "registry": {"name": "models"}})
    assert config.workspaces == ()
    assert config.registry == RegistryArgs(name="models")
    assert config.registry.public_network_access == "Disabled"
    assert config.registry.protect is True

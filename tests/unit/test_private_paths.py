"""Private networking end to end: the automatic outbound rules and private endpoints the program
plans, the config error for a workspace nobody could reach, and `amlstack plan` and the CrossGuard
pack refusing a stack whose path is broken on purpose (close a door, move the deployer, remove
the rule), naming the consumer, the target and the config key that fixes it."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from components.datastore import DatastoreArgs
from components.errors import ConfigError
from components.exit_codes import ExitCode
from components.outbound import DatastoreAccount
from components.reach import Reach, RegistryLink
from components.testing import RecordedResource, record
from components.workspace import Workspace, WorkspaceArgs
from infra.config import parse_stack_config
from infra.entrypoint import app
from infra.plan import Plan, find_project, run_plan
from infra.policy import PolicyContext
from infra.policy.pack import REACHABILITY_POLICY
from tests.conftest import ROOT
from tests.pack_driver import analyze, pack_service

WORKSPACE = "azure-native:machinelearningservices:Workspace"
ENDPOINT = "azure-native:network:PrivateEndpoint"
EXISTING = (
    "/subscriptions/0a1b2c3d-0000-4000-8000-0000000000ff/resourceGroups/rg-data/providers"
    "/Microsoft.Storage/storageAccounts/stpartner"
)
REGISTRY = (
    "/subscriptions/0a1b2c3d-0000-4000-8000-0000000000ff/resourceGroups/rg-shared/providers"
    "/Microsoft.MachineLearningServices/registries/mlr-shared"
)


def rules_of(plan_or_resources: Plan | tuple[RecordedResource, ...]) -> dict[str, Any]:
    resources = (
        plan_or_resources.resources if isinstance(plan_or_resources, Plan) else plan_or_resources
    )
    [workspace] = [r for r in resources if r.type == WORKSPACE]
    rules: dict[str, Any] = workspace.inputs["managedNetwork"].get("outboundRules", {})
    return rules


def endpoints(rules: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The PrivateEndpoint rules' destinations, by rule name."""
    return {n: r["destination"] for n, r in rules.items() if r["type"] == "PrivateEndpoint"}


def endpoint_targets(rules: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (d["serviceResourceId"].rsplit("/", 1)[-1], d["subresourceTarget"])
        for d in endpoints(rules).values()
    }


# --- what the program plans ------------------------------------------------------------------


def test_prod_has_outbound_rules_to_its_data_lake_and_the_registry(
    sample_plans: dict[str, Plan],
) -> None:
    prod = sample_plans["prod"]
    by_name = {r.name: r for r in prod.resources}
    lake = by_name["main-datalake-storage"].inputs["accountName"]
    registry = sample_plans["shared"].outputs["registry"]["name"]
    assert endpoint_targets(rules_of(prod)) == {
        (lake, "dfs"),
        (lake, "blob"),
        (registry, "amlregistry"),
    }
    [name] = [
        n for n, d in endpoints(rules_of(prod)).items() if d["subresourceTarget"] == "amlregistry"
    ]
    assert rules_of(prod)[name]["category"] == "UserDefined"
    registry_id = sample_plans["shared"].outputs["registry"]["id"]
    assert endpoints(rules_of(prod))[name]["serviceResourceId"] == registry_id
    # The lake's rule names the id the account gets, and the workspace waits for the account.
    workspace = by_name["main-workspace"]
    assert by_name["main-datalake-storage"].urn in workspace.dependencies
    lake_id = by_name["main-datalake-storage"].outputs["id"]
    assert lake_id in {
        r["destination"]["serviceResourceId"]
        for r in rules_of(prod).values()
        if r["type"] == "PrivateEndpoint"
    }


def test_prod_plans_customer_private_endpoints_for_the_lake_registry_and_telemetry(
    sample_plans: dict[str, Plan],
) -> None:
    groups = sorted(
        (r.name, r.inputs["privateLinkServiceConnections"][0]["groupIds"][0])
        for r in sample_plans["prod"].resources
        if r.type == ENDPOINT
    )
    names = dict(groups)
    assert names["main-pe-datalake-dfs"] == "dfs"
    assert names["main-pe-datalake-blob"] == "blob"
    network = [n for n in names if n.startswith("prod-vnet-hub-")]
    assert sorted(names[n] for n in network) == ["amlregistry", "azuremonitor"]


def test_the_rules_are_deterministic_and_a_users_rule_wins(sample_plans: dict[str, Plan]) -> None:
    registry = sample_plans["shared"].outputs["registry"]["id"]

    def program(user: list[dict[str, Any]]) -> dict[str, Any]:
        args = WorkspaceArgs(
            name="main",
            network={"outbound": {"privateEndpoints": user}},  # type: ignore[arg-type]
        )
        reach = Reach.of(
            [
                DatastoreArgs(name="curated", type="AzureDataLakeGen2"),
                DatastoreArgs(name="partner", type="AzureBlob", account=EXISTING),
            ],
            registry=RegistryLink(registry, registry.rsplit("/", 1)[-1]),
        )
        recording = record(
            lambda: Workspace(
                "main", args, resource_group_name="rg", location="westeurope", reach=reach
            )
        )
        return rules_of(recording.resources)

    first = program([])
    assert first == program([])
    assert ("stpartner", "blob") in endpoint_targets(first)
    own = [{"name": "partner-blob", "resourceId": EXISTING, "subresource": "blob"}]
    with_user = program(own)
    partner = [n for n, d in endpoints(with_user).items() if d["serviceResourceId"] == EXISTING]
    assert partner == ["partner-blob"]  # the user's rule, no automatic twin


def test_no_rules_without_a_managed_network() -> None:
    args = WorkspaceArgs(name="main", network={"isolationMode": "Disabled"})  # type: ignore[arg-type]
    recording = record(
        lambda: Workspace(
            "main",
            args,
            resource_group_name="rg",
            location="westeurope",
            reach=Reach(data_lake=True),
        )
    )
    assert rules_of(recording.resources) == {}


def test_a_datastore_the_managed_network_cannot_reach_is_refused() -> None:
    def program() -> None:
        workspace = Workspace(
            "main", WorkspaceArgs(name="main"), resource_group_name="rg", location="x"
        )
        workspace.add_datastore(DatastoreArgs(name="partner", type="AzureBlob", account=EXISTING))

    with pytest.raises(ConfigError) as caught:
        record(program)
    [problem] = caught.value.problems
    assert problem.field == "main.datastores[partner]"
    assert "reach=Reach.of(datastores)" in problem.allowed
    assert "network.outbound.privateEndpoints" in problem.allowed
    covered = Reach(accounts=(DatastoreAccount(EXISTING.upper(), "AzureBlob"),))
    assert covered.covers(DatastoreArgs(name="partner", type="AzureBlob", account=EXISTING))


# --- breaking a path on purpose --------------------------------------------------------------


def prod_config(**workspace_changes: Any) -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]
    main = config["amlstack:workspaces"][0]
    for dotted, value in workspace_changes.items():
        *parents, leaf = dotted.split(".")
        node = main
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return config


def plan_prod(project: Path, **changes: Any) -> tuple[int, str, dict[str, Any]]:
    (project / "Pulumi.prod.yaml").write_text(yaml.safe_dump({"config": prod_config(**changes)}))
    out = project / "plan.json"
    result = CliRunner().invoke(app, ["plan", "prod", "-C", str(project), "--json", str(out)])
    document = json.loads(out.read_text()) if out.exists() else {}
    return result.exit_code, " ".join(result.output.split()), document


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project: its program, files and the shared stack, prod's config to edit."""
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.shared.yaml").write_text((ROOT / "Pulumi.shared.yaml").read_text())
    for folder in ("infra", "environments", "serving"):
        (tmp_path / folder).symlink_to(ROOT / folder, target_is_directory=True)
    return tmp_path


def test_closing_the_ingestion_door_cuts_the_deployment_off_and_exits_3(project: Path) -> None:
    code, output, document = plan_prod(project, **{"monitoring.publicIngestion": "Disabled"})
    assert code == ExitCode.POLICY_FAILED, output
    assert "main-credit-blue -> main-insights" in output
    assert "fix: amlstack:workspaces[main].monitoring.publicIngestion: Enabled" in output
    assert "reachability: 1 of" in output
    [row] = [r for r in document["reachability"] if not r["reachable"]]
    assert (row["via"], row["consumer"].rsplit("::", 1)[-1]) == ("none", "main-credit-blue")


def test_moving_the_deployer_to_the_internet_exits_3(project: Path) -> None:
    code, output, _ = plan_prod(project, **{"network.access.deployer": "public"})
    assert code == ExitCode.POLICY_FAILED, output
    assert "main:deployer -> main-storage" in output
    assert "fix: amlstack:workspaces[main].network.access.deployer: private" in output


def test_taking_the_private_endpoints_away_from_prod_is_a_config_error(project: Path) -> None:
    config = prod_config()
    del config["amlstack:workspaces"][0]["network"]
    (project / "Pulumi.prod.yaml").write_text(yaml.safe_dump({"config": config}))
    result = CliRunner().invoke(app, ["plan", "prod", "-C", str(project)])
    assert result.exit_code == ExitCode.INVALID_INPUT
    text = " ".join(result.output.split())
    assert "amlstack:workspaces[main].network.privateEndpoints: required but missing" in text
    assert "set network.privateEndpoints.subnetId" in text


# --- the CrossGuard pack sees the same --------------------------------------------------------


def prod_context() -> PolicyContext:
    raw = prod_config()
    config = parse_stack_config({k.removeprefix("amlstack:"): v for k, v in raw.items()})
    return PolicyContext.from_config(config)


def reachability_diagnostics(resources: tuple[RecordedResource, ...]) -> list[str]:
    analysis = analyze(pack_service(prod_context()), resources)
    # The pack's message is the policy's description, then the path's.
    return [
        d.message.split("\n", 1)[-1]
        for d in analysis.diagnostics
        if d.policy == REACHABILITY_POLICY
    ]


def test_the_pack_passes_the_prod_sample(sample_plans: dict[str, Plan]) -> None:
    assert reachability_diagnostics(sample_plans["prod"].resources) == []


def test_the_pack_refuses_prod_without_its_rule_to_the_data_lake(
    sample_plans: dict[str, Plan],
) -> None:
    resources = list(sample_plans["prod"].resources)
    index = next(i for i, r in enumerate(resources) if r.type == WORKSPACE)
    workspace = resources[index]
    network = copy.deepcopy(workspace.inputs["managedNetwork"])
    network["outboundRules"] = {
        name: rule
        for name, rule in network["outboundRules"].items()
        if rule["type"] != "PrivateEndpoint" or rule["destination"]["subresourceTarget"] != "dfs"
    }
    inputs = {**workspace.inputs, "managedNetwork": network}
    resources[index] = replace(workspace, inputs=inputs, outputs={**workspace.outputs, **inputs})
    messages = reachability_diagnostics(tuple(resources))
    assert messages
    assert all("main-datalake-storage" in m for m in messages)
    assert any(m.startswith("main-cpu-cluster-compute -> main-datalake-storage") for m in messages)
    assert all(
        "fix: amlstack:workspaces[main].network.outbound.privateEndpoints" in m for m in messages
    )


def test_the_pack_and_the_plan_refuse_a_closed_ingestion_door_alike(project: Path) -> None:
    code, _, document = plan_prod(project, **{"monitoring.publicIngestion": "Disabled"})
    assert code == ExitCode.POLICY_FAILED
    plan = run_plan(find_project(project), "prod")
    from_plan = sorted(p.message for p in plan.unreachable)
    assert from_plan
    assert sorted(reachability_diagnostics(plan.resources)) == from_plan
    assert len(document["reachability"]) == len(plan.reachability)

"""Serving in the stack: cross-key checks before registration, the sample dev stack, outputs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.errors import ConfigError
from infra.config import parse_stack_config
from infra.plan import Plan, find_project, run_plan
from tests.conftest import REACHABLE_NETWORK, ROOT

ENV = "azureml://registries/azureml/environments/sklearn-1.5/versions/54"


def stack(*endpoints: dict[str, Any]) -> dict[str, Any]:
    return {
        "location": "westeurope",
        "workspaces": [
            {"name": "main", "network": REACHABLE_NETWORK, "endpoints": list(endpoints)}
        ],
    }


def endpoint(name: str = "credit", **deployment: Any) -> dict[str, Any]:
    blue = {
        "name": "blue",
        "model": "azureml:credit:1",
        "environment": ENV,
        "code": {"path": "serving/credit-default", "scoringScript": "score.py"},
        **deployment,
    }
    return {"name": name, "deployments": [blue], "traffic": {"blue": 100}}


def problems(raw: dict[str, Any], root: Path | None = ROOT) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as caught:
        parse_stack_config(raw, root=root)
    return [(p.field, p.allowed) for p in caught.value.problems]


def test_the_sample_code_folder_passes() -> None:
    config = parse_stack_config(stack(endpoint()), root=ROOT)
    assert config.workspaces[0].endpoints[0].deployments[0].code is not None


def test_code_folders_are_checked_against_the_project() -> None:
    missing = endpoint(code={"path": "serving/nothing", "scoringScript": "score.py"})
    [(field, allowed)] = problems(stack(missing))
    assert field == "amlstack:workspaces[main].endpoints[credit].deployments[blue].code.path"
    assert "expected a folder" in allowed
    script = endpoint(code={"path": "serving/credit-default", "scoringScript": "main.py"})
    [(field, allowed)] = problems(stack(script))
    assert field.endswith("deployments[blue].code.scoringScript")
    assert "expected a file inside serving/credit-default" in allowed
    parse_stack_config(stack(missing))  # without a project directory, paths are not checked


def test_environments_from_config_must_be_defined_in_the_workspace() -> None:
    [(field, allowed)] = problems(stack(endpoint(environment="sklearn-env:3")))
    assert field == "amlstack:workspaces[main].endpoints[credit].deployments[blue].environment"
    assert "not an environment of this workspace's config (defined: none)" in allowed


def with_environments(raw: dict[str, Any], *environments: dict[str, Any]) -> dict[str, Any]:
    raw["workspaces"][0]["environments"] = list(environments)
    return raw


CURATED = {"name": "sklearn-env", "curated": "AzureML-sklearn-1.5:3"}
BUILT = {"name": "serving", "build": {"context": "environments/serving"}}


def test_deployments_name_environments_the_workspace_defines() -> None:
    parse_stack_config(
        with_environments(stack(endpoint(environment="sklearn-env:3")), CURATED), root=ROOT
    )
    parse_stack_config(with_environments(stack(endpoint(environment="serving")), BUILT), root=ROOT)
    [(_, allowed)] = problems(
        with_environments(stack(endpoint(environment="sklearn-env:4")), CURATED)
    )
    assert "(defined: sklearn-env:3)" in allowed
    [(_, allowed)] = problems(with_environments(stack(endpoint(environment="serving:2")), BUILT))
    assert "(defined: serving)" in allowed


def test_a_config_environment_resolves_to_its_registered_version(scratch_project: Path) -> None:
    for folder in ("environments", "serving"):
        (scratch_project / folder).symlink_to(ROOT / folder, target_is_directory=True)
    raw = with_environments(stack(endpoint(environment="serving")), BUILT)
    config = {f"amlstack:{key}": value for key, value in raw.items()}
    (scratch_project / "Pulumi.env.yaml").write_text(yaml.safe_dump({"config": config}))
    plan = run_plan(find_project(scratch_project), "env")
    environment = plan.outputs["workspaces"]["main"]["environments"]["serving"]["id"]
    [deployment] = [r for r in plan.resources if r.type.endswith("OnlineDeployment")]
    assert deployment.inputs["properties"]["environmentId"] == environment
    [version] = [r for r in plan.resources if r.type.endswith("EnvironmentVersion")]
    assert version.urn in deployment.dependencies


def test_endpoint_keys_are_unique_in_a_workspace() -> None:
    [(field, allowed)] = problems(stack(endpoint(), endpoint()))
    assert (field, allowed) == (
        "amlstack:workspaces[main].endpoints",
        "endpoint names must be unique in a workspace; repeated: credit",
    )


@pytest.fixture(scope="module")
def dev(sample_plans: Mapping[str, Plan]) -> Plan:
    return sample_plans["dev"]


def test_dev_plans_an_endpoint_two_deployments_and_a_split_after_both(dev: Plan) -> None:
    named = {r.name: r for r in dev.resources}
    blue, green = named["main-credit-blue"], named["main-credit-green"]
    traffic = named["main-credit-traffic"]
    assert {blue.urn, green.urn, named["main-credit-endpoint"].urn} == set(traffic.dependencies)
    assert traffic.inputs["traffic"] == {"blue": 90, "green": 10}
    assert blue.inputs["properties"]["model"].endswith("/models/credit-default/versions/1")
    assert green.inputs["properties"]["model"].endswith("/models/credit-default/versions/2")
    endpoint = dev.outputs["workspaces"]["main"]["endpoints"]["credit"]
    assert endpoint == {
        "name": named["main-credit-endpoint"].outputs["name"],
        "scoringUri": f"https://{endpoint['name']}.westeurope.inference.ml.azure.com/score",
        "deployments": ["blue", "green"],
        "traffic": {"blue": 90, "green": 10},
    }
    assert named["main-credit-endpoint"].inputs["properties"]["publicNetworkAccess"] == "Enabled"

"""Blue/green of a batch endpoint's default deployment by config alone, each step planned offline.

Every step is a config edit of the same stack, planned with the real program; the steps ``pulumi
up`` would take between two plans come from `infra.plan.changes` (creates and updates in
dependency order, deletes last), as for online traffic (test_blue_green.py).
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest
import yaml

from infra.plan import Plan, find_project, run_plan
from infra.plan.changes import changes
from tests.conftest import ROOT

ENV = "azureml://registries/azureml/environments/sklearn-1.5/versions/54"
DEFAULTS = "pulumi-python:dynamic/amlstack:BatchEndpointDefaults"


def deployment(name: str, model_version: int) -> dict[str, Any]:
    return {
        "name": name,
        "model": f"azureml:credit-default:{model_version}",
        "environment": ENV,
        "code": {"asset": "azureml:credit-batch-scoring:1", "scoringScript": "batch_driver.py"},
        "compute": "cpu-cluster",
    }


BLUE, GREEN = deployment("blue", 1), deployment("green", 2)
STEPS: dict[str, tuple[list[dict[str, Any]], str | None]] = {
    "0-blue": ([BLUE], None),
    "1-add-green": ([BLUE, GREEN], "blue"),
    "2-green-default": ([BLUE, GREEN], "green"),
    "3-drop-blue": ([GREEN], "green"),
}


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Plan]:
    directory = tmp_path_factory.mktemp("batch-bluegreen")
    shutil.copy(ROOT / "Pulumi.yaml", directory / "Pulumi.yaml")
    (directory / "infra").symlink_to(ROOT / "infra", target_is_directory=True)
    planned = {}
    for step, (deployments, default) in STEPS.items():
        batch: dict[str, Any] = {"name": "credit", "deployments": deployments}
        if default is not None:
            batch["defaultDeployment"] = default
        workspace = {
            "name": "main",
            "computes": {"clusters": [{"name": "cpu-cluster"}]},
            "batchEndpoints": [batch],
        }
        config = {
            "amlstack:location": "westeurope",
            "amlstack:tier": "dev",
            "amlstack:workspaces": [workspace],
        }
        (directory / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))
        planned[step] = run_plan(find_project(directory), "dev")
    return planned


def steps(plans: dict[str, Plan], before: str, after: str) -> list[str]:
    _, ordered = changes(plans[before].resources, plans[after].resources)
    return [f"{s.op} {s.change.resource.name}" for s in ordered]


def default_of(plan: Plan) -> Any:
    [defaults] = [r for r in plan.resources if r.type == DEFAULTS]
    return defaults.inputs["deploymentName"]


def test_each_step_sets_the_default_after_every_deployment(plans: dict[str, Plan]) -> None:
    for step, (deployments, _) in STEPS.items():
        names = {r.name: r for r in plans[step].resources}
        defaults = names["main-credit-defaults"]
        expected = {names[f"main-credit-{d['name']}"].urn for d in deployments}
        assert {u for u in defaults.dependencies if "BatchDeployment" in u} == expected, step


def test_adding_green_creates_it_and_keeps_blue_the_default(plans: dict[str, Plan]) -> None:
    assert default_of(plans["0-blue"]) == "blue"  # the first deployment, by default
    assert steps(plans, "0-blue", "1-add-green") == ["create main-credit-green"]
    assert default_of(plans["1-add-green"]) == "blue"


def test_switching_the_default_touches_only_the_default(plans: dict[str, Plan]) -> None:
    assert steps(plans, "1-add-green", "2-green-default") == ["update main-credit-defaults"]
    assert default_of(plans["2-green-default"]) == "green"


def test_dropping_blue_comes_after_the_default_moved_away(plans: dict[str, Plan]) -> None:
    assert steps(plans, "2-green-default", "3-drop-blue") == ["delete main-credit-blue"]
    # Switching and dropping in one edit: the default moves first, blue is deleted last.
    assert steps(plans, "1-add-green", "3-drop-blue") == [
        "update main-credit-defaults",
        "delete main-credit-blue",
    ]
    endpoint = {
        r.urn for plan in plans.values() for r in plan.resources if r.name == "main-credit-endpoint"
    }
    assert len(endpoint) == 1  # the endpoint itself is never replaced

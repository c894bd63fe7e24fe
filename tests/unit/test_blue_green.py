"""Blue/green by config alone (docs/guides/blue-green.md): each step is a config edit,
planned offline.

Every step is planned from its own ``Pulumi.<step>.yaml`` with the real program, and the steps
``pulumi up`` would take from the previous step are derived in the engine's order
(`infra.plan.changes`): creates and updates in dependency order, deletes last.
"""

from __future__ import annotations

import shutil
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from components.errors import ConfigError
from components.exit_codes import ExitCode
from infra.entrypoint import app
from infra.plan import Plan, find_project, run_plan
from infra.plan.changes import Step, changes
from tests.conftest import ROOT

ENV = "azureml://registries/azureml/environments/sklearn-1.5/versions/54"
TRAFFIC = "pulumi-python:dynamic/amlstack:EndpointTraffic"


def deployment(name: str, model_version: int) -> dict[str, Any]:
    return {
        "name": name,
        "model": f"azureml:credit-default:{model_version}",
        "environment": ENV,
        "code": {"asset": "azureml:credit-scoring:1", "scoringScript": "score.py"},
    }


BLUE, GREEN = deployment("blue", 1), deployment("green", 2)
STEPS: dict[str, tuple[list[dict[str, Any]], dict[str, int]]] = {
    "0-blue": ([BLUE], {"blue": 100}),
    "1-add-green": ([BLUE, GREEN], {"blue": 100}),
    "2-shift-10": ([BLUE, GREEN], {"blue": 90, "green": 10}),
    "3-all-green": ([BLUE, GREEN], {"green": 100}),
    "4-drop-blue": ([GREEN], {"green": 100}),
}


def stack_config(deployments: list[dict[str, Any]], traffic: dict[str, int]) -> dict[str, Any]:
    endpoint = {"name": "credit", "deployments": deployments, "traffic": traffic}
    return {
        "config": {
            "amlstack:location": "westeurope",
            "amlstack:tier": "dev",
            "amlstack:workspaces": [{"name": "main", "endpoints": [endpoint]}],
        }
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("bluegreen")
    shutil.copy(ROOT / "Pulumi.yaml", directory / "Pulumi.yaml")
    (directory / "infra").symlink_to(ROOT / "infra", target_is_directory=True)
    return directory


def edit(project: Path, deployments: list[dict[str, Any]], traffic: dict[str, int]) -> None:
    """The config edit of one step: the stack file of stack ``dev``."""
    (project / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack_config(deployments, traffic)))


@pytest.fixture(scope="module")
def plans(project: Path) -> dict[str, Plan]:
    """Each step's plan of the same stack, after that step's config edit."""
    found = find_project(project)
    planned = {}
    for step, (deployments, traffic) in STEPS.items():
        edit(project, deployments, traffic)
        planned[step] = run_plan(found, "dev")
    return planned


def rollout(before: tuple[Any, ...] | list[Any], after: tuple[Any, ...] | list[Any]) -> list[Step]:
    return list(changes(before, after)[1])


def steps(plans: dict[str, Plan], before: str, after: str) -> list[str]:
    return [
        f"{s.op} {s.change.resource.name}"
        for s in rollout(plans[before].resources, plans[after].resources)
    ]


def traffic_of(plan: Plan) -> dict[str, Any]:
    [traffic] = [r for r in plan.resources if r.type == TRAFFIC]
    return traffic.inputs


def test_each_step_is_a_plan_with_the_traffic_resource_after_every_deployment(
    plans: dict[str, Plan],
) -> None:
    for step, (deployments, _) in STEPS.items():
        plan = plans[step]
        names = {r.name: r for r in plan.resources}
        traffic = names["main-credit-traffic"]
        expected = {names[f"main-credit-{d['name']}"].urn for d in deployments}
        deployment_deps = {u for u in traffic.dependencies if "OnlineDeployment" in u}
        assert deployment_deps == expected, step  # every deployment, and nothing else


def test_adding_green_at_0_creates_it_before_the_split_names_it(plans: dict[str, Plan]) -> None:
    assert steps(plans, "0-blue", "1-add-green") == [
        "create main-credit-green",
        "update main-credit-traffic",
    ]
    assert traffic_of(plans["1-add-green"])["traffic"] == {"blue": 100, "green": 0}


def test_shifting_touches_only_the_split(plans: dict[str, Plan]) -> None:
    assert steps(plans, "1-add-green", "2-shift-10") == ["update main-credit-traffic"]
    assert traffic_of(plans["2-shift-10"])["traffic"] == {"blue": 90, "green": 10}
    assert steps(plans, "2-shift-10", "3-all-green") == ["update main-credit-traffic"]
    assert traffic_of(plans["3-all-green"])["traffic"] == {"blue": 0, "green": 100}


def test_removing_blue_moves_traffic_away_before_blue_is_deleted(plans: dict[str, Plan]) -> None:
    assert steps(plans, "3-all-green", "4-drop-blue") == [
        "update main-credit-traffic",
        "delete main-credit-blue",
    ]
    # Shifting and dropping in one edit keeps the same order.
    assert steps(plans, "2-shift-10", "4-drop-blue") == [
        "update main-credit-traffic",
        "delete main-credit-blue",
    ]
    plan = plans["4-drop-blue"]
    assert traffic_of(plan)["traffic"] == {"green": 100}
    assert not any("::main-credit-blue" in d for r in plan.resources for d in r.dependencies)


def test_the_whole_walkthrough_keeps_the_endpoint_and_green(plans: dict[str, Plan]) -> None:
    endpoint_urns = {
        r.urn
        for plan in plans.values()
        for r in plan.resources
        if r.type == "azure-native:machinelearningservices:OnlineEndpoint"
    }
    assert len(endpoint_urns) == 1
    later = [s for a, b in pairwise(list(STEPS)[1:]) for s in steps(plans, a, b)]
    assert "update main-credit-green" not in later  # green is never touched once created


def test_dropping_blue_while_it_has_traffic_is_refused(project: Path) -> None:
    edit(project, [GREEN], {"blue": 90, "green": 10})
    with pytest.raises(ConfigError) as caught:
        run_plan(find_project(project), "dev")
    [problem] = caught.value.problems
    assert problem.field == "amlstack:workspaces[main].endpoints[credit].traffic"
    assert "'blue' is not a deployment of this endpoint (deployments: green)" in problem.allowed


def test_cli_prints_the_steps_since_a_previous_plan(project: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    before = tmp_path / "before.json"
    edit(project, *STEPS["3-all-green"])
    result = runner.invoke(app, ["plan", "dev", "-C", str(project), "--json", str(before)])
    assert result.exit_code == 0, result.output
    edit(project, *STEPS["4-drop-blue"])
    result = runner.invoke(app, ["plan", "dev", "-C", str(project), "-q", "--since", str(before)])
    assert result.exit_code == 0, result.output
    shown = " ".join(result.output.split())  # the console wraps long lines
    assert shown.endswith(
        f"changes since {before}, in the order pulumi up makes them (1 to update, 1 to delete): "
        "1. ~ update pulumi-python:dynamic/amlstack:EndpointTraffic main-credit-traffic "
        "- traffic.blue: 0 "
        "2. - delete machinelearningservices:OnlineDeployment main-credit-blue"
    )


def test_rollout_orders_creates_by_dependency_and_deletes_dependents_first(
    plans: dict[str, Plan],
) -> None:
    from_nothing: list[Step] = rollout([], plans["1-add-green"].resources)
    order = [s.change.resource.name for s in from_nothing]
    assert order.index("main-credit-endpoint") < order.index("main-credit-blue")
    assert order.index("main-credit-blue") < order.index("main-credit-green")
    assert order.index("main-credit-green") < order.index("main-credit-traffic")
    teardown = [s.change.resource.name for s in rollout(plans["1-add-green"].resources, [])]
    assert teardown.index("main-credit-traffic") < teardown.index("main-credit-green")
    assert teardown.index("main-credit-green") < teardown.index("main-credit-blue")
    assert teardown.index("main-credit-blue") < teardown.index("main-credit-endpoint")


def test_cli_since_needs_a_plan_file(project: Path, tmp_path: Path) -> None:
    edit(project, *STEPS["0-blue"])
    missing = tmp_path / "nope.json"
    result = CliRunner().invoke(app, ["plan", "dev", "-C", str(project), "--since", str(missing)])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "--since" in result.output
    assert "expected a plan JSON file" in result.output

"""The data-loss guard in the CrossGuard pack: it compares the ``replacementKeys`` the program
exports (read back through the own-stack StackReference on the next run) with this run's, and
reports what the plan's guard reports, driven the way the Pulumi engine drives the pack."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.plan import Plan, find_project, run_plan
from infra.plan.guard import DATA_LOSS, GUARD_POLICIES, SOFT_DELETED_NAME
from infra.policy import PolicyContext
from infra.previous import REPLACEMENT_KEYS_OUTPUT
from tests.conftest import ROOT, link_sample_folders, make_scratch_project
from tests.pack_driver import analyze, guard_service

Config = dict[str, Any]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = make_scratch_project(tmp_path_factory.mktemp("pack-guard"))
    shutil.copy(ROOT / "Pulumi.dev.yaml", directory / "Pulumi.dev.yaml")
    shutil.copy(ROOT / "Pulumi.shared.yaml", directory / "Pulumi.shared.yaml")
    link_sample_folders(directory)
    return directory


def replan(project: Path, deployed: Plan, **changes: Any) -> Plan:
    """The dev stack with `changes` to its config, planned as the next ``pulumi preview``
    would run it: the deployed stack's outputs answer the own-stack StackReference."""
    path = project / "Pulumi.dev.yaml"
    original = path.read_text()
    document = yaml.safe_load(original)
    document["config"].update({f"amlstack:{k}": v for k, v in changes.items()})
    path.write_text(yaml.safe_dump(document))
    try:
        return run_plan(find_project(project), "dev", previous=deployed.outputs)
    finally:
        path.write_text(original)


@pytest.fixture(scope="module")
def deployed(project: Path) -> Plan:
    return run_plan(find_project(project), "dev")


def diagnostics(plan: Plan, context: PolicyContext) -> list[tuple[str, str]]:
    names = {r.urn: r.name for r in plan.resources}
    analysis = analyze(guard_service(context), plan.resources, stack_outputs=plan.outputs)
    return sorted((d.policy, names.get(d.urn, d.urn)) for d in analysis.diagnostics)


def test_the_program_exports_what_decides_a_replacement(deployed: Plan) -> None:
    keys = deployed.outputs[REPLACEMENT_KEYS_OUTPUT]
    by_name = {entry["name"]: entry for entry in keys.values()}
    storage = by_name["main-storage"]
    assert storage["type"] == "azure-native:storage:StorageAccount"
    assert storage["inputs"]["location"] == "westeurope"
    assert by_name["main-credit-traffic"]["inputs"]["traffic"] == {"blue": 90, "green": 10}
    assert by_name["main-credit-blue"]["inputs"]["properties"] == {
        "instanceType": "Standard_DS3_v2"
    }
    assert {r.urn for r in deployed.resources} >= set(keys)


def test_the_pack_refuses_a_move_of_stateful_data_and_accepts_it_when_allowed(
    project: Path, deployed: Plan
) -> None:
    moved = replan(project, deployed, location="northeurope")
    found = diagnostics(moved, PolicyContext(tier="dev"))
    assert (DATA_LOSS, "main-storage") in found
    assert (DATA_LOSS, "dev-rg") in found
    assert (SOFT_DELETED_NAME, "main-keyvault") in found
    assert {policy for policy, _ in found} <= set(GUARD_POLICIES)
    allowed = PolicyContext(tier="dev", allow_replace=tuple(name for _, name in found))
    assert {p for p, _ in diagnostics(moved, allowed)} == {SOFT_DELETED_NAME}


def test_the_pack_lets_an_in_place_change_through(project: Path, deployed: Plan) -> None:
    retagged = replan(project, deployed, tags={"cost-center": "ml-platform", "team": "credit"})
    assert diagnostics(retagged, PolicyContext(tier="dev")) == []


def test_the_pack_refuses_resizing_a_live_deployment(project: Path, deployed: Plan) -> None:
    config: Config = yaml.safe_load((project / "Pulumi.dev.yaml").read_text())["config"]
    workspaces = config["amlstack:workspaces"]
    workspaces[0]["endpoints"][0]["deployments"][0]["instanceType"] = "Standard_F8s_v2"
    resized = replan(project, deployed, workspaces=workspaces)
    assert diagnostics(resized, PolicyContext(tier="dev")) == [(DATA_LOSS, "main-credit-blue")]


def test_without_a_deployed_copy_there_is_nothing_to_compare(deployed: Plan) -> None:
    analysis = analyze(
        guard_service(PolicyContext()), deployed.resources, stack_outputs=deployed.outputs
    )
    assert analysis.diagnostics == ()
    assert {policy for policy, _ in analysis.not_applicable} == set(GUARD_POLICIES)

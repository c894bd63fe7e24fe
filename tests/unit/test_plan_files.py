"""The files ``amlstack plan`` reads and writes: a plan reads back as it was written, and writing
fails as a `PlanFileError` naming the file (the bad inputs themselves: tests/bad_input)."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pytest

from components.testing import record
from infra.plan import Plan, write_graph
from infra.plan.errors import PlanFileError
from infra.plan.files import read_outputs_file, read_plan_file, write_file
from tests.jobs_support import DEV_OUTPUTS


@pytest.fixture(scope="module")
def plan() -> Plan:
    """A small plan: a component with two resources, one waiting for the other, one protected."""

    def program() -> None:
        parent = pulumi.ComponentResource("amlstack:test:Thing", "thing")
        group = pulumi.CustomResource(
            "azure-native:resources:ResourceGroup",
            "thing-rg",
            {"location": "westeurope", "tags": {"team": "ml"}},
            pulumi.ResourceOptions(parent=parent, protect=True),
        )
        pulumi.CustomResource(
            "azure-native:storage:StorageAccount",
            "thing-storage",
            {"resourceGroupName": group.id},
            pulumi.ResourceOptions(parent=parent),
        )

    recording = record(program)
    return Plan(project="amlstack", stack="test", resources=recording.resources, outputs={})


def test_a_plan_reads_back_as_it_was_written(plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    write_file(path, plan.to_json(), option="--json")
    read = read_plan_file(path)
    assert [(r.urn, r.inputs, sorted(r.dependencies)) for r in read] == [
        (r.urn, r.inputs, sorted(r.dependencies)) for r in plan.resources
    ]
    assert [(r.type, r.name, r.custom, r.parent, r.protect) for r in read] == [
        (r.type, r.name, r.custom, r.parent, r.protect) for r in plan.resources
    ]


def test_stack_outputs_read_as_they_are() -> None:
    assert read_outputs_file(DEV_OUTPUTS) == json.loads(DEV_OUTPUTS.read_text())


def test_a_file_that_cannot_be_written_names_the_option_and_the_reason(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    with pytest.raises(PlanFileError) as caught:
        write_file(tmp_path / "taken", "{}", option="--json")
    assert caught.value.option == "--json"
    assert caught.value.path == tmp_path / "taken"
    assert str(caught.value) == (
        f"--json {tmp_path / 'taken'}: cannot be written (Is a directory); expected a file path "
        "in an existing directory that can be written"
    )


def test_graphviz_failing_is_a_plan_file_error(
    plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shutil.which", lambda _name: "/bin/false")
    with pytest.raises(PlanFileError, match=r"plan\.svg: Graphviz failed to draw it .*\.mmd"):
        write_graph(plan, tmp_path / "plan.svg")
    assert not (tmp_path / "plan.svg").exists()

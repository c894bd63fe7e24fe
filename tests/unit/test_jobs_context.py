"""Stack context: outputs from a file, the environment, Pulumi or the offline plan; clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.errors import AmlStackError
from infra.entrypoint import plan_outputs
from jobs import context as context_module
from jobs.context import load_context, outputs_env_var, parse_outputs
from jobs.errors import StackContextError
from tests.conftest import ROOT
from tests.jobs_support import DEV_OUTPUTS, dev_context

DEV = json.loads(DEV_OUTPUTS.read_text())


@pytest.fixture
def no_pulumi(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context_module.shutil, "which", lambda _name: None)


def test_outputs_file_gives_the_workspace_and_what_it_holds() -> None:
    context = dev_context()
    assert context.source == str(DEV_OUTPUTS)
    assert context.workspace_key == "main"
    assert context.workspace_name == "mlw-amlstack-dev-main"
    assert context.workspace.computes["gpu"].kind == "AmlCompute"
    assert context.workspace.environments["train"].version == "3"
    assert context.registry is not None
    assert context.registry.name == "mlr-amlstack"
    assert not context.offline


def test_stack_specific_environment_variable_wins(tmp_path: Path, no_pulumi: None) -> None:
    other = {**DEV, "resourceGroup": "rg-other"}
    env = {"AMLSTACK_OUTPUTS": json.dumps(other), "AMLSTACK_OUTPUTS_DEV": json.dumps(DEV)}
    context = load_context("dev", env=env, project_dir=tmp_path)
    assert context.source == "$AMLSTACK_OUTPUTS_DEV"
    assert context.resource_group == "rg-amlstack-dev"
    assert load_context("prod", env=env).resource_group == "rg-other"


@given(st.text(min_size=1, max_size=30))
def test_environment_variable_names_are_valid(stack: str) -> None:
    name = outputs_env_var(stack)
    assert name.startswith("AMLSTACK_OUTPUTS_")
    assert all(c.isascii() and (c.isupper() or c.isdigit() or c == "_") for c in name)


def test_workspace_defaults_to_the_one_workspace_name_names(tmp_path: Path) -> None:
    second = {**DEV["workspaces"]["main"], "name": "mlw-amlstack-dev-team"}
    document = {**DEV, "workspaces": {"team": second, "main": DEV["workspaces"]["main"]}}
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(document))
    assert load_context("dev", outputs_file=path).workspace_key == "main"
    assert load_context("dev", outputs_file=path, workspace="team").workspace_name.endswith("team")
    with pytest.raises(StackContextError, match=r"no workspace 'nope'.*team, main"):
        load_context("dev", outputs_file=path, workspace="nope")


def test_malformed_outputs_name_the_bad_key(tmp_path: Path) -> None:
    broken = json.loads(json.dumps(DEV))
    broken["workspaces"]["main"]["computes"]["cpu"]["kind"] = "Kubernetes"
    del broken["subscriptionId"]
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(broken))
    with pytest.raises(StackContextError) as caught:
        load_context("dev", outputs_file=path)
    message = str(caught.value)
    assert "subscriptionId: required but missing" in message
    assert "workspaces.main.computes.cpu.kind: 'Kubernetes' is not allowed" in message


def test_not_json_and_missing_files_are_clear(tmp_path: Path) -> None:
    path = tmp_path / "outputs.json"
    path.write_text("Current stack outputs (8):\n    OUTPUT  VALUE\n")
    with pytest.raises(StackContextError, match=r"not JSON.*pulumi stack output --json"):
        load_context("dev", outputs_file=path)
    with pytest.raises(StackContextError, match="cannot read stack outputs"):
        load_context("dev", outputs_file=tmp_path / "missing.json")


def test_no_source_says_what_was_tried(no_pulumi: None) -> None:
    with pytest.raises(StackContextError) as caught:
        load_context("dev", env={}, project_dir=ROOT)
    message = str(caught.value)
    assert "--outputs FILE" in message
    assert "$AMLSTACK_OUTPUTS_DEV" in message
    assert "Pulumi CLI (not installed)" in message


def test_pulumi_automation_outputs_are_used_when_the_cli_is_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(context_module.shutil, "which", lambda _name: "/usr/bin/pulumi")
    monkeypatch.setattr(context_module, "_automation_outputs", lambda stack, _dir: DEV)
    context = load_context("dev", env={}, project_dir=ROOT)
    assert context.source == "pulumi stack dev"
    assert context.workspace_name == "mlw-amlstack-dev-main"


def test_a_failing_pulumi_falls_back_to_the_plan_only_for_dry_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def not_logged_in(stack: str, _dir: Path) -> dict[str, object]:
        raise StackContextError("error: no stack named 'dev' found")

    monkeypatch.setattr(context_module.shutil, "which", lambda _name: "/usr/bin/pulumi")
    monkeypatch.setattr(context_module, "_automation_outputs", not_logged_in)
    with pytest.raises(StackContextError, match="the Pulumi CLI \\(error: no stack named"):
        load_context("dev", env={}, project_dir=ROOT)
    context = load_context("dev", env={}, project_dir=ROOT, offline_plan=plan_outputs)
    assert context.offline
    assert context.workspace_name == "mlw-amlstack-dev-main"
    assert context.subscription_id == "00000000-0000-0000-0000-000000000000"


def test_a_whole_plan_document_is_accepted() -> None:
    plan = {"version": 1, "project": "amlstack", "stack": "dev", "outputs": DEV}
    outputs = parse_outputs(plan, stack="dev", source="plan.json")
    assert outputs.workspaces["main"].name.endswith("-main")


def test_stack_context_error_is_an_amlstack_error() -> None:
    assert issubclass(StackContextError, AmlStackError)


def test_a_misspelt_workspace_gets_a_suggestion() -> None:
    with pytest.raises(StackContextError, match="did you mean 'main'\\? its workspaces: main"):
        load_context("dev", outputs_file=DEV_OUTPUTS, workspace="mian", env={})

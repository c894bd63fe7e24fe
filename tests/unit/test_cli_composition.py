"""One ``amlstack`` command line from two command groups that do not know each other: the shared
stack options defined once, one table of exit codes, the offline plan handed to jobs by the entry
point."""

from __future__ import annotations

import ast
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

import infra.plan
from components.exit_codes import ExitCode
from infra.entrypoint import app
from jobs import context as jobs_context
from jobs.cli import job_app, model_app
from tests.conftest import ROOT

runner = CliRunner()
STACK_OPTIONS = ("--stack", "--outputs", "--workspace", "--project-dir", "--tenant")


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return found


def test_the_two_command_groups_do_not_import_each_other() -> None:
    assert not {m for m in imported_modules(ROOT / "infra" / "cli.py") if m.startswith("jobs")}
    assert not {m for m in imported_modules(ROOT / "jobs" / "cli.py") if m.startswith("infra")}


@pytest.mark.parametrize("path", sorted((ROOT / "jobs").glob("*.py")), ids=lambda p: p.name)
def test_jobs_imports_neither_infra_nor_a_private_components_module(path: Path) -> None:
    modules = imported_modules(path)
    assert not {m for m in modules if m == "infra" or m.startswith("infra.")}
    assert not {m for m in modules if m.startswith("components._")}


def test_the_console_script_is_the_composed_app() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"] == {"amlstack": "infra.entrypoint:main"}
    command: Any = typer.main.get_command(app)
    assert set(command.commands) == {"plan", "policies", "init", "schema", "job", "model"}


def test_exit_codes_keep_their_numbers() -> None:
    """CI scripts test these numbers: they are a contract (DESIGN.md, CLI)."""
    assert {code.name: int(code) for code in ExitCode} == {
        "OK": 0,
        "INVALID_INPUT": 2,
        "POLICY_FAILED": 3,
        "AZURE": 4,
        "JOB_FAILED": 10,
        "JOB_CANCELED": 11,
        "JOB_TIMED_OUT": 12,
        "JOB_NOT_FINISHED": 13,
    }


def stack_commands() -> list[tuple[str, Any]]:
    found = []
    for group_name, group in (("job", job_app), ("model", model_app)):
        command: Any = typer.main.get_command(group)
        found += [(f"{group_name} {name}", sub) for name, sub in command.commands.items()]
    return found


def options_of(command: Any) -> dict[str, Any]:
    return {opt: param for param in command.params for opt in param.opts}


@pytest.mark.parametrize(("name", "command"), stack_commands(), ids=str)
def test_every_stack_command_takes_the_shared_options_from_one_definition(
    name: str, command: Any
) -> None:
    options = options_of(command)
    reference = options_of(dict(stack_commands())["job status"])
    for option in STACK_OPTIONS:
        mine, theirs = options[option], reference[option]
        assert (mine.help, mine.required, mine.default) == (
            theirs.help,
            theirs.required,
            theirs.default,
        ), (name, option)
    assert [p.opts[0] for p in command.params][-1] == "--tenant"  # as before: --tenant last


def test_positional_arguments_and_own_options_still_reach_the_command(tmp_path: Path) -> None:
    outputs = ROOT / "tests" / "fixtures" / "outputs-dev.json"
    result = runner.invoke(
        app,
        [
            "model",
            "register",
            "churn",
            "--job",
            "j",
            "--type",
            "onnx",
            "-s",
            "dev",
            "-o",
            str(outputs),
        ],
    )
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "--type 'onnx': expected mlflow_model or custom_model" in result.output


@pytest.fixture
def spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(jobs_context.shutil, "which", lambda _name: None)  # no Pulumi CLI
    for name in ("AMLSTACK_OUTPUTS", "AMLSTACK_OUTPUTS_DEV"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "train.py").write_text("print('hi')\n")
    path = tmp_path / "job.yml"
    path.write_text(
        "command: python train.py\ncode: .\ncompute: azureml:cpu-cluster\n"
        "environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest\n"
    )
    return path


def test_the_entry_point_hands_jobs_the_offline_plan_for_dry_runs(spec: Path) -> None:
    args = ["submit", str(spec), "--stack", "dev", "--project-dir", str(ROOT), "--dry-run"]
    result = runner.invoke(app, ["job", *args])
    assert result.exit_code == 0, result.output
    assert "stack dev: outputs from plan of Pulumi.dev.yaml (offline)" in result.stderr
    assert "/workspaces/mlw-amlstack-dev-main/" in json.loads(result.stdout)["url"]
    alone = runner.invoke(job_app, args)  # the jobs app without a host: no plan to fall back to
    assert alone.exit_code == ExitCode.INVALID_INPUT
    assert "no outputs for stack 'dev'" in alone.output


def test_a_dry_run_reuses_the_plan_of_the_same_config(
    spec: Path, scratch_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = {
        "amlstack:location": "westeurope",
        "amlstack:tier": "dev",
        "amlstack:workspaces": [
            {"name": "main", "computes": {"clusters": [{"name": "cpu-cluster"}]}}
        ],
    }
    stack_file = scratch_project / "Pulumi.s.yaml"
    stack_file.write_text(yaml.safe_dump({"config": config}))
    args = ["job", "submit", str(spec), "--stack", "s", "-C", str(scratch_project), "--dry-run"]
    planned = runner.invoke(app, ["plan", "s", "-C", str(scratch_project), "--quiet"])
    assert planned.exit_code == 0, planned.output

    planning = infra.plan.run_plan
    calls: list[str] = []

    def counted(project: Any, stack: str, **options: Any) -> Any:
        calls.append(stack)
        return planning(project, stack, **options)

    monkeypatch.setattr(infra.plan, "run_plan", counted)
    reused = runner.invoke(app, args)
    assert reused.exit_code == 0, reused.output
    assert calls == []
    clusters = config["amlstack:workspaces"][0]["computes"]["clusters"]  # type: ignore[index]
    clusters[0]["maxNodes"] = 8
    stack_file.write_text(yaml.safe_dump({"config": config}))
    replanned = runner.invoke(app, args)  # the config changed: planned again
    assert replanned.exit_code == 0, replanned.output
    assert calls == ["s"]
    for result in (reused, replanned):
        assert "stack s: outputs from plan of Pulumi.s.yaml (offline)" in result.stderr
        assert "/workspaces/mlw-amlstack-s-main/" in json.loads(result.stdout)["url"]

"""The getting-started page works as written: its commands are replayed, in order, in a fresh
project, and the stack it builds (two team workspaces, people per role, a GPU and a CPU cluster,
an instance per data scientist, ADLS and blob datastores, a conda and a curated environment, an
endpoint with a 90/10 split) plans with exit code 0."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infra.entrypoint import app
from tests.conftest import ROOT

PAGE = ROOT / "docs" / "getting-started.md"
SETUP = ("git clone", "cd ", "pip install uv")
"""Lines a fresh clone has already run by the time the tests run."""
DEPLOY = ("pulumi ", "az ")
"""What the "Deploy it" section may ask for: Azure and the Pulumi CLI, which tests do not have."""


def steps(markdown: str) -> list[tuple[str, str, str]]:
    """The page's code blocks in order: (language, title, text)."""
    pattern = r'```(\w+)(?: title="([^"]+)")?\n(.*?)```'
    return [(m[0], m[1], m[2]) for m in re.findall(pattern, markdown, flags=re.DOTALL)]


def commands(text: str) -> list[str]:
    lines = [line.split("  #")[0].strip() for line in text.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh clone: the project's files, without its sample stacks."""
    for entry in ROOT.iterdir():
        if entry.name.startswith((".", "Pulumi.")) or entry.name in ("tests", "docs"):
            continue
        (tmp_path / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    (tmp_path / "Pulumi.yaml").symlink_to(ROOT / "Pulumi.yaml")
    (tmp_path / "Pulumi.dev.yaml").symlink_to(ROOT / "Pulumi.dev.yaml")
    (tmp_path / "Pulumi.shared.yaml").symlink_to(ROOT / "Pulumi.shared.yaml")
    return tmp_path


def test_the_page_replays_to_a_two_team_stack_that_plans(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    markdown = PAGE.read_text()
    before, deploy = markdown.split("\n## Deploy it\n")
    ran: list[str] = []
    for language, title, text in steps(before):
        if title:
            (project / title).write_text(text)
            continue
        if language != "bash":
            continue
        for line in commands(text):
            for command in line.split(" && "):
                if command.startswith(SETUP):
                    continue
                assert command.startswith("uv run amlstack "), f"not replayable: {command}"
                args = shlex.split(command.removeprefix("uv run amlstack "))
                result = CliRunner().invoke(app, args)
                assert result.exit_code == 0, f"{command}\n{result.output}"
                ran.append(args[0])
    assert ran.count("init") == 1
    assert ran.count("plan") >= 3
    for _, _, text in steps(deploy):
        for line in commands(text):
            assert line.startswith(DEPLOY), f"the deploy section runs only Azure tools: {line}"
    assert (project / "plan-teams.json").is_file()
    assert any(project.glob("plan-teams.*")), "the graph was drawn"
    plan = (project / "plan-teams.json").read_text()
    for needle in (
        '"vmSize": "Standard_NC6s_v3"',
        '"datastoreType": "AzureDataLakeGen2"',
        '"datastoreType": "AzureBlob"',
        '"blue": 90',
        '"green": 10',
        "azureml://registries/azureml/environments/sklearn-1.5/versions/53",
        "condaFile",
    ):
        assert needle in plan, needle


def test_the_readme_minimal_stack_plans(project: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    [stack] = [block for block in steps(readme) if block[0] == "yaml"]
    assert len(stack[2].splitlines()) <= 30
    (project / "Pulumi.minimal.yaml").write_text(stack[2])
    result = CliRunner().invoke(app, ["plan", "minimal", "-C", str(project), "-q"])
    assert result.exit_code == 0, result.output

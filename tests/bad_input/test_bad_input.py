"""The bad-input corpus (cases.yaml): every invalid stack config is refused by ``amlstack plan``
with exit code 2, before any resource is registered, naming the key, the value and what is
allowed, and never with a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from components.exit_codes import ExitCode
from components.testing import RecordingMocks
from infra.entrypoint import app
from tests.conftest import ROOT, make_scratch_project

HERE = Path(__file__).parent
CASES: list[dict[str, Any]] = yaml.safe_load((HERE / "cases.yaml").read_text())
runner = CliRunner()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One scratch project for the whole corpus: the program, the files cases point to
    (tests/bad_input/project/) and the shared stack a registryStack case may reference."""
    directory = tmp_path_factory.mktemp("bad-input")
    shutil.copytree(HERE / "project", directory, dirs_exist_ok=True)
    shutil.copy(ROOT / "Pulumi.shared.yaml", directory / "Pulumi.shared.yaml")
    return make_scratch_project(directory)


def test_the_corpus_has_at_least_30_distinct_cases() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) >= 30
    assert len(set(ids)) == len(ids)
    configs = [
        json.dumps(case["config"], sort_keys=True) for case in CASES if "previous" not in case
    ]
    assert len(set(configs)) == len(configs)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_bad_config_is_refused_before_anything_is_registered(
    case: dict[str, Any], project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = {(k if ":" in k else f"amlstack:{k}"): v for k, v in case["config"].items()}
    (project / "Pulumi.bad.yaml").write_text(yaml.safe_dump({"config": config}))
    arguments = ["plan", "bad", "-C", str(project)]
    if "previous" in case:
        previous = project / "outputs.json"
        previous.write_text(json.dumps(case["previous"]))
        arguments += ["--previous", str(previous)]
    # Registrations by each mocked deployment: a referenced stack (the registry's owner) is
    # planned first, so only the last one, the bad stack's own, must register nothing.
    deployments: list[list[str]] = []
    original_init, original_new = RecordingMocks.__init__, RecordingMocks.new_resource

    def init(self: RecordingMocks, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.bad_input_registered = []  # type: ignore[attr-defined]
        deployments.append(self.bad_input_registered)  # type: ignore[attr-defined]

    def new_resource(self: RecordingMocks, args: Any) -> Any:
        self.bad_input_registered.append(args.typ)  # type: ignore[attr-defined]
        return original_new(self, args)

    monkeypatch.setattr(RecordingMocks, "__init__", init)
    monkeypatch.setattr(RecordingMocks, "new_resource", new_resource)
    result = runner.invoke(app, arguments)
    message = result.output
    assert result.exit_code == ExitCode.INVALID_INPUT, message
    assert "Traceback" not in message
    assert message.startswith("error: invalid configuration"), message
    for part in ("key", "value", "allowed"):
        assert case[part] in message, f"{part} {case[part]!r} not in: {message}"
    # Only the read of the stack's own deployed outputs may happen before the refusal.
    assert set(deployments[-1] if deployments else []) <= {"pulumi:pulumi:StackReference"}

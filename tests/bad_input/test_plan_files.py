"""The plan-file corpus (plan_file_cases.yaml): every bad file given to ``amlstack plan`` (--since,
--previous, --json, --graph) and every damaged project file makes it exit 2 with one message
naming the option or file, what is wrong and what is expected; no traceback, nothing recorded."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from components.exit_codes import ExitCode
from infra.entrypoint import app
from infra.plan import runner as plan_runner
from tests.conftest import ROOT, make_scratch_project
from tests.jobs_support import DEV_OUTPUTS

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "plan_file_cases.yaml").read_text()
)
runner = CliRunner()


def test_the_corpus_has_distinct_cases_for_every_file_option() -> None:
    ids = [case["id"] for case in CASES]
    assert len(set(ids)) == len(ids)
    options = {arg for case in CASES for arg in case.get("args", []) if arg.startswith("-")}
    assert options >= {"--since", "--previous", "--json", "--graph", "-C"}


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_a_bad_plan_file_exits_2_with_one_message(
    case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_scratch_project(tmp_path)
    shutil.copy(ROOT / "Pulumi.dev.yaml", tmp_path / "Pulumi.dev.yaml")
    for name, content in case.get("files", {}).items():
        (tmp_path / name).write_bytes(content.encode("latin-1" if case.get("latin1") else "utf-8"))
    for name in case.get("directories", []):
        (tmp_path / name).mkdir()
    monkeypatch.chdir(tmp_path)
    recorded: list[str] = []

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        recorded.append("record")
        raise AssertionError("the program ran during a bad-input case")

    monkeypatch.setattr(plan_runner, "record", refuse)
    args = [arg.format(outputs=DEV_OUTPUTS) for arg in case.get("args", [])]
    result = runner.invoke(app, ["plan", "dev", *args])
    message = " ".join(result.output.split())
    assert result.exit_code == ExitCode.INVALID_INPUT, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert message.startswith("error: "), message
    assert message.count("error: ") == 1, message
    assert recorded == []
    for part in ("option", "value", "allowed"):
        assert case[part] in message, f"{part} {case[part]!r} not in: {message}"

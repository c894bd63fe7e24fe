"""The jobs CLI's bad-input corpus (job_cases.yaml): every invalid ``amlstack job`` / ``amlstack
model`` invocation exits 2 naming the option or spec field, the value and what is allowed, with
no traceback, before any request is built, any credential asked for or any connection opened."""

from __future__ import annotations

import importlib
import json
import re
import socket
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from components.exit_codes import ExitCode
from infra.entrypoint import app
from jobs import cli as jobs_cli
from jobs import context as jobs_context
from tests.conftest import ROOT
from tests.jobs_support import DEV_OUTPUTS

CORPUS: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "job_cases.yaml").read_text())
CASES: list[dict[str, Any]] = CORPUS["cases"]
jobs_submit = importlib.import_module("jobs.submit")  # the package exports a `submit` function
runner = CliRunner()


@pytest.fixture(scope="module")
def placeholders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What ``{outputs}``, ``{no_registry}`` and ``{project}`` stand for in a case's args."""
    outputs = json.loads(DEV_OUTPUTS.read_text())
    del outputs["registry"]
    no_registry = tmp_path_factory.mktemp("outputs") / "outputs-dev-no-registry.json"
    no_registry.write_text(json.dumps(outputs))
    return {"outputs": str(DEV_OUTPUTS), "no_registry": str(no_registry), "project": str(ROOT)}


def test_the_corpus_has_distinct_cases_for_every_verb() -> None:
    ids = [case["id"] for case in CASES]
    assert len(set(ids)) == len(ids)
    verbs = {tuple(case["args"][:2]) for case in CASES}
    for verb in ("submit", "logs", "status", "cancel", "metrics", "download", "list", "show"):
        assert ("job", verb) in verbs
    for verb in ("compare",):
        assert ("job", verb) in verbs
    for verb in ("register", "promote", "list"):
        assert ("model", verb) in verbs


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_bad_job_input_exits_2_before_anything_is_sent(
    case: dict[str, Any],
    placeholders: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, content in {**CORPUS["defaults"]["files"], **case.get("files", {})}.items():
        if content is not None:
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(content)
    monkeypatch.chdir(tmp_path)
    for name in ("AMLSTACK_OUTPUTS", "AMLSTACK_OUTPUTS_DEV", "AMLSTACK_OUTPUTS_STAGING"):
        monkeypatch.delenv(name, raising=False)
    for name, value in case.get("env", {}).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(jobs_context.shutil, "which", lambda _name: None)  # no Pulumi CLI
    happened: list[str] = []

    def refuse(what: str) -> Any:
        def record(*_args: Any, **_kwargs: Any) -> Any:
            happened.append(what)
            raise OSError(f"{what} during a bad-input case")

        return record

    monkeypatch.setattr(jobs_cli.StackTarget, "clients", refuse("credential and client"))
    monkeypatch.setattr(jobs_submit, "Request", refuse("request built"))
    monkeypatch.setattr(socket.socket, "connect", refuse("connection"))

    args = [arg.format(**placeholders) for arg in case["args"]]
    result = runner.invoke(app, args)
    message = _plain(result.output)
    assert result.exit_code == ExitCode.INVALID_INPUT, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert happened == []
    for part in ("option", "value", "allowed"):
        assert _plain(case[part]) in message, f"{part} {case[part]!r} not in: {message}"


def _plain(text: str) -> str:
    """`text` without the frame typer draws around usage errors, whitespace collapsed."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())

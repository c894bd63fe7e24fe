"""The bad-input corpus (cases.yaml): every invalid stack config is refused by ``amlstack plan``
with exit code 2, before any resource is registered, naming the key, the value and what is
allowed, and never with a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from components.testing import RecordingMocks
from infra.cli import EXIT_INVALID_CONFIG, app

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text())
runner = CliRunner()


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
    case: dict[str, Any], scratch_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = {(k if ":" in k else f"amlstack:{k}"): v for k, v in case["config"].items()}
    (scratch_project / "Pulumi.bad.yaml").write_text(yaml.safe_dump({"config": config}))
    arguments = ["plan", "bad", "-C", str(scratch_project)]
    if "previous" in case:
        previous = scratch_project / "outputs.json"
        previous.write_text(json.dumps(case["previous"]))
        arguments += ["--previous", str(previous)]
    registered: list[str] = []
    original = RecordingMocks.new_resource

    def counting(self: RecordingMocks, args: Any) -> Any:
        registered.append(args.typ)
        return original(self, args)

    monkeypatch.setattr(RecordingMocks, "new_resource", counting)
    result = runner.invoke(app, arguments)
    message = result.output
    assert result.exit_code == EXIT_INVALID_CONFIG, message
    assert "Traceback" not in message
    assert message.startswith("error: invalid configuration"), message
    for part in ("key", "value", "allowed"):
        assert case[part] in message, f"{part} {case[part]!r} not in: {message}"
    # Only the read of the stack's own deployed outputs may happen before the refusal.
    assert set(registered) <= {"pulumi:pulumi:StackReference"}

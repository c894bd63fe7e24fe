"""The help pages a newcomer reads first say what the command does, show examples and list the
exit codes."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from infra.entrypoint import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("command", "example"),
    [
        ((), "amlstack plan dev"),
        (("plan",), "amlstack plan dev --since before.json"),
        (("policies",), "amlstack:waivers:"),
        (("init",), "amlstack init dev --tier dev --location westeurope"),
        (("schema",), "amlstack schema --output docs/schema/stack.schema.json"),
        (("job", "submit"), "amlstack job submit jobs/train.yml --stack dev --dry-run"),
        (("model",), "amlstack model promote churn 1"),
        (("job", "list"), "amlstack job list --stack dev --experiment churn --status completed"),
        (("job", "show"), "amlstack job show churn-3f2a9c81d0e4 --stack dev"),
        (("job", "compare"), "amlstack job compare churn-3f2a9c81d0e4 churn-9b1d04c2e7aa"),
        (("model", "register"), "--from-best churn --metric auc"),
    ],
)
def test_help_teaches_with_examples_and_exit_codes(command: tuple[str, ...], example: str) -> None:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert example in result.output
    assert "Exit code" in result.output

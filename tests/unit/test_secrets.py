"""Secret config stays a Pulumi secret end to end: in resource inputs, never in outputs, the plan
JSON, the printed plan, errors or logs."""

from __future__ import annotations

import json
import logging
import runpy
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from components.errors import SECRET_MASK
from components.testing import Recording, record
from infra.entrypoint import app
from infra.plan import find_project, run_plan
from tests.conftest import REACHABLE_NETWORK, ROOT

SECRET = "s3cr3t-cost-center-4711"
CIPHERTEXT = "v1:AAABBBCCCDDD+secret+ciphertext=="
runner = CliRunner()


@pytest.fixture(scope="module")
def with_secret_config() -> Recording:
    """The real program with ``amlstack:tags`` set by ``pulumi config set --secret``."""
    return record(
        lambda: runpy.run_path(str(ROOT / "infra"), run_name="__main__"),
        stack="secret",
        config={
            "amlstack:location": "westeurope",
            "amlstack:workspaces": [{"name": "main", "network": REACHABLE_NETWORK}],
            "amlstack:tags": {"cost-center": SECRET},
        },
        secret_keys=["amlstack:tags"],
    )


def test_secret_config_reaches_resources_only_as_a_pulumi_secret(
    with_secret_config: Recording,
) -> None:
    tagged = [r for r in with_secret_config.resources if r.custom and "tags" in r.inputs]
    assert len(tagged) >= 8
    # The registration carried the tag's value as a secret: the recorder shows secrets masked.
    assert all(r.inputs["tags"]["cost-center"] == SECRET_MASK for r in tagged)
    assert SECRET not in json.dumps([r.inputs for r in with_secret_config.resources])


def test_secret_config_never_reaches_the_outputs(with_secret_config: Recording) -> None:
    assert with_secret_config.outputs["workspaceName"] == "mlw-amlstack-secret-main"
    assert SECRET not in json.dumps(with_secret_config.outputs)
    assert SECRET_MASK not in json.dumps(with_secret_config.outputs)


def test_non_secret_config_is_left_alone() -> None:
    recording = record(
        lambda: runpy.run_path(str(ROOT / "infra"), run_name="__main__"),
        config={
            "amlstack:location": "westeurope",
            "amlstack:workspaces": [{"name": "main", "network": REACHABLE_NETWORK}],
            "amlstack:tags": {"cost-center": "ml-platform"},
        },
    )
    account = recording.one("azure-native:storage:StorageAccount")
    assert account.inputs["tags"]["cost-center"] == "ml-platform"


def secure_stack(project: Path) -> None:
    config: dict[str, Any] = {
        "amlstack:location": "westeurope",
        "amlstack:workspaces": [{"name": "main", "network": REACHABLE_NETWORK}],
        "amlstack:tags": {"cost-center": {"secure": CIPHERTEXT}},
    }
    (project / "Pulumi.sec.yaml").write_text(yaml.safe_dump({"config": config}))


def test_a_secure_stack_value_stays_secret_in_the_plan_json_and_printout(
    scratch_project: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    secure_stack(scratch_project)
    caplog.set_level(logging.DEBUG)
    plan = run_plan(find_project(scratch_project), "sec")
    [account] = [r for r in plan.resources if r.type == "azure-native:storage:StorageAccount"]
    assert account.inputs["tags"]["cost-center"] == SECRET_MASK  # sent as a Pulumi secret
    out = scratch_project / "plan.json"
    result = runner.invoke(app, ["plan", "sec", "-C", str(scratch_project), "--json", str(out)])
    assert result.exit_code == 0, result.output
    captured = capsys.readouterr()
    for text in (plan.to_json(), out.read_text(), result.output, captured.out, captured.err):
        assert CIPHERTEXT not in text
        assert "secret+ciphertext" not in text
    assert CIPHERTEXT not in caplog.text
    assert SECRET_MASK in out.read_text()

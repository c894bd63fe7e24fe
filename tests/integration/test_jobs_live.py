"""A real job on a deployed stack: submit, follow, metrics, model registration (opt-in).

Runs only with ``AMLSTACK_INTEGRATION=1``, an Azure credential that works (``az login`` or CI
OIDC) and the stack's outputs (``AMLSTACK_INTEGRATION_OUTPUTS=outputs-dev.json``, or the
usual ``AMLSTACK_OUTPUTS_<STACK>`` / Pulumi CLI); ``AMLSTACK_INTEGRATION_STACK`` picks the stack
(default ``dev``). The job uses the stack's default compute and the curated sklearn environment
from the ``azureml`` registry. Nothing here is faked; without those it is skipped.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from jobs.client import ml_client, stack_credential
from jobs.context import load_context
from jobs.errors import CredentialError, StackContextError
from jobs.follow import AzureJobSource, follow
from jobs.models import register_model
from jobs.results import metrics
from jobs.specs import load_spec
from jobs.submit import SubmitOptions, submit
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

STACK = os.environ.get("AMLSTACK_INTEGRATION_STACK", "dev")
TRAIN = """\
import os
import mlflow

mlflow.log_metric("answer", 42)
os.makedirs("outputs/model", exist_ok=True)
with open("outputs/model/weights.txt", "w") as weights:
    weights.write("42\\n")
"""


@pytest.fixture(scope="module")
def live() -> tuple[Any, Any, Any]:
    if os.environ.get("AMLSTACK_INTEGRATION") != "1":
        pytest.skip("set AMLSTACK_INTEGRATION=1 (and sign in to Azure) to run against a stack")
    outputs = os.environ.get("AMLSTACK_INTEGRATION_OUTPUTS")
    try:
        context = load_context(
            STACK, outputs_file=Path(outputs) if outputs else None, project_dir=ROOT
        )
        credential = stack_credential()
    except (StackContextError, CredentialError) as error:
        pytest.skip(f"no deployed stack to run against: {error}")
    return context, credential, ml_client(context, credential)


def test_a_real_job_runs_and_its_model_registers_once(
    live: tuple[Any, Any, Any], tmp_path: Path
) -> None:
    context, credential, client = live
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text(TRAIN)
    spec = tmp_path / "job.yml"
    spec.write_text(
        "command: python train.py\ncode: src\nexperiment_name: amlstack-integration\n"
        "environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest\n"
    )
    submitted = submit(load_spec(spec), context, SubmitOptions(), client)
    outcome = follow(
        AzureJobSource(client), submitted.name, emit=print, timeout=3600, poll_seconds=15
    )
    assert outcome.status == "Completed", outcome.summary()

    assert ("answer", 42.0) in {
        (m.key, m.value) for m in metrics(client, credential, submitted.name)
    }

    def register() -> Any:
        return register_model(
            client.models,
            context,
            name="amlstack-integration",
            job=submitted.name,
            path="outputs/model",
            type="custom_model",
        )

    first, again = register(), register()
    assert again.version == first.version
    assert not again.created

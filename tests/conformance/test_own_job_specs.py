"""Our own specs (``job_specs/``, in the style of azureml-examples ``cli/jobs/``) dry-run to the
very body azure-ai-ml builds from them, apart from the ids amlstack resolves and the names it
chooses: serverless compute, ``file:`` components, parallel, Spark and AutoML steps, pipeline
components, registered and registry components, a sweep step, local data of every type.

azure-ai-ml's own body (``load_job(spec)`` turned into its REST object, offline) still holds what
its operations layer resolves while sending: short compute names, local paths, component
objects. Those places are masked on both sides, after checking that ours hold what Azure expects
there (an id of the stack's workspace, a registry id, ``serverless``, a binding, the upload URI
of the local data), and everything else must be equal.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from azure.ai.ml import load_job
from azure.ai.ml._restclient.arm_ml_service._utils.model_base import SdkJSONEncoder
from azure.ai.ml.entities._job.to_rest_functions import to_rest_job_object

from jobs.specs import load_spec
from jobs.submit import SubmitOptions, dry_run
from tests.jobs_support import dev_context

SPECS = Path(__file__).parent / "job_specs"
CONTEXT = dev_context()
ID_KEYS = frozenset(
    {"computeId", "environmentId", "codeId", "componentId", "default_compute", "default_datastore"}
)
TASK_ID_KEYS = frozenset({"code", "environment"})
"""A parallel step's ``task`` holds its code and environment ids under these keys."""
UPLOADED = re.compile(r"azureml://datastores/workspaceblobstore/paths/LocalUpload/[0-9a-f]{64}/.+")
RESOLVED = re.compile(
    rf"(azureml:)?{re.escape(CONTEXT.workspace_id)}/.+|azureml://registries/.+|serverless"
    r"|\$\{\{.+\}\}"
)


class _Unresolved(SdkJSONEncoder):
    """azure-ai-ml's offline body may hold entities (a component to register): named by type."""

    def default(self, o: Any) -> Any:
        try:
            return super().default(o)  # type: ignore[no-untyped-call]
        except TypeError:
            return f"<{type(o).__name__}>"


def sdk_body(spec: Path) -> Any:
    rest = to_rest_job_object(load_job(spec))
    return json.loads(json.dumps(rest, cls=_Unresolved, exclude_readonly=True))


def masked(node: Any, sdk: Any, *, ours: bool, key: str = "") -> Any:
    """`node` with resolved places masked; `sdk` is azure-ai-ml's counterpart (to know which
    input URIs were local paths). On our side, each masked value must be a resolved one."""
    if isinstance(node, dict):
        if key == "trial" and not ours and "componentSpec" in node.get("properties", {}):
            return {"componentId": "<id>"}  # an inline trial azure-ai-ml registers when sending
        result = {}
        for name, value in node.items():
            if name.startswith("amlstack.") and ours and key == "tags":
                continue
            other = sdk.get(name) if isinstance(sdk, dict) else None
            is_id = name in ID_KEYS or (key == "task" and name in TASK_ID_KEYS)
            if is_id and value is not None:
                assert not ours or RESOLVED.fullmatch(str(value)), f"{name}: {value}"
                result[name] = "<id>"
            elif name == "uri" and "://" not in str(other if ours else value):
                assert not ours or UPLOADED.fullmatch(value), f"{name}: {value}"
                result[name] = "<uploaded>"
            elif name == "displayName" and key == "properties" and sdk is not None:
                result[name] = "<name>"
            else:
                result[name] = masked(value, other, ours=ours, key=name)
        return result
    if isinstance(node, list):
        others = sdk if isinstance(sdk, list) else [None] * len(node)
        return [masked(item, other, ours=ours) for item, other in zip(node, others, strict=False)]
    return node


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy outside this repository: the specs' git state does not change their bodies."""
    target = tmp_path_factory.mktemp("own") / "job_specs"
    shutil.copytree(SPECS, target)
    return target


SPEC_NAMES = sorted(path.name for path in SPECS.glob("*.yml"))


def test_the_specs_cover_every_kind_of_step() -> None:
    text = "\n".join((SPECS / name).read_text() for name in SPEC_NAMES)
    for needle in (
        "compute: azureml:serverless",
        "default_compute: azureml:serverless",
        "component: file:",
        "type: parallel",
        "type: spark",
        "type: automl",
        "type: sweep",
        "type: pipeline\n    component: ./components/",
        "component: azureml:churn_prep:3",
        "component: azureml://registries/",
        "type: uri_file, path: ./",
        "type: uri_folder, path: ./",
        "type: mltable, path: ./",
    ):
        assert needle in text, needle


@pytest.mark.parametrize("name", SPEC_NAMES)
def test_the_dry_run_is_the_body_azure_ai_ml_would_send(specs: Path, name: str) -> None:
    spec = specs / name
    ours = dry_run(load_spec(spec), CONTEXT, SubmitOptions()).body
    theirs = sdk_body(spec)
    assert masked(ours, theirs, ours=True) == masked(theirs, ours, ours=False)

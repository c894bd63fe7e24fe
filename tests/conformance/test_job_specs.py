"""Every job spec of the azureml-examples corpus dry-runs against the dev stack to a resolved PUT.

The dev stack is the offline plan of ``Pulumi.dev.yaml``, as ``amlstack job submit --dry-run``
uses it when no deployed outputs are given.

Each command, sweep and pipeline spec of ``SELECTION.txt`` is copied to a temporary folder (with
a stand-in for each missing ``code:`` folder), its computes are mapped to the stack's, and its dry
run must be a PUT to ``.../workspaces/<ws>/jobs/<name>?api-version=...`` whose compute,
environment, code and component ids are full ARM ids of the stack's workspace, or registry ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.entrypoint import plan_outputs
from jobs.context import StackContext, load_context
from jobs.refs import Overrides
from jobs.submit import API_VERSIONS, SubmitOptions
from tests.conftest import ROOT, shared_dir
from tests.jobs_support import copy_examples, dry_run_with_stand_ins

# The one place to change: where the dev stack's outputs come from (None: the offline plan of
# Pulumi.dev.yaml; or a file such as tests/fixtures/outputs-dev.json), and how the specs'
# computes and environments map to the stack's. The dev stack has `cpu-cluster` and the curated
# sklearn environment; the specs' GPU cluster and other curated environments are mapped.
STACK_OUTPUTS: Path | None = None
COMPUTES = {"gpu-cluster": "cpu-cluster"}
ENVIRONMENTS = {
    "AzureML-lightgbm-3.3": "train-cpu",
    "AzureML-acpt-pytorch-2.8-cuda12.6": "train-cpu",
    "AzureML-tensorflow-2.16-cuda12": "train-cpu",
}

JOB_KINDS = ("command", "sweep", "pipeline")
ID_KEYS = ("computeId", "environmentId", "codeId", "componentId")


def selected_specs() -> list[tuple[str, str]]:
    selection = shared_dir() / "conformance" / "azureml-examples" / "SELECTION.txt"
    rows = [line.split("|") for line in selection.read_text().splitlines()]
    return [(kind, path) for kind, _loader, path in (r for r in rows if len(r) == 3)]


SPECS = [(kind, path) for kind, path in selected_specs() if kind in JOB_KINDS]


@pytest.fixture(scope="module")
def examples(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_examples(shared, tmp_path_factory.mktemp("conformance"))


@pytest.fixture(scope="module")
def context() -> StackContext:
    return load_context(
        "dev", outputs_file=STACK_OUTPUTS, project_dir=ROOT, offline_plan=plan_outputs, env={}
    )


def ids(node: Any, at: str = "") -> Iterator[tuple[str, str]]:
    """Every (path, value) of an id field in a request body, pipeline steps and trials included."""
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{at}.{key}" if at else key
            if key in ID_KEYS or key == "default_compute":
                yield where, value
            else:
                yield from ids(value, where)


def test_the_corpus_has_every_job_kind() -> None:
    assert {kind for kind, _ in SPECS} == set(JOB_KINDS)
    assert len(SPECS) == 26


@pytest.mark.parametrize(("kind", "path"), SPECS, ids=[p for _, p in SPECS])
def test_each_job_spec_dry_runs_to_a_resolved_put(
    examples: Path, context: StackContext, kind: str, path: str
) -> None:
    options = SubmitOptions(overrides=Overrides(computes=COMPUTES, environments=ENVIRONMENTS))
    request, _ = dry_run_with_stand_ins(examples / path, context, options)
    body = request.body["properties"]
    job_type = {"command": "Command", "sweep": "Sweep", "pipeline": "Pipeline"}[kind]
    assert request.method == "PUT"
    assert body["jobType"] == job_type
    url = re.escape(f"https://management.azure.com{context.workspace_id}/jobs/")
    version = re.escape(API_VERSIONS[job_type])
    assert re.fullmatch(rf"{url}[a-z][a-z0-9-]*-[0-9a-f]{{12}}\?api-version={version}", request.url)

    found = dict(ids(body))
    workspace = context.workspace_id + "/"
    for where, value in found.items():
        assert value.startswith((workspace, "azureml://registries/")), f"{where}: {value}"
    runs_on = [v for k, v in found.items() if k.endswith(("computeId", "default_compute"))]
    assert runs_on, "the job must run on a stack compute"
    assert all(v.rsplit("/", 1)[-1] in context.workspace.computes for v in runs_on)
    if kind == "pipeline":
        steps = body["jobs"].values()
        assert all("componentId" in s or "componentId" in s.get("trial", {}) for s in steps)
    else:
        assert "environmentId" in (body["trial"] if kind == "sweep" else body)

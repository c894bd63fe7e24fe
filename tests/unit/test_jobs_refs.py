"""Spec references resolved against the stack: ids, defaults, overrides, clear errors."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.errors import JobSpecError
from jobs.refs import (
    ALL,
    Overrides,
    content_digest,
    default_compute,
    job_name,
    resolve_compute,
    resolve_datastore,
    resolve_environment,
    slug,
)
from tests.jobs_support import dev_context

CONTEXT = dev_context()
WS = CONTEXT.workspace_id
NONE = Overrides()
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=20)


@given(st.sampled_from(sorted(CONTEXT.workspace.computes)), st.booleans())
def test_every_stack_compute_resolves_to_its_arm_id(name: str, prefixed: bool) -> None:
    ref = f"azureml:{name}" if prefixed else name
    assert resolve_compute(ref, CONTEXT, NONE, where="job.yml: compute") == f"{WS}/computes/{name}"


@given(names.filter(lambda n: n not in CONTEXT.workspace.computes))
def test_an_unknown_compute_fails_naming_it_and_the_stack_computes(name: str) -> None:
    with pytest.raises(JobSpecError) as caught:
        resolve_compute(name, CONTEXT, NONE, where="job.yml: compute")
    message = str(caught.value)
    assert message.startswith(f"job.yml: compute: {name!r} is not a compute of stack 'dev'")
    assert (
        "its computes: cpu, dev-box, gpu, or 'serverless' (with resources.instance_type)" in message
    )
    assert message.endswith(
        f"to add {name!r} to the stack, list it under amlstack:workspaces (the one named 'main') "
        "computes.clusters (a cluster: name, vmSize) or computes.instances in Pulumi.dev.yaml and "
        "deploy"
    )


@pytest.mark.parametrize("ref", ["serverless", "azureml:serverless"])
def test_serverless_compute_is_valid_in_every_workspace(ref: str) -> None:
    assert resolve_compute(ref, CONTEXT, NONE, where="job.yml: compute") == "serverless"
    mapped = Overrides(computes={"*": "cpu"})
    assert resolve_compute(ref, CONTEXT, mapped, where="job.yml: compute") == f"{WS}/computes/cpu"


def test_misspelt_computes_and_environments_get_a_suggestion() -> None:
    with pytest.raises(
        JobSpecError, match="did you mean 'gpu'\\? its computes: cpu, dev-box, gpu,"
    ):
        resolve_compute("azureml:gpuu", CONTEXT, NONE, where="job.yml: compute")
    with pytest.raises(JobSpecError, match="did you mean 'train'\\? its environments"):
        resolve_environment("azureml:trian:1", CONTEXT, NONE, where="job.yml: environment")


def test_no_compute_means_the_first_cluster_and_an_arm_id_is_checked() -> None:
    assert default_compute(CONTEXT) == "cpu"
    assert resolve_compute(None, CONTEXT, NONE, where="compute") == f"{WS}/computes/cpu"
    assert resolve_compute(f"{WS}/computes/gpu", CONTEXT, NONE, where="c") == f"{WS}/computes/gpu"
    other = WS.replace("mlw-amlstack-dev-main", "elsewhere") + "/computes/gpu"
    with pytest.raises(JobSpecError, match="compute of another workspace"):
        resolve_compute(other, CONTEXT, NONE, where="c")
    binding = "${{parent.inputs.compute}}"
    assert resolve_compute(binding, CONTEXT, NONE, where="c") == binding


def test_overrides_map_one_compute_or_all() -> None:
    one = Overrides(computes={"cpu-cluster": "gpu"})
    assert resolve_compute("azureml:cpu-cluster", CONTEXT, one, where="c").endswith("/gpu")
    everything = Overrides(computes={ALL: "dev-box"})
    assert resolve_compute("gpu", CONTEXT, everything, where="c").endswith("/dev-box")
    assert resolve_compute(None, CONTEXT, everything, where="c").endswith("/dev-box")
    with pytest.raises(JobSpecError, match="'nope' is not a compute"):
        resolve_compute("cpu", CONTEXT, Overrides(computes={"cpu": "nope"}), where="c")


def test_a_stack_without_computes_leaves_the_job_serverless() -> None:
    empty = CONTEXT.outputs.model_copy(
        update={
            "workspaces": {"main": CONTEXT.workspace.model_copy(update={"computes": {}})},
        }
    )
    context = type(CONTEXT)("dev", "test", empty, "main")
    assert resolve_compute(None, context, NONE, where="compute") is None
    with pytest.raises(JobSpecError, match="it has no computes"):
        resolve_compute("cpu", context, NONE, where="compute")


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("azureml:train@latest", f"{WS}/environments/train/versions/3"),
        ("train", f"{WS}/environments/train/versions/3"),
        ("azureml:train:3", f"{WS}/environments/train/versions/3"),
        ("azureml:train:1", f"{WS}/environments/train/versions/1"),
        (
            "azureml:AzureML-sklearn-1.5@latest",
            "azureml://registries/azureml/environments/sklearn-1.5/versions/23",
        ),
        ("sklearn-1.5", "azureml://registries/azureml/environments/sklearn-1.5/versions/23"),
        ("azureml:AzureML-sklearn-1.5:9", "azureml:AzureML-sklearn-1.5:9"),
        ("azureml:AzureML-minimal-py@latest", "azureml:AzureML-minimal-py@latest"),
        (
            "azureml://registries/azureml/environments/sklearn-1.5/labels/latest",
            "azureml://registries/azureml/environments/sklearn-1.5/labels/latest",
        ),
    ],
)
def test_environments_resolve_to_the_stack_version(ref: str, expected: str) -> None:
    assert resolve_environment(ref, CONTEXT, NONE, where="environment") == expected


def test_an_unknown_environment_fails_listing_the_stack_environments() -> None:
    with pytest.raises(JobSpecError) as caught:
        resolve_environment("azureml:my-env:1", CONTEXT, NONE, where="job.yml: environment")
    message = str(caught.value)
    assert "job.yml: environment: 'my-env' is not an environment of stack 'dev'" in message
    assert "lightgbm-3.3, sklearn-1.5, tensorflow-2.16-cuda12, train" in message
    assert "azureml://registries/" in message


def test_environment_overrides() -> None:
    override = Overrides(environments={"my-env": "train"})
    expected = f"{WS}/environments/train/versions/3"
    assert resolve_environment("azureml:my-env:1", CONTEXT, override, where="e") == expected


def test_datastores_of_the_stack_and_of_every_workspace() -> None:
    assert resolve_datastore("azureml:training-data", CONTEXT, where="d") == (
        f"{WS}/datastores/training-data"
    )
    assert resolve_datastore("workspaceblobstore", CONTEXT, where="d") == (
        f"{WS}/datastores/workspaceblobstore"
    )
    with pytest.raises(JobSpecError, match=r"'lake' is not a datastore.*training-data"):
        resolve_datastore("lake", CONTEXT, where="d")


@given(st.text(max_size=80), st.text(alphabet="0123456789abcdef", min_size=64, max_size=64))
def test_job_names_are_valid_and_end_with_the_digest(experiment: str, digest: str) -> None:
    name = job_name(experiment, digest)
    assert re.fullmatch(r"[a-z][a-z0-9-]{0,39}-[0-9a-f]{12}", name), name
    assert name.endswith(digest[:12])
    assert "--" not in slug(experiment)


@given(st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=6))
def test_content_digest_ignores_key_order(document: dict[str, object]) -> None:
    reordered = dict(reversed(list(document.items())))
    assert content_digest(document) == content_digest(reordered)
    assert content_digest(document) != content_digest({"other": document})

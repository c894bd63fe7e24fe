"""Models: idempotent registration from run outputs, idempotent promotion, lineage listing."""

from __future__ import annotations

from pathlib import Path

import pytest
from azure.ai.ml.entities import Model
from hypothesis import given
from hypothesis import strategies as st

from jobs.errors import ModelError
from jobs.models import (
    SOURCE_TAG,
    list_models,
    model_path,
    next_version,
    promote_model,
    register_model,
)
from jobs.testing import FakeAzure, fake_ml_client
from tests.jobs_support import FakeModels, dev_context, rest_example

CONTEXT = dev_context()


def test_registering_the_same_run_output_twice_gives_one_version() -> None:
    models = FakeModels()
    first = register_model(models, CONTEXT, name="churn", job="train-1")
    again = register_model(models, CONTEXT, name="churn", job="train-1")
    assert (first.version, first.created) == ("1", True)
    assert (again.version, again.created) == ("1", False)
    assert models.created == 1
    registered = models.get("churn", "1")
    assert registered.path == "azureml://jobs/train-1/outputs/artifacts/paths/model"
    assert registered.type == "mlflow_model"
    assert registered.tags == {
        "amlstack.run": "train-1",
        "amlstack.source": "train-1/artifacts/model",
        "amlstack.stack": "dev",
    }


def test_another_run_or_path_is_a_new_version() -> None:
    models = FakeModels()
    register_model(models, CONTEXT, name="churn", job="train-1")
    second = register_model(models, CONTEXT, name="churn", job="train-2")
    custom = register_model(
        models,
        CONTEXT,
        name="churn",
        job="train-2",
        output="model_dir",
        path="",
        type="custom_model",
    )
    assert (second.version, custom.version) == ("2", "3")
    assert models.get("churn", "3").path == "azureml://jobs/train-2/outputs/model_dir"


def test_promoting_twice_copies_once() -> None:
    workspace, registry = FakeModels(), FakeModels()
    workspace.registry = registry
    register_model(workspace, CONTEXT, name="churn", job="train-1")
    first = promote_model(workspace, registry, CONTEXT, name="churn", version="1")
    again = promote_model(workspace, registry, CONTEXT, name="churn", version="1")
    assert (first.created, again.created) == (True, False)
    assert registry.created == 1
    assert registry.get("churn", "1").tags[SOURCE_TAG] == "train-1/artifacts/model"


def test_promotion_never_overwrites_another_model_version() -> None:
    workspace, registry = FakeModels(), FakeModels()
    workspace.registry = registry
    register_model(workspace, CONTEXT, name="churn", job="train-1")
    registry.create_or_update(
        Model(name="churn", version="1", path="x", tags={SOURCE_TAG: "other-run/artifacts/model"})
    )
    with pytest.raises(ModelError, match=r"already has churn:1 from other-run/artifacts/model"):
        promote_model(workspace, registry, CONTEXT, name="churn", version="1")
    with pytest.raises(ModelError, match="churn:7 is not in workspace"):
        promote_model(workspace, registry, CONTEXT, name="churn", version="7")


def test_listing_shows_lineage_in_version_order() -> None:
    models = FakeModels()
    for run in ("train-1", "train-2", "train-3", "train-4", "train-5", "train-6", "train-7"):
        register_model(models, CONTEXT, name="churn", job=run)
    for run in ("train-8", "train-9", "train-10"):
        register_model(models, CONTEXT, name="churn", job=run)
    listed = list_models(models, "churn")
    assert [m.version for m in listed] == [str(v) for v in range(1, 11)]
    assert (listed[-1].run, listed[-1].stack) == ("train-10", "dev")
    assert list_models(models, "unknown") == []


@given(st.lists(st.integers(min_value=1, max_value=10_000) | st.text(max_size=4), max_size=8))
def test_next_version_is_above_every_numeric_version(versions: list[int | str]) -> None:
    texts = [str(v) for v in versions]
    following = int(next_version(texts))
    assert all(following > int(v) for v in texts if v.isdigit())
    assert following >= 1


def test_model_paths() -> None:
    assert (
        model_path("j", "artifacts", "/model/") == "azureml://jobs/j/outputs/artifacts/paths/model"
    )
    assert model_path("j", "best", "") == "azureml://jobs/j/outputs/best"


def test_sdk_model_versions_parse_into_lineage(shared: Path) -> None:
    version = rest_example(shared, "Workspace/ModelVersion/createOrUpdate.json")
    version.update(
        id=f"{CONTEXT.workspace_id}/models/churn/versions/2",
        name="2",
        type="Microsoft.MachineLearningServices/workspaces/models/versions",
    )
    version["properties"]["tags"] = {"amlstack.run": "train-9", "amlstack.stack": "dev"}
    version["properties"]["modelUri"] = "azureml://jobs/train-9/outputs/artifacts/paths/model"
    azure = FakeAzure()
    azure.respond("GET", r"/models/churn/versions\?", {"value": [version]})
    [listed] = list_models(fake_ml_client(CONTEXT, azure).models, "churn")
    assert (listed.name, listed.version, listed.run, listed.stack) == (
        "churn",
        "2",
        "train-9",
        "dev",
    )
    assert listed.type == "CustomModel"  # as Azure spells it

"""Loading specs: azure-ai-ml's loaders, missing paths named, short schema errors, builders."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.errors import JobSpecError, MissingPathError
from jobs.specs import load_spec, local_references, parse_set
from tests.jobs_support import copy_examples

REGISTRY_ENV = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest"


@pytest.fixture(scope="module")
def examples(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_examples(shared, tmp_path_factory.mktemp("specs"))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_local_references_follow_components_and_trials(examples: Path) -> None:
    spec = examples / "cli/jobs/pipelines-with-components/pipeline_with_hyperparameter_sweep"
    found = {ref.where: ref.path.name for ref in local_references(spec / "pipeline.yml")}
    assert found["pipeline.yml: jobs.sweep_step.trial"] == "train.yml"
    assert found["pipeline.yml: jobs.sweep_step.trial (train.yml): code"] == "train-src"
    assert found["pipeline.yml: jobs.predict_step.component (predict.yml): code"] == "predict-src"


def test_a_missing_code_folder_is_named_before_the_loader_runs(examples: Path) -> None:
    spec = examples / "cli/jobs/basics/hello-code.yml"
    with pytest.raises(MissingPathError) as caught:
        load_spec(spec)
    assert str(caught.value) == (
        f"hello-code.yml: code: folder {str(spec.parent / 'src')!r} does not exist; "
        "expected a folder relative to the file that names it"
    )
    assert caught.value.path == str(spec.parent / "src")


def test_a_missing_component_file_is_named(tmp_path: Path) -> None:
    spec = write(
        tmp_path / "pipeline.yml",
        "type: pipeline\njobs:\n  train:\n    type: command\n    component: ./train.yml\n",
    )
    with pytest.raises(MissingPathError, match=r"jobs\.train\.component: file .*train\.yml"):
        load_spec(spec)


def test_schema_errors_are_short_field_messages(tmp_path: Path) -> None:
    spec = write(
        tmp_path / "job.yml",
        f"command: echo hi\nenvironment: {REGISTRY_ENV}\ndistribution:\n  type: horovod\n",
    )
    with pytest.raises(JobSpecError) as caught:
        load_spec(spec)
    message = str(caught.value)
    assert message.startswith(f"{spec}: invalid spec:\n  - ")
    assert "distribution" in message
    assert '"result"' not in message


def test_set_overrides_fields_like_az_ml(tmp_path: Path) -> None:
    spec = write(tmp_path / "job.yml", f"command: echo hi\nenvironment: {REGISTRY_ENV}\n")
    job = load_spec(spec, overrides=["resources.instance_count=4", "distribution.type=mpi"]).job
    assert job.resources.instance_count == 4
    assert job.distribution.type == "mpi"
    assert parse_set(["a.b=[1, 2]", "c="]) == [{"a.b": [1, 2]}, {"c": ""}]
    with pytest.raises(JobSpecError, match="expected key=value"):
        parse_set(["instance_count"])


def test_python_builders(tmp_path: Path) -> None:
    builder = write(
        tmp_path / "train.py",
        "from azure.ai.ml import command\n"
        f"job = command(command='echo hi', environment='{REGISTRY_ENV}')\n"
        "def build():\n    return job\n"
        "def broken():\n    raise RuntimeError('no data')\n"
        "def wrong():\n    return 42\n",
    )
    assert load_spec(f"{builder}:job").job.command == "echo hi"
    loaded = load_spec(f"{builder}:build")
    assert loaded.default_experiment == "train"
    with pytest.raises(JobSpecError, match=r"train.py:broken failed: RuntimeError: no data"):
        load_spec(f"{builder}:broken")
    with pytest.raises(JobSpecError, match="gave int; expected an azure-ai-ml job"):
        load_spec(f"{builder}:wrong")
    with pytest.raises(JobSpecError, match="has no 'missing'"):
        load_spec(f"{builder}:missing")


def test_missing_and_unparseable_specs(tmp_path: Path) -> None:
    with pytest.raises(MissingPathError, match="does not exist"):
        load_spec(tmp_path / "nope.yml")
    with pytest.raises(JobSpecError, match="not valid YAML"):
        load_spec(write(tmp_path / "bad.yml", "command: [unclosed\n"))


def test_file_prefixed_components_and_trials_are_local_files(tmp_path: Path) -> None:
    write(tmp_path / "components" / "train.yml", "type: command\ncode: ../src\n")
    spec = write(
        tmp_path / "pipeline.yml",
        "type: pipeline\njobs:\n"
        "  train: {type: command, component: 'file:./components/train.yml'}\n"
        "  tune: {type: sweep, trial: 'file:./components/train.yml'}\n",
    )
    found = {ref.where: (ref.path, ref.expects) for ref in local_references(spec)}
    component = tmp_path / "components" / "train.yml"
    assert found["pipeline.yml: jobs.train.component"] == (component, "file")
    assert found["pipeline.yml: jobs.tune.trial"] == (component, "file")
    code = found["pipeline.yml: jobs.train.component (train.yml): code"]
    assert code == (tmp_path / "components" / "../src", "code")


@pytest.mark.parametrize(
    ("kind", "make", "message"),
    [
        ("uri_file", "folder", r"'.*data' is a folder; a uri_file input expects one file"),
        ("uri_folder", "file", r"'.*data' is a file; a uri_folder input expects a folder"),
        ("mltable", "file", r"'.*data' is a file; a mltable input expects a folder"),
        ("mltable", "folder", r"folder '.*data' has no MLTable file"),
        ("uri_folder", None, r"inputs\.data\.path: folder '.*data' does not exist"),
        ("uri_file", None, r"inputs\.data\.path: file '.*data' does not exist"),
    ],
)
def test_local_inputs_must_be_what_their_type_says(
    tmp_path: Path, kind: str, make: str | None, message: str
) -> None:
    if make == "folder":
        (tmp_path / "data").mkdir()
        (tmp_path / "data" / "rows.csv").write_text("a\n")
    elif make == "file":
        (tmp_path / "data").write_text("a\n")
    spec = write(
        tmp_path / "job.yml",
        f"command: ls\nenvironment: {REGISTRY_ENV}\n"
        f"inputs:\n  data:\n    type: {kind}\n    path: ./data\n",
    )
    with pytest.raises(MissingPathError, match=message):
        load_spec(spec)


def test_an_mltable_folder_loads(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "MLTable").write_text("paths:\n  - file: ./rows.csv\n")
    spec = write(
        tmp_path / "job.yml",
        f"command: ls\nenvironment: {REGISTRY_ENV}\n"
        "inputs:\n  data:\n    type: mltable\n    path: ./data\n",
    )
    assert load_spec(spec).job.inputs["data"].type == "mltable"

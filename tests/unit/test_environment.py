"""Environments: the three kinds, content versions, references, and what registers under mocks."""

from __future__ import annotations

from hashlib import sha256
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.environment import (
    EnvironmentArgs,
    EnvironmentDefinition,
    define_environment,
    parse_curated,
)
from components.errors import ConfigError
from components.testing import Recording, record
from components.workspace import Workspace, WorkspaceArgs

IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest"
CONDA = """\
# training environment
name: train
channels: [conda-forge]
dependencies:
  - python=3.11
  - pip:
      - scikit-learn==1.5.2
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "envs" / "serving").mkdir(parents=True)
    (tmp_path / "envs" / "conda.yml").write_text(CONDA)
    (tmp_path / "envs" / "serving" / "Dockerfile").write_text("FROM python:3.11-slim\n")
    (tmp_path / "envs" / "serving" / "app" / "lib").mkdir(parents=True)
    (tmp_path / "envs" / "serving" / "app" / "lib" / "score.py").write_text("print('hi')\n")
    return tmp_path


def define(project: Path, **args: object) -> EnvironmentDefinition:
    return define_environment(
        EnvironmentArgs(name="env", **args),  # type: ignore[arg-type]
        base_dir=project,
        at="amlstack:workspaces[0].environments[0]",
    )


def test_the_kind_follows_from_what_is_given(project: Path) -> None:
    assert define(project, curated="AzureML-sklearn-1.5@latest").kind == "curated"
    assert define(project, image=IMAGE, conda_file="envs/conda.yml").kind == "system-managed"
    assert define(project, image=IMAGE).kind == "user-managed"
    assert define(project, build={"context": "envs/serving"}).kind == "user-managed"


@pytest.mark.parametrize(
    ("reference", "jobs_use", "version"),
    [
        (
            "azureml://registries/azureml/environments/sklearn-1.5/versions/53",
            "azureml://registries/azureml/environments/sklearn-1.5/versions/53",
            "53",
        ),
        (
            "azureml://registries/azureml/environments/sklearn-1.5/labels/latest",
            "azureml://registries/azureml/environments/sklearn-1.5/labels/latest",
            "latest",
        ),
        ("AzureML-sklearn-1.5@latest", "azureml:AzureML-sklearn-1.5@latest", "latest"),
        ("azureml:AzureML-lightgbm-3.3@latest", "azureml:AzureML-lightgbm-3.3@latest", "latest"),
        (
            "AzureML-sklearn-1.0-ubuntu20.04-py38-cpu:33",
            "azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu:33",
            "33",
        ),
    ],
)
def test_curated_references_are_validated_and_exported_as_jobs_use_them(
    reference: str, jobs_use: str, version: str
) -> None:
    assert parse_curated(reference) == (jobs_use, version)


@pytest.mark.parametrize(
    "reference",
    [
        "azureml://registries/my-team/environments/sklearn/versions/1",  # not Microsoft's
        "sklearn-1.5@latest",
        "AzureML-sklearn-1.5",
        "azureml://registries/azureml/environments/sklearn-1.5",
    ],
)
def test_other_references_are_refused(reference: str) -> None:
    with pytest.raises(ConfigError, match=r"EnvironmentArgs\.curated") as caught:
        EnvironmentArgs(name="env", curated=reference)
    assert "azureml://registries/azureml/environments/<name>/versions/<version>" in str(
        caught.value
    )


def test_conda_content_is_normalized_so_comments_make_no_new_version(project: Path) -> None:
    first = define(project, image=IMAGE, conda_file="envs/conda.yml")
    assert yaml.safe_load(first.conda or "") == yaml.safe_load(CONDA)
    (project / "envs" / "conda.yml").write_text("# reworded comment\n" + CONDA)
    assert define(project, image=IMAGE, conda_file="envs/conda.yml").version == first.version
    (project / "envs" / "conda.yml").write_text(CONDA.replace("1.5.2", "1.6.0"))
    assert define(project, image=IMAGE, conda_file="envs/conda.yml").version != first.version


def test_every_defining_input_changes_the_version(project: Path) -> None:
    base = {"image": IMAGE, "conda_file": "envs/conda.yml"}
    versions = {
        define(project, **base).version,
        define(project, **{**base, "image": IMAGE.replace("latest", "20250101")}).version,
        define(project, **{**base, "description": "v2"}).version,
        define(project, **{**base, "os_type": "Windows"}).version,
        define(project, image=IMAGE).version,
    }
    assert len(versions) == 5
    assert define(project, **base).version == define(project, **base).version


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
@given(content=st.binary(max_size=200), other=st.binary(max_size=200))
def test_build_context_versions_follow_file_contents(
    project: Path, content: bytes, other: bytes
) -> None:
    library = project / "envs" / "serving" / "app" / "lib" / "score.py"
    library.write_bytes(content)
    first = define(project, build={"context": "envs/serving"})
    assert dict(first.build_files)["app/lib/score.py"] == content
    library.write_bytes(other)
    second = define(project, build={"context": "envs/serving"})
    assert (first.version == second.version) == (content == other)


@pytest.mark.parametrize(
    ("args", "key", "allowed"),
    [
        ({"image": IMAGE, "conda_file": "envs/missing.yml"}, "condaFile", "file not found"),
        ({"image": IMAGE, "conda_file": "envs/serving/Dockerfile"}, "condaFile", "expected"),
        ({"build": {"context": "envs/none"}}, "build.context", "expected a folder"),
        (
            {"build": {"context": "envs/serving", "dockerfile": "Dockerfile.gpu"}},
            "build.dockerfile",
            "expected a file in envs/serving",
        ),
    ],
)
def test_missing_or_invalid_files_name_the_key(
    project: Path, args: dict[str, object], key: str, allowed: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        define(project, **args)
    [problem] = caught.value.problems
    assert problem.field == f"amlstack:workspaces[0].environments[0].{key}"
    assert allowed in str(problem)


def test_a_build_context_is_small(project: Path) -> None:
    (project / "envs" / "serving" / "model.bin").write_bytes(b"\0" * (1024 * 1024 + 1))
    with pytest.raises(ConfigError, match="keep data and models out of a build context"):
        define(project, build={"context": "envs/serving"})


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Recording, dict[str, str]]:
    root = tmp_path_factory.mktemp("project")
    (root / "serving").mkdir()
    (root / "serving" / "Dockerfile").write_text("FROM python:3.11-slim\n")
    (root / "conda.yml").write_text(CONDA)
    definitions = [
        define_environment(EnvironmentArgs(**args), base_dir=root, at="env")  # type: ignore[arg-type]
        for args in (
            {"name": "sklearn", "curated": "AzureML-sklearn-1.5@latest"},
            {"name": "train", "image": IMAGE, "conda_file": "conda.yml"},
            {"name": "serving", "build": {"context": "serving"}, "description": "scoring"},
        )
    ]
    versions = {d.name: d.version for d in definitions}

    def program() -> None:
        workspace = Workspace(
            "main", WorkspaceArgs(name="main"), resource_group_name="rg", location="westeurope"
        )
        for definition in definitions:
            workspace.add_environment(definition)

    return record(program, stack="dev"), versions


def test_a_curated_environment_registers_nothing(
    registered: tuple[Recording, dict[str, str]],
) -> None:
    recording, _ = registered
    component = recording.named("main-sklearn")
    assert component.type == "amlstack:ml:Environment"
    assert not [r for r in recording.resources if r.parent == component.urn]


def test_system_managed_registers_image_and_conda_under_its_content_version(
    registered: tuple[Recording, dict[str, str]],
) -> None:
    recording, versions = registered
    version = recording.named("main-train-version")
    assert version.inputs["version"] == versions["train"]
    assert version.inputs["name"] == "train"
    assert version.inputs["properties"]["image"] == IMAGE
    assert yaml.safe_load(version.inputs["properties"]["condaFile"]) == yaml.safe_load(CONDA)
    container = recording.named("main-train-container")
    assert container.urn in version.dependencies


def test_build_context_is_uploaded_to_the_workspace_blob_store_before_registration(
    registered: tuple[Recording, dict[str, str]],
) -> None:
    recording, versions = registered
    upload = recording.named("main-serving-build-context")
    version = recording.named("main-serving-version")
    workspace = recording.one("azure-native:machinelearningservices:Workspace").outputs
    storage = recording.one("azure-native:storage:StorageAccount").outputs
    container = f"azureml-blobstore-{workspace['workspaceId']}"
    prefix = f"amlstack/environments/serving/{versions['serving']}"
    assert upload.inputs["container"] == container
    assert upload.inputs["prefix"] == prefix
    assert upload.inputs["source"] == "serving"
    assert upload.inputs["files"]["Dockerfile"] == sha256(b"FROM python:3.11-slim\n").hexdigest()
    assert version.inputs["properties"]["build"] == {
        "contextUri": f"{storage['primaryEndpoints']['blob']}{container}/{prefix}/",
        "dockerfilePath": "Dockerfile",
    }
    assert upload.urn in version.dependencies
    assert "image" not in version.inputs["properties"]

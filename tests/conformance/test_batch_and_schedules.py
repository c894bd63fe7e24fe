"""Every batch endpoint, batch deployment and schedule spec of the corpus, written as stack config.

Each spec (``azureml-examples/SELECTION.txt``) is loaded with azure-ai-ml's own loader from a
temporary copy (with stand-ins for the code folders, conda files, models and pipeline components
the corpus leaves out), translated to stack config the way a user would write it, planned with
the real program, and the inputs Azure would receive are compared with the REST body azure-ai-ml
builds from the spec (``_to_rest_batch_endpoint`` / ``_to_rest_object``).

Batch deployments are loaded as ``az ml batch-deployment create`` loads them, by their ``type:``
(`load_model_batch_deployment`, `load_pipeline_component_batch_deployment`): the generic
`load_batch_deployment` of SELECTION.txt refuses the ``settings:`` block every one of them has.

Where azure-ai-ml registers or looks up an asset before it sends the body, the config names the
asset it would send: a model or component label (``@latest``) or local model folder becomes the
pinned version ``1``, an inline environment becomes an environment of the stack config with the
same image and conda file (named after its endpoint, since several specs reuse one name with other
files), a pipeline deployment made from a job (``job_definition``) names the component azure-ai-ml
would make of it. Local code is uploaded by the stack as a code asset named after the deployment.
"""

from __future__ import annotations

import runpy
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from azure.ai.ml import load_batch_endpoint
from azure.ai.ml.constants import TimeZone
from azure.ai.ml.entities import (
    BatchEndpoint,
    Environment,
    Model,
    ModelBatchDeployment,
    PipelineComponentBatchDeployment,
)
from azure.ai.ml.entities._load_functions import (
    load_model_batch_deployment,
    load_pipeline_component_batch_deployment,
    load_schedule,
)

from components.testing import Recording, RecordingMocks, record
from components.time_zones import AZURE_TIME_ZONES
from tests.conftest import ROOT

SUBSCRIPTION = "00000000-1111-2222-3333-444444444444"
KINDS = ("batch-endpoint", "model-batch-deployment", "pipeline-component-batch-deployment")
CLUSTERS = ("batch-cluster", "batch-cluster-lp", "gpu-cluster", "cpu-cluster")
CONDA = "name: batch\nchannels: [conda-forge]\ndependencies:\n  - python=3.10\n  - pip\n"
PIPELINE_COMPONENT = """\
$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponent.schema.json
type: pipeline
name: {name}
version: "1"
inputs:
  input_data: {{type: uri_folder}}
jobs:
  score:
    type: command
    component:
      command: echo ${{{{inputs.data}}}}
      environment: azureml://registries/azureml/environments/sklearn-1.5/versions/54
      inputs:
        data: {{type: uri_folder}}
    inputs:
      data: ${{{{parent.inputs.input_data}}}}
"""


def selection(shared: Path, *kinds: str) -> list[str]:
    lines = (shared / "conformance/azureml-examples/SELECTION.txt").read_text().splitlines()
    return [line.split("|")[2] for line in lines if line.split("|")[0] in kinds]


def stand_ins(spec: Path) -> None:
    """The folders and files a deployment spec names that the corpus leaves out."""
    document = yaml.safe_load(spec.read_text())
    code = document.get("code_configuration")
    if code:
        folder = spec.parent / code["code"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / code["scoring_script"]).write_text("def init(): ...\ndef run(batch): ...\n")
    environment = document.get("environment")
    if isinstance(environment, dict) and environment.get("conda_file"):
        conda = spec.parent / environment["conda_file"]
        conda.parent.mkdir(parents=True, exist_ok=True)
        conda.write_text(CONDA)
    model = document.get("model")
    if isinstance(model, dict) and model.get("path"):
        (spec.parent / model["path"]).mkdir(parents=True, exist_ok=True)
        (spec.parent / model["path"] / "model.pkl").write_text("stand-in")
    if document.get("component") == "pipeline.yml":
        name = spec.parent.name.replace("-", "_")
        (spec.parent / "pipeline.yml").write_text(PIPELINE_COMPONENT.format(name=name))


@pytest.fixture(scope="module")
def corpus(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("batch-corpus")
    shutil.copytree(shared / "conformance/azureml-examples/cli", root / "cli")
    for path in selection(shared, *KINDS[1:]):
        stand_ins(root / path)
    return root


@pytest.fixture(scope="module")
def specs(shared: Path, corpus: Path) -> dict[str, Any]:
    """Every selected spec loaded by azure-ai-ml, by its path."""
    loaded: dict[str, Any] = {}
    for path in selection(shared, "batch-endpoint"):
        loaded[path] = load_batch_endpoint(corpus / path)
    for path in selection(shared, "model-batch-deployment"):
        loaded[path] = load_model_batch_deployment(corpus / path)
    for path in selection(shared, "pipeline-component-batch-deployment"):
        loaded[path] = load_pipeline_component_batch_deployment(corpus / path)
    for path in selection(shared, "schedule"):
        loaded[path] = load_schedule(corpus / path)
    return loaded


def layout(shared: Path) -> dict[str, tuple[str, str | None]]:
    """Endpoint key -> (endpoint spec, deployment spec): one endpoint per deployment spec (specs
    reuse names across examples), and each endpoint spec once without deployments."""
    endpoints = selection(shared, "batch-endpoint")
    deployments = selection(shared, *KINDS[1:])
    result: dict[str, tuple[str, str | None]] = {
        f"e{index}": (path, None) for index, path in enumerate(endpoints)
    }
    for index, deployment in enumerate(deployments):
        folder = Path(deployment).parent
        owner = next(e for e in endpoints if Path(e).parent in (folder, folder.parent))
        result[f"d{index}"] = (owner, deployment)
    return result


def pinned(reference: str) -> str:
    """``azureml:name@latest`` -> ``azureml:name:1``: config pins what azure-ai-ml looks up."""
    name = reference.removeprefix("azureml:").split("@")[0].split(":")[0]
    return f"azureml:{name}:1"


def endpoint_config(key: str, endpoint: BatchEndpoint) -> dict[str, Any]:
    config: dict[str, Any] = {
        "name": key,
        "endpointName": f"{endpoint.name[:26]}-{key}",
        "authMode": {"aad_token": "AADToken"}[endpoint.auth_mode],
        "tags": {k: str(v) for k, v in (endpoint.tags or {}).items()},
    }
    if endpoint.description:
        config["description"] = endpoint.description
    return config


def model_deployment_config(
    key: str, spec: Path, deployment: ModelBatchDeployment, root: Path
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The deployment's stack config, and the stack environment its inline environment becomes."""
    model = deployment.model
    settings = deployment.settings
    config: dict[str, Any] = {
        "name": deployment.name,
        "model": f"azureml:{model.name}:1" if isinstance(model, Model) else pinned(str(model)),
        "compute": deployment.compute,
        "instanceCount": deployment.resources.instance_count,
        "maxConcurrencyPerInstance": settings.max_concurrency_per_instance,
        "miniBatchSize": settings.mini_batch_size,
        "outputAction": settings.output_action,
        "environmentVariables": dict(settings.environment_variables or {}),
        "tags": {k: str(v) for k, v in (deployment.tags or {}).items()},
        "description": deployment.description or "",
    }
    for field, value in (
        ("outputFileName", settings.output_file_name),
        ("errorThreshold", settings.error_threshold),
        ("loggingLevel", settings.logging_level),
    ):
        if value is not None:
            config[field] = value
    retry = settings.retry_settings
    if retry is not None:
        config["retrySettings"] = {"maxRetries": retry.max_retries, "timeout": retry.timeout}
    environment = None
    if isinstance(deployment.environment, Environment):
        env = deployment.environment
        conda = yaml.safe_load(spec.read_text())["environment"]["conda_file"]
        environment = {
            "name": f"{key}-{env.name}",
            "image": env.image,
            "condaFile": (spec.parent / conda).resolve().relative_to(root).as_posix(),
        }
        code = deployment.code_configuration
        config["environment"] = environment["name"]
        config["code"] = {
            "path": (spec.parent / str(code.code)).resolve().relative_to(root).as_posix(),
            "scoringScript": code.scoring_script,
        }
    return config, environment


def pipeline_deployment_config(deployment: PipelineComponentBatchDeployment) -> dict[str, Any]:
    component = deployment.component
    if component is None:  # made from a job: azure-ai-ml registers a component of it
        reference = f"azureml:{deployment.job_definition}:1"
    elif isinstance(component, str):
        reference = pinned(component)
    else:
        reference = f"azureml:{component.name}:{component.version}"
    settings = dict(deployment.settings or {})
    config: dict[str, Any] = {
        "name": deployment.name,
        "type": "pipeline",
        "component": reference,
        "settings": {
            key: value
            for key, value in {
                "defaultCompute": settings.get("default_compute"),
                "continueOnStepFailure": settings.get("continue_on_step_failure"),
            }.items()
            if value is not None
        },
    }
    if deployment.description:
        config["description"] = deployment.description
    return config


def schedule_config(spec: Path, root: Path) -> dict[str, Any]:
    """A schedule spec as stack config: its job file, and what ``create_job`` overrides in it."""
    document = yaml.safe_load(spec.read_text())
    create = document["create_job"]
    job, overrides = (create, {}) if isinstance(create, str) else (create["job"], create)
    sets = [
        f"{group}.{key}={yaml.safe_dump(value).strip().removesuffix('...').strip()}"
        for group in ("settings", "inputs", "tags")
        for key, value in (overrides.get(group) or {}).items()
    ]
    trigger = {
        k if k != "time_zone" else "timeZone": v
        for k, v in document["trigger"].items()
        if k not in ("start_time", "schedule")
    }
    trigger["startTime"] = document["trigger"]["start_time"]
    if "schedule" in document["trigger"]:
        trigger["schedule"] = document["trigger"]["schedule"]
    return {
        "name": document["name"],
        "job": (spec.parent / job).resolve().relative_to(root).as_posix(),
        "displayName": document["display_name"],
        "description": document["description"],
        "trigger": trigger,
        "overrides": sets,
    }


@pytest.fixture(scope="module")
def planned(shared: Path, specs: dict[str, Any], corpus: Path) -> Recording:
    endpoints, environments = [], []
    for key, (endpoint_spec, deployment_spec) in layout(shared).items():
        config = endpoint_config(key, specs[endpoint_spec])
        if deployment_spec is not None:
            deployment = specs[deployment_spec]
            if isinstance(deployment, ModelBatchDeployment):
                entry, environment = model_deployment_config(
                    key, corpus / deployment_spec, deployment, corpus
                )
                environments += [environment] if environment else []
            else:
                entry = pipeline_deployment_config(deployment)
            config["deployments"] = [entry]
        endpoints.append(config)
    schedules = [schedule_config(corpus / p, corpus) for p in selection(shared, "schedule")]
    workspace = {
        "name": "main",
        "computes": {"clusters": [{"name": name} for name in CLUSTERS]},
        "environments": environments,
        "batchEndpoints": endpoints,
        "schedules": schedules,
    }
    return record(
        lambda: runpy.run_path(str(ROOT / "infra"), run_name="__main__"),
        project="amlstack",
        stack="conformance",
        config={
            "amlstack:location": "westeurope",
            "amlstack:tier": "dev",
            "amlstack:workspaces": [workspace],
        },
        mocks=RecordingMocks(subscription_id=SUBSCRIPTION),
        root_directory=str(corpus),
    )


def workspace_id(recording: Recording) -> str:
    return str(recording.one("azure-native:machinelearningservices:Workspace").outputs["id"])


def deployments(shared: Path) -> Iterator[tuple[str, str]]:
    for key, (_, spec) in layout(shared).items():
        if spec is not None:
            yield key, spec


def test_every_selected_spec_is_planned(shared: Path, planned: Recording) -> None:
    covered = {e for e, _ in layout(shared).values()} | {d for _, d in layout(shared).values()}
    assert set(selection(shared, *KINDS)) <= covered
    kinds = [r.type for r in planned.resources]
    ml = "azure-native:machinelearningservices"
    assert kinds.count(f"{ml}:BatchEndpoint") == len(layout(shared))
    assert kinds.count(f"{ml}:BatchDeployment") == len(list(deployments(shared)))
    assert kinds.count(f"{ml}:Schedule") == len(selection(shared, "schedule")) == 3


def test_endpoints_have_the_specs_auth_description_and_tags(
    shared: Path, specs: dict[str, Any], planned: Recording
) -> None:
    for key, (spec, _) in layout(shared).items():
        sdk = specs[spec]._to_rest_batch_endpoint("westeurope").as_dict()
        ours = planned.named(f"main-{key}-endpoint").inputs
        # azure-ai-ml sends the camelCase "aadToken"; Azure's enum (and ours) is "AADToken".
        assert ours["properties"]["authMode"].lower() == sdk["properties"]["authMode"].lower()
        assert ours["properties"].get("description") == sdk["properties"].get("description")
        assert sdk["tags"].items() <= ours["tags"].items(), spec


def test_model_deployments_send_what_azure_ai_ml_sends(
    shared: Path, specs: dict[str, Any], planned: Recording
) -> None:
    ws = workspace_id(planned)
    for key, spec in deployments(shared):
        entity = specs[spec]
        if not isinstance(entity, ModelBatchDeployment):
            continue
        sdk = entity._to_rest_object("westeurope").as_dict()
        theirs = sdk["properties"]
        resource = planned.named(f"main-{key}-{entity.name}")
        mine = resource.inputs["properties"]
        for field in ("miniBatchSize", "maxConcurrencyPerInstance", "outputAction", "description"):
            assert mine.get(field) == theirs.get(field), (spec, field)
        assert mine.get("environmentVariables", {}) == theirs.get("environmentVariables", {})
        # azure-ai-ml adds an empty "properties" to the resource configuration.
        assert mine["resources"] == {"instanceCount": theirs["resources"]["instanceCount"]}
        for field in ("outputFileName", "errorThreshold", "retrySettings"):
            if field in theirs:
                assert mine[field] == theirs[field], (spec, field)
        if "loggingLevel" in theirs:
            assert mine["loggingLevel"].lower() == theirs["loggingLevel"].lower(), spec
        # Azure keeps tags as strings; azure-ai-ml sends a YAML number (device_batching: 16).
        tags = {k: str(v) for k, v in sdk["tags"].items()}
        assert tags.items() <= resource.inputs["tags"].items(), spec
        # The ids the operations layer would send: the cluster's and the model's ARM ids.
        assert mine["compute"] == f"{ws}/computes/{entity.compute}", spec
        model = entity.model.name if isinstance(entity.model, Model) else str(entity.model)
        name = model.removeprefix("azureml:").split("@")[0]
        assert mine["model"] == {
            "assetId": f"{ws}/models/{name}/versions/1",
            "referenceType": "Id",
        }, spec
        if theirs.get("codeConfiguration"):
            code = mine["codeConfiguration"]
            assert code["scoringScript"] == theirs["codeConfiguration"]["scoringScript"], spec
            assert f"/codes/main-batch-{key}-{entity.name}/versions/" in code["codeId"], spec
        else:
            assert "codeConfiguration" not in mine, spec  # an MLflow model
            assert "environmentId" not in mine, spec


def test_inline_environments_become_stack_environments_with_the_same_image_and_conda(
    shared: Path, specs: dict[str, Any], planned: Recording
) -> None:
    checked = 0
    for key, spec in deployments(shared):
        entity = specs[spec]
        if not isinstance(entity, ModelBatchDeployment) or entity.environment is None:
            continue
        env = entity.environment
        version = planned.named(f"main-{key}-{env.name}-version")
        deployment = planned.named(f"main-{key}-{entity.name}").inputs["properties"]
        assert deployment["environmentId"] == version.outputs["id"], spec
        assert version.inputs["properties"]["image"] == env.image, spec
        conda = yaml.safe_load(version.inputs["properties"]["condaFile"])
        assert conda == yaml.safe_load(env._translated_conda_file), spec
        checked += 1
    assert checked == 8


def test_pipeline_deployments_run_the_component_with_the_specs_settings(
    shared: Path, specs: dict[str, Any], planned: Recording
) -> None:
    ws = workspace_id(planned)
    checked = 0
    for key, spec in deployments(shared):
        entity = specs[spec]
        if not isinstance(entity, PipelineComponentBatchDeployment):
            continue
        theirs = entity._to_rest_object("westeurope").as_dict()["properties"]
        mine = planned.named(f"main-{key}-{entity.name}").inputs["properties"]
        assert mine.get("description") == theirs.get("description"), spec
        sent = theirs["deploymentConfiguration"]
        ours = mine["deploymentConfiguration"]
        assert ours["deploymentConfigurationType"] == sent["deploymentConfigurationType"]
        # Azure keeps settings as strings; azure-ai-ml sends the YAML's booleans as JSON ones.
        assert ours["settings"] == {
            k: str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in sent["settings"].items()
        }, spec
        component = pipeline_deployment_config(entity)["component"].removeprefix("azureml:")
        name, version = component.split(":")
        assert ours["componentId"] == {
            "assetId": f"{ws}/components/{name}/versions/{version}",
            "referenceType": "Id",
        }, spec
        checked += 1
    assert checked == 5


def test_schedules_trigger_the_specs_job_as_azure_ai_ml_sends_it(
    shared: Path, specs: dict[str, Any], planned: Recording
) -> None:
    ws = workspace_id(planned)
    for path in selection(shared, "schedule"):
        sdk = specs[path]._to_rest_object().as_dict()["properties"]
        ours = planned.named(f"main-{specs[path].name}-schedule").inputs["properties"]
        assert ours["displayName"] == sdk["displayName"]
        assert ours["description"] == sdk["description"]
        theirs, mine = sdk["trigger"], ours["trigger"]
        assert mine["triggerType"] == theirs["triggerType"], path
        assert mine["timeZone"] == theirs["timeZone"] == "Pacific Standard Time"
        assert datetime.fromisoformat(mine["startTime"]) == datetime.fromisoformat(
            theirs["startTime"]
        )
        for field in ("expression", "interval", "schedule"):
            assert mine.get(field) == theirs.get(field), (path, field)
        assert mine.get("frequency", "").lower() == theirs.get("frequency", "").lower()
        assert ours["action"]["actionType"] == sdk["action"]["actionType"] == "CreateJob"
        job, sent = ours["action"]["jobDefinition"], sdk["action"]["jobDefinition"]
        for field in ("jobType", "displayName", "inputs", "outputs", "isArchived"):
            assert job[field] == sent[field], (path, field)
        assert sent["settings"].items() <= job["settings"].items(), path
        assert sent["tags"].items() <= job["tags"].items(), path
        assert job["computeId"] == f"{ws}/computes/{sent['computeId']}", path
        assert job["jobs"].keys() == sent["jobs"].keys()
        for step, theirs_step in sent["jobs"].items():
            component_id = job["jobs"][step]["componentId"]
            [registered] = [
                r
                for r in planned.of_type("azure-native:machinelearningservices:ComponentVersion")
                if component_id == r.outputs["id"]
            ]
            spec = registered.inputs["properties"]["componentSpec"]
            inline = yaml.safe_load(theirs_step["componentId"])  # azure-ai-ml's, unregistered
            for field in ("command", "environment", "inputs", "outputs", "type"):
                assert spec.get(field) == inline.get(field), (path, step, field)
            assert job["jobs"][step].get("inputs") == theirs_step.get("inputs"), (path, step)


def test_the_time_zones_schedules_accept_are_azure_ai_mls() -> None:
    assert {zone.value for zone in TimeZone} == AZURE_TIME_ZONES

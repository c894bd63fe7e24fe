"""Every online endpoint and deployment spec of the corpus, written as this project's stack config.

Each spec (``azureml-examples/SELECTION.txt``) is loaded with azure-ai-ml's own loader from a
temporary copy (with stand-ins for the model and code folders the corpus leaves out), translated
to stack config by `endpoint_config` / `deployment_config`, planned with the real program, and
the inputs Azure would receive are compared with the REST body azure-ai-ml builds from the spec.

Assets are references here: where a spec points at a local model folder or an inline
environment, azure-ai-ml registers them (an anonymous model ``<hash>:1``, an anonymous environment
``CliV2AnonymousEnvironment:<hash>``) and sends those ids; the config names the same ids. Local
code is uploaded by the stack as a code asset named after the deployment.
"""

from __future__ import annotations

import runpy
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from azure.ai.ml import load_online_deployment, load_online_endpoint
from azure.ai.ml.constants._common import AZUREML_RESOURCE_PROVIDER, VERSIONED_RESOURCE_ID_FORMAT
from azure.ai.ml.entities import Environment, ManagedOnlineDeployment, ManagedOnlineEndpoint, Model

from components.testing import Recording, RecordingMocks, record
from tests.conftest import ROOT

SUBSCRIPTION = "00000000-1111-2222-3333-444444444444"
AUTH_MODES = {"key": "Key", "aml_token": "AMLToken", "aad_token": "AADToken"}
STAND_INS = {
    "endpoints/online/model-1/model/model.pkl": "stand-in",
    "endpoints/online/model-2/model/model.pkl": "stand-in",
    "endpoints/online/model-1/onlinescoring/score.py": "def init(): ...\ndef run(raw): ...\n",
    "endpoints/online/model-2/onlinescoring/score.py": "def init(): ...\ndef run(raw): ...\n",
}
# blue-deployment.yml with every deployment setting the selected specs leave unset.
FULL = "cli/endpoints/online/managed/sample/blue-deployment-full.yml"
FULL_SETTINGS = {
    "request_settings": {
        "request_timeout_ms": 1500,
        "max_concurrent_requests_per_instance": 4,
        "max_queue_wait_ms": 800,
    },
    "liveness_probe": {"initial_delay": 90, "period": 15, "timeout": 3, "failure_threshold": 5},
    "readiness_probe": {"initial_delay": 10, "success_threshold": 2},
    "app_insights_enabled": True,
    "environment_variables": {"LOG_LEVEL": "info"},
    "instance_count": 3,
}


def selection(shared: Path, kind: str) -> list[str]:
    lines = (shared / "conformance/azureml-examples/SELECTION.txt").read_text().splitlines()
    return [line.split("|")[2] for line in lines if line.startswith(f"{kind}|")]


@pytest.fixture(scope="module")
def corpus(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the corpus' ``cli`` folder with the stand-ins its specs need, as project root."""
    root = tmp_path_factory.mktemp("corpus")
    shutil.copytree(shared / "conformance/azureml-examples/cli", root / "cli")
    for name, text in STAND_INS.items():
        path = root / "cli" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    full = root / FULL
    spec = yaml.safe_load((full.parent / "blue-deployment.yml").read_text())
    full.write_text(yaml.safe_dump({**spec, **FULL_SETTINGS}))
    return root


def endpoint_config(key: str, endpoint: ManagedOnlineEndpoint) -> dict[str, Any]:
    """The stack config of an endpoint spec (its deployments are added separately)."""
    identity = endpoint.identity.type if endpoint.identity else "system_assigned"
    return {
        "name": key,
        "endpointName": endpoint.name,
        "authMode": AUTH_MODES[endpoint.auth_mode],
        "identity": {"system_assigned": "SystemAssigned"}[identity],
        "deployments": [],
    }


def reference(asset: str | Model | Environment) -> str:
    """azure-ai-ml's asset as a reference: a registry URI as is, anything else by name:version."""
    if isinstance(asset, str):
        return asset if asset.startswith("azureml://") else f"azureml:{asset}"
    return f"azureml:{asset.name}:{asset.version}"


def deployment_config(
    spec: Path, deployment: ManagedOnlineDeployment, root: Path
) -> dict[str, Any]:
    """The stack config of a deployment spec; code paths relative to the project root."""
    code = deployment.code_configuration
    assert code is not None
    assert isinstance(code.code, str)
    config: dict[str, Any] = {
        "name": deployment.name,
        "model": reference(deployment.model),
        "environment": reference(deployment.environment),
        "code": {
            "path": (spec.parent / code.code).resolve().relative_to(root).as_posix(),
            "scoringScript": code.scoring_script,
        },
        "instanceType": deployment.instance_type,
        "instanceCount": deployment.instance_count,
        "appInsightsEnabled": bool(deployment.app_insights_enabled),
        "environmentVariables": dict(deployment.environment_variables or {}),
    }
    if deployment.request_settings is not None:
        settings = deployment.request_settings
        config["requestSettings"] = _present(
            requestTimeoutMs=settings.request_timeout_ms,
            maxConcurrentRequestsPerInstance=settings.max_concurrent_requests_per_instance,
            maxQueueWaitMs=settings.max_queue_wait_ms,
        )
    for key, probe in (
        ("livenessProbe", deployment.liveness_probe),
        ("readinessProbe", deployment.readiness_probe),
    ):
        if probe is not None:
            config[key] = _present(
                initialDelay=probe.initial_delay,
                period=probe.period,
                timeout=probe.timeout,
                failureThreshold=probe.failure_threshold,
                successThreshold=probe.success_threshold,
            )
    return config


def _present(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


@pytest.fixture(scope="module")
def specs(shared: Path, corpus: Path) -> dict[str, Any]:
    """Every selected spec loaded by azure-ai-ml, by its path."""
    loaded: dict[str, Any] = {}
    for path in selection(shared, "online_endpoint"):
        loaded[path] = load_online_endpoint(corpus / path)
    for path in [*selection(shared, "online_deployment"), FULL]:
        loaded[path] = load_online_deployment(corpus / path)
    return loaded


@pytest.fixture(scope="module")
def layout(shared: Path) -> dict[str, tuple[str, list[str]]]:
    """Endpoint key -> (endpoint spec, deployment specs): one endpoint per deployment spec."""
    endpoint, sai = selection(shared, "online_endpoint")
    deployments = [*selection(shared, "online_deployment"), FULL]
    sample = [d for d in deployments if Path(d).stem in ("blue-deployment", "green-deployment")]
    others = [d for d in deployments if d not in sample]
    result = {"sample": (endpoint, sample), "sai": (sai, [])}
    result.update({f"e{index}": (endpoint, [d]) for index, d in enumerate(others)})
    return result


@pytest.fixture(scope="module")
def planned(
    specs: dict[str, Any], layout: dict[str, tuple[str, list[str]]], corpus: Path
) -> Recording:
    endpoints = []
    for key, (endpoint_spec, deployment_specs) in layout.items():
        config = endpoint_config(key, specs[endpoint_spec])
        config["endpointName"] = f"{specs[endpoint_spec].name}-{key}"
        config["deployments"] = [
            deployment_config(corpus / d, specs[d], corpus) for d in deployment_specs
        ]
        if deployment_specs:
            config["traffic"] = {config["deployments"][0]["name"]: 100}
        endpoints.append(config)
    return record(
        lambda: runpy.run_path(str(ROOT / "infra"), run_name="__main__"),
        project="amlstack",
        stack="conformance",
        config={
            "amlstack:location": "westeurope",
            "amlstack:tier": "dev",
            "amlstack:workspaces": [{"name": "main", "endpoints": endpoints}],
        },
        mocks=RecordingMocks(subscription_id=SUBSCRIPTION),
        root_directory=str(corpus),
    )


def workspace_id(recording: Recording) -> str:
    return str(recording.one("azure-native:machinelearningservices:Workspace").outputs["id"])


def sdk_id(recording: Recording, kind: str, asset: str | Model | Environment) -> str:
    """The id azure-ai-ml's operations layer sends for `asset` in this workspace."""
    if isinstance(asset, str) and asset.startswith("azureml://"):
        return asset
    name, version = asset.split(":") if isinstance(asset, str) else (asset.name, str(asset.version))
    parts = workspace_id(recording).split("/")
    group, workspace = parts[4], parts[8]
    return VERSIONED_RESOURCE_ID_FORMAT.format(
        SUBSCRIPTION, group, AZUREML_RESOURCE_PROVIDER, workspace, kind, name, version
    )


def deployments(layout: dict[str, tuple[str, list[str]]]) -> Iterator[tuple[str, str]]:
    for key, (_, specs) in layout.items():
        for spec in specs:
            yield key, spec


def test_every_selected_spec_is_planned(
    shared: Path, layout: dict[str, tuple[str, list[str]]], planned: Recording
) -> None:
    covered = {e for e, _ in layout.values()} | {d for _, ds in layout.values() for d in ds}
    assert set(selection(shared, "online_endpoint")) <= covered
    assert set(selection(shared, "online_deployment")) <= covered
    kinds = [r.type for r in planned.resources]
    assert kinds.count("azure-native:machinelearningservices:OnlineEndpoint") == len(layout)


def test_endpoints_have_the_specs_auth_mode_and_identity(
    specs: dict[str, Any], layout: dict[str, tuple[str, list[str]]], planned: Recording
) -> None:
    for key, (spec, deployment_specs) in layout.items():
        sdk = specs[spec]._to_rest_online_endpoint("westeurope").as_dict()
        ours = planned.named(f"main-{key}-endpoint").inputs
        assert ours["properties"]["authMode"] == sdk["properties"]["authMode"] == "Key"
        assert ours["identity"] == sdk["identity"]
        # Both start without traffic; ours is written by the traffic resource afterwards.
        assert sdk["properties"]["traffic"] == {}
        assert "traffic" not in ours["properties"]
        traffic = planned.named(f"main-{key}-traffic").inputs["traffic"]
        assert list(traffic) == [specs[d].name for d in deployment_specs]


def test_deployments_send_what_azure_ai_ml_sends(
    specs: dict[str, Any], layout: dict[str, tuple[str, list[str]]], planned: Recording
) -> None:
    for key, spec in deployments(layout):
        entity: ManagedOnlineDeployment = specs[spec]
        sdk = entity._to_rest_object("westeurope").as_dict()
        ours = planned.named(f"main-{key}-{entity.name}").inputs
        mine, theirs = ours["properties"], sdk["properties"]
        assert ours["sku"] == sdk["sku"], spec
        for field in ("instanceType", "endpointComputeType", "appInsightsEnabled"):
            assert mine[field] == theirs[field], (spec, field)
        assert mine.get("environmentVariables", {}) == theirs["environmentVariables"], spec
        assert mine["model"] == sdk_id(planned, "models", entity.model), spec
        assert mine["environmentId"] == sdk_id(planned, "environments", entity.environment), spec
        scoring = mine["codeConfiguration"]
        assert scoring["scoringScript"] == theirs["codeConfiguration"]["scoringScript"], spec
        assert f"/codes/main-{key}-{entity.name}/versions/" in scoring["codeId"], spec
        for settings in ("requestSettings", "livenessProbe", "readinessProbe"):
            sent = theirs.get(settings) or {}
            # azure-native fills Azure's defaults for what the spec leaves out
            assert {k: v for k, v in mine.get(settings, {}).items() if k in sent} == sent, spec
            assert (settings in mine) == bool(sent), (spec, settings)


def test_the_full_settings_spec_really_sets_them(
    specs: dict[str, Any], layout: dict[str, tuple[str, list[str]]], planned: Recording
) -> None:
    [key] = [k for k, (_, ds) in layout.items() if FULL in ds]
    mine = planned.named(f"main-{key}-blue").inputs
    assert mine["sku"]["capacity"] == 3
    assert mine["properties"]["requestSettings"] == {
        "requestTimeout": "PT1.5S",
        "maxConcurrentRequestsPerInstance": 4,
        "maxQueueWait": "PT0.8S",
    }
    assert mine["properties"]["livenessProbe"]["initialDelay"] == "PT1M30S"
    assert mine["properties"]["readinessProbe"]["successThreshold"] == 2


def test_local_code_of_the_specs_is_uploaded_from_the_project(
    layout: dict[str, tuple[str, list[str]]], planned: Recording
) -> None:
    uploads = planned.of_type("pulumi-python:dynamic/amlstack:CodeUpload")
    assert len(uploads) == sum(1 for _ in deployments(layout))
    sources = {u.inputs["source"] for u in uploads}
    assert sources == {
        "cli/endpoints/online/model-1/onlinescoring",
        "cli/endpoints/online/model-2/onlinescoring",
    }
    for upload in uploads:
        assert list(upload.inputs["files"]) == ["score.py"]

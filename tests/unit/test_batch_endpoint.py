"""Batch endpoints under Pulumi's mocks: inputs, parents, order, default deployment, refusals."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.batch_endpoint import (
    BatchEndpointArgs,
    BatchModelDeploymentArgs,
    PipelineAssets,
    batch_compute_problem,
)
from components.compute import ComputeClusterArgs, ComputeInstanceArgs
from components.endpoint import DeploymentAssets
from components.errors import ConfigError
from components.naming import BATCH_ENDPOINT
from components.testing import Recording, record
from components.workspace import Workspace, WorkspaceArgs

ML = "azure-native:machinelearningservices"
DEPLOYMENT = f"{ML}:BatchDeployment"
DEFAULTS = "pulumi-python:dynamic/amlstack:BatchEndpointDefaults"
ENV = "azureml://registries/azureml/environments/sklearn-1.5/versions/54"
USER = "0a1b2c3d-0000-4000-8000-0000000000aa"
COMPONENT = "azureml://registries/shared/components/score_pipeline/versions/3"


def model_deployment(name: str, **settings: Any) -> dict[str, Any]:
    return {
        "name": name,
        "model": f"azureml:credit:{len(name)}",
        "environment": ENV,
        "code": {"asset": "azureml:score:1", "scoringScript": "batch_driver.py"},
        "compute": "cpu",
        **settings,
    }


def endpoint(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "credit",
        "deployments": [
            model_deployment("blue"),
            {
                "name": "prep-score",
                "type": "pipeline",
                "component": COMPONENT,
                "settings": {"defaultCompute": "cpu", "continueOnStepFailure": False},
            },
        ],
        **overrides,
    }


def assets(args: BatchEndpointArgs) -> dict[str, DeploymentAssets | PipelineAssets]:
    return {
        d.name: DeploymentAssets(model=f"model-{d.name}", environment=ENV, code="code-id")
        if isinstance(d, BatchModelDeploymentArgs)
        else PipelineAssets(component=f"component-{d.name}")
        for d in args.deployments
    }


def deploy(raw: dict[str, Any]) -> Recording:
    args = BatchEndpointArgs.parse(raw, at="batch")

    def program() -> None:
        workspace = Workspace(
            "main", WorkspaceArgs(name="main"), resource_group_name="rg", location="westeurope"
        )
        workspace.add_cluster(ComputeClusterArgs(name="cpu"))
        workspace.add_instance(
            ComputeInstanceArgs(name="ci-alice", assigned_user={"objectId": USER})  # type: ignore[arg-type]
        )
        batch = workspace.add_batch_endpoint(args, assets=assets(args))
        pulumi.export("batch", batch.outputs().document())

    return record(program, stack="dev")


@pytest.fixture(scope="module")
def recording() -> Recording:
    return deploy(endpoint())


def test_the_endpoint_uses_entra_tokens_and_starts_without_a_default(recording: Recording) -> None:
    azure = recording.one(f"{ML}:BatchEndpoint")
    assert azure.inputs["properties"] == {"authMode": "AADToken"}
    assert "defaults" not in azure.inputs["properties"]
    name = azure.inputs["endpointName"]
    assert BATCH_ENDPOINT.accepts(name)
    assert name.startswith("bep-dev-main-credit-")
    assert azure.inputs["tags"]["endpoint"] == "credit"


def test_children_are_parented_to_the_endpoint_and_it_to_the_workspace(
    recording: Recording,
) -> None:
    component = recording.one("amlstack:ml:BatchEndpoint")
    assert component.parent == recording.one("amlstack:ml:Workspace").urn
    children = [r for r in recording.resources if r.parent == component.urn]
    assert sorted(r.name for r in children) == [
        "main-credit-blue",
        "main-credit-defaults",
        "main-credit-endpoint",
        "main-credit-prep-score",
    ]


def test_deployments_follow_the_endpoint_one_after_another_on_their_cluster(
    recording: Recording,
) -> None:
    endpoint_urn = recording.named("main-credit-endpoint").urn
    cluster = recording.named("main-cpu-compute")
    blue, pipeline = recording.named("main-credit-blue"), recording.named("main-credit-prep-score")
    assert {endpoint_urn, cluster.urn} <= set(blue.dependencies)
    assert {endpoint_urn, cluster.urn, blue.urn} <= set(pipeline.dependencies)
    assert blue.inputs["properties"]["compute"] == cluster.outputs["id"]


def test_the_default_is_set_after_every_deployment(recording: Recording) -> None:
    defaults = recording.one(DEFAULTS)
    deployments = {r.urn for r in recording.of_type(DEPLOYMENT)}
    assert deployments <= set(defaults.dependencies)
    assert defaults.inputs["deploymentName"] == "blue"  # the first deployment by default
    assert defaults.inputs["endpointId"] == recording.named("main-credit-endpoint").outputs["id"]
    assert recording.outputs["batch"]["defaultDeployment"] == "blue"
    assert recording.outputs["batch"]["deployments"] == ["blue", "prep-score"]
    assert recording.outputs["batch"]["scoringUri"].endswith(".inference.ml.azure.com/jobs")


def test_a_model_deployment_sends_its_settings_as_azure_ml_names_them() -> None:
    settings = {
        "instanceCount": 3,
        "maxConcurrencyPerInstance": 2,
        "miniBatchSize": 5,
        "outputAction": "append_row",
        "outputFileName": "scores.csv",
        "retrySettings": {"maxRetries": 4, "timeout": 300},
        "errorThreshold": 10,
        "loggingLevel": "debug",
        "environmentVariables": {"LOG": "1"},
        "description": "nightly",
    }
    recording = deploy(endpoint(deployments=[model_deployment("blue", **settings)]))
    sent = recording.named("main-credit-blue").inputs["properties"]
    assert sent["resources"] == {"instanceCount": 3}
    assert (sent["maxConcurrencyPerInstance"], sent["miniBatchSize"]) == (2, 5)
    assert (sent["outputAction"], sent["outputFileName"]) == ("AppendRow", "scores.csv")
    assert sent["retrySettings"] == {"maxRetries": 4, "timeout": "PT5M"}  # as azure-ai-ml
    assert (sent["errorThreshold"], sent["loggingLevel"]) == (10, "Debug")
    assert sent["environmentVariables"] == {"LOG": "1"}
    assert sent["model"] == {"assetId": "model-blue", "referenceType": "Id"}
    assert sent["codeConfiguration"] == {"codeId": "code-id", "scoringScript": "batch_driver.py"}
    assert sent["description"] == "nightly"


def test_a_pipeline_deployment_runs_its_component_with_string_settings(
    recording: Recording,
) -> None:
    sent = recording.named("main-credit-prep-score").inputs["properties"]
    assert sent["deploymentConfiguration"] == {
        "deploymentConfigurationType": "PipelineComponent",
        "componentId": {"assetId": "component-prep-score", "referenceType": "Id"},
        "settings": {"default_compute": "cpu", "continue_on_step_failure": "false"},
    }
    assert "model" not in sent
    assert "compute" not in sent


def test_an_endpoint_without_deployments_has_no_default_resource() -> None:
    recording = deploy({"name": "credit"})
    assert recording.of_type(DEFAULTS) == []
    assert "defaultDeployment" not in recording.outputs["batch"]


def test_the_default_is_rewritten_when_the_endpoint_changes_only() -> None:
    def revision(raw: dict[str, Any]) -> str:
        return str(deploy(raw).one(DEFAULTS).inputs["endpointRevision"])

    base = revision(endpoint())
    assert revision(endpoint(defaultDeployment="prep-score")) == base
    assert revision(endpoint(description="changed")) != base


@pytest.mark.parametrize(
    ("raw", "field", "allowed"),
    [
        (
            endpoint(defaultDeployment="green"),
            "batch.defaultDeployment",
            "not a deployment of this endpoint; expected one of: blue, prep-score",
        ),
        (
            {"name": "credit", "defaultDeployment": "blue"},
            "batch.defaultDeployment",
            "the endpoint has no deployments",
        ),
        (endpoint(authMode="Key"), "batch.authMode", "expected 'AADToken'"),
        (
            endpoint(
                deployments=[
                    model_deployment("blue", outputAction="SummaryOnly", outputFileName="x.csv")
                ]
            ),
            "batch.deployments[blue].outputFileName",
            "SummaryOnly writes no predictions file",
        ),
        (
            endpoint(deployments=[{"name": "prep", "type": "pipeline", "component": "pipe.yml"}]),
            "batch.deployments[prep].component",
            "expected azureml:<name>:<version>",
        ),
        (
            endpoint(deployments=[{**model_deployment("blue"), "type": "online"}]),
            "batch.deployments[blue].type",
            "expected 'model' or 'pipeline'",
        ),
        (
            endpoint(deployments=[model_deployment("blue"), model_deployment("blue")]),
            "batch.deployments",
            "deployment names must be unique",
        ),
    ],
)
def test_bad_endpoints_fail_with_the_key(raw: dict[str, Any], field: str, allowed: str) -> None:
    with pytest.raises(ConfigError) as caught:
        BatchEndpointArgs.parse(raw, at="batch")
    [problem] = caught.value.problems
    assert problem.field == field
    assert allowed in problem.allowed


@pytest.mark.parametrize(
    ("compute", "allowed"),
    [
        ("ci-alice", "'ci-alice' is a compute instance; batch deployments run on a cluster (cpu)"),
        ("gpu", "not a compute cluster of this workspace; expected one of its clusters (cpu)"),
    ],
)
def test_a_deployment_on_an_instance_or_an_unknown_cluster_is_refused_before_it_exists(
    compute: str, allowed: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        deploy(endpoint(deployments=[model_deployment("blue", compute=compute)]))
    [problem] = caught.value.problems
    assert (problem.field, problem.value, problem.allowed) == (
        "main-credit.deployments[blue].compute",
        compute,
        allowed,
    )


def test_compute_checks_name_what_the_workspace_has() -> None:
    assert batch_compute_problem("azureml:cpu", ["cpu"], []) is None
    assert batch_compute_problem("gpu", [], []) == (
        "not a compute cluster of this workspace; expected one of its clusters (none)"
    )


def test_missing_assets_fail_before_anything_is_registered() -> None:
    args = BatchEndpointArgs.parse(endpoint(), at="batch")

    def program() -> None:
        workspace = Workspace(
            "main", WorkspaceArgs(name="main"), resource_group_name="rg", location="westeurope"
        )
        workspace.add_cluster(ComputeClusterArgs(name="cpu"))
        wrong = {d.name: DeploymentAssets(model="m") for d in args.deployments}
        workspace.add_batch_endpoint(args, assets=wrong)

    with pytest.raises(ConfigError, match=r"assets\[prep-score\].*PipelineAssets"):
        record(program)

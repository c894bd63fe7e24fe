"""The online endpoint component under Pulumi's mocks: graph, order, defaults, validation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pytest
from pulumi_azure_native import machinelearningservices

from components.access import IdentityGrantee
from components.code_asset import LocalCode
from components.deployment import DeploymentArgs
from components.endpoint import DeploymentAssets, OnlineEndpoint, OnlineEndpointArgs
from components.errors import ConfigError
from components.naming import ONLINE_ENDPOINT
from components.testing import RecordedResource, Recording, RecordingMocks, record
from components.workspace_ref import WorkspaceRef

RG = "rg"
UAI = f"/subscriptions/s/resourceGroups/{RG}/providers/Microsoft.ManagedIdentity/identities/u"
ENV = "azureml://registries/azureml/environments/sklearn-1.5/versions/54"
DEPLOYMENT = "azure-native:machinelearningservices:OnlineDeployment"
TRAFFIC = "pulumi-python:dynamic/amlstack:EndpointTraffic"


def blue_green(**overrides: Any) -> dict[str, Any]:
    deployment = {
        "name": "blue",
        "model": "azureml:credit:1",
        "environment": ENV,
        "code": {"asset": "azureml:score:1", "scoringScript": "score.py"},
    }
    return {
        "name": "credit",
        "deployments": [deployment, {**deployment, "name": "green", "model": "azureml:credit:2"}],
        "traffic": {"blue": 90, "green": 10},
        **overrides,
    }


def deploy(
    raw: dict[str, Any],
    *,
    public: str = "Disabled",
    assets: Mapping[str, DeploymentAssets] | None = None,
    mocks: RecordingMocks | None = None,
) -> Recording:
    args = OnlineEndpointArgs.parse(raw, at="endpoint")

    def program() -> None:
        workspace = machinelearningservices.Workspace(
            "ws", workspace_name="mlw-test", resource_group_name=RG, location="westeurope"
        )
        endpoint = OnlineEndpoint(
            "main-credit",
            args,
            workspace=WorkspaceRef(
                key="main",
                name=workspace.name,
                id=workspace.id,
                resource_group_name=pulumi.Output.from_input(RG),
                location="westeurope",
                identity=IdentityGrantee("main-identity", "principal"),
                identity_id=pulumi.Output.from_input(UAI),
                blob_endpoint=pulumi.Output.from_input("https://stmain.blob.core.windows.net/"),
                code_container=pulumi.Output.from_input("azureml-blobstore-guid"),
                log_analytics_id=pulumi.Output.from_input("logs-id"),
                public_network_access="Disabled" if public == "Disabled" else "Enabled",
                tags={"managed-by": "amlstack", "stack": "dev", "workspace": "main"},
            ),
            assets=assets
            or {
                d.name: DeploymentAssets(model=f"model-{d.name}", environment=ENV, code="code-id")
                for d in args.deployments
            },
        )
        pulumi.export("scoringUri", endpoint.scoring_uri)
        pulumi.export("traffic", endpoint.traffic.traffic)

    return record(program, stack="dev", mocks=mocks)


@pytest.fixture(scope="module")
def recording() -> Recording:
    return deploy(blue_green(mirrorTraffic={}))


def by_name(recording: Recording) -> dict[str, RecordedResource]:
    return {r.name: r for r in recording.resources}


def test_endpoint_starts_without_traffic_and_deployments_follow_it(recording: Recording) -> None:
    named = by_name(recording)
    endpoint = named["main-credit-endpoint"]
    assert "traffic" not in endpoint.inputs["properties"]
    assert "mirrorTraffic" not in endpoint.inputs["properties"]
    blue, green = named["main-credit-blue"], named["main-credit-green"]
    assert endpoint.urn in blue.dependencies
    assert endpoint.urn in green.dependencies
    assert blue.urn in green.dependencies  # created one after another
    assert blue.inputs["endpointName"] == endpoint.outputs["name"]


def test_traffic_is_applied_by_one_resource_after_every_deployment(recording: Recording) -> None:
    named = by_name(recording)
    traffic = recording.one(TRAFFIC)
    deployments = recording.of_type(DEPLOYMENT)
    assert {d.urn for d in deployments} <= set(traffic.dependencies)
    assert traffic.inputs["endpointId"] == named["main-credit-endpoint"].outputs["id"]
    assert traffic.inputs["traffic"] == {"blue": 90, "green": 10}
    assert traffic.inputs["mirrorTraffic"] == {}
    assert recording.outputs["traffic"] == {"blue": 90, "green": 10}
    assert recording.outputs["scoringUri"].endswith(".westeurope.inference.ml.azure.com/score")


def test_secure_and_documented_defaults(recording: Recording) -> None:
    endpoint = recording.named("main-credit-endpoint").inputs
    assert endpoint["properties"] == {"authMode": "AMLToken", "publicNetworkAccess": "Disabled"}
    assert endpoint["identity"] == {"type": "SystemAssigned"}
    blue = recording.named("main-credit-blue").inputs
    assert blue["sku"] == {"name": "Default", "capacity": 1}
    properties = blue["properties"]
    assert properties["appInsightsEnabled"] is True
    assert properties["instanceType"] == "Standard_DS3_v2"
    assert properties["endpointComputeType"] == "Managed"
    assert properties["scaleSettings"] == {"scaleType": "Default"}
    assert properties["model"] == "model-blue"
    assert properties["environmentId"] == ENV
    assert properties["codeConfiguration"] == {"codeId": "code-id", "scoringScript": "score.py"}
    assert "requestSettings" not in properties
    assert "livenessProbe" not in properties


def test_derived_endpoint_name_is_valid_stable_and_ends_with_a_hash(recording: Recording) -> None:
    name = recording.named("main-credit-endpoint").inputs["endpointName"]
    assert ONLINE_ENDPOINT.accepts(name)
    assert name.startswith("ept-dev-main-credit-")
    other = deploy(
        blue_green(), mocks=RecordingMocks(subscription_id="11111111-0000-0000-0000-0000000000ff")
    )
    assert other.named("main-credit-endpoint").inputs["endpointName"] != name
    again = deploy(blue_green())
    assert again.named("main-credit-endpoint").inputs["endpointName"] == name


def test_explicit_choices_are_honoured() -> None:
    raw = blue_green(
        endpointName="credit-scoring",
        authMode="Key",
        identity="Workspace",
        publicNetworkAccess="Enabled",
        traffic={"blue": 100},
        mirrorTraffic={"green": 20},
    )
    recording = deploy(raw)
    endpoint = recording.named("main-credit-endpoint").inputs
    assert endpoint["endpointName"] == "credit-scoring"
    assert endpoint["properties"]["authMode"] == "Key"
    assert endpoint["properties"]["publicNetworkAccess"] == "Enabled"
    assert endpoint["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [UAI]}
    traffic = recording.one(TRAFFIC).inputs
    assert (traffic["traffic"], traffic["mirrorTraffic"]) == (
        {"blue": 100, "green": 0},
        {"green": 20},
    )


def test_deployment_settings_reach_azure_as_iso_durations() -> None:
    raw = blue_green(
        traffic={"blue": 100},
        deployments=[
            {
                **blue_green()["deployments"][0],
                "instanceType": "Standard_F4s_v2",
                "instanceCount": 3,
                "requestSettings": {
                    "requestTimeoutMs": 1500,
                    "maxConcurrentRequestsPerInstance": 4,
                },
                "livenessProbe": {"initialDelay": 90, "period": 15, "failureThreshold": 5},
                "readinessProbe": {"timeout": 3},
                "appInsightsEnabled": False,
                "environmentVariables": {"LOG_LEVEL": "info"},
            }
        ],
    )
    blue = deploy(raw).named("main-credit-blue").inputs
    properties = blue["properties"]
    assert blue["sku"]["capacity"] == 3
    assert properties["instanceType"] == "Standard_F4s_v2"
    assert properties["requestSettings"]["requestTimeout"] == "PT1.5S"
    assert properties["requestSettings"]["maxConcurrentRequestsPerInstance"] == 4
    assert properties["livenessProbe"]["initialDelay"] == "PT1M30S"
    assert properties["livenessProbe"]["period"] == "PT15S"
    assert properties["livenessProbe"]["failureThreshold"] == 5
    assert properties["readinessProbe"]["timeout"] == "PT3S"
    assert properties["appInsightsEnabled"] is False
    assert properties["environmentVariables"] == {"LOG_LEVEL": "info"}


def test_autoscale_targets_the_deployment_on_cpu() -> None:
    first = {**blue_green()["deployments"][0], "instanceCount": 2}
    raw = blue_green(
        traffic={"blue": 100},
        deployments=[{**first, "autoscale": {"minInstances": 2, "maxInstances": 6}}],
    )
    recording = deploy(raw)
    setting = recording.one("azure-native:monitor:AutoscaleSetting")
    blue = recording.named("main-credit-blue")
    assert setting.inputs["targetResourceUri"] == blue.outputs["id"]
    assert setting.inputs["autoscaleSettingName"].endswith("-blue-autoscale")
    [profile] = setting.inputs["profiles"]
    assert profile["capacity"] == {"minimum": "2", "maximum": "6", "default": "2"}
    out, into = profile["rules"]
    assert (out["metricTrigger"]["operator"], out["metricTrigger"]["threshold"]) == (
        "GreaterThan",
        70,
    )
    assert (into["metricTrigger"]["operator"], into["metricTrigger"]["threshold"]) == (
        "LessThan",
        30,
    )
    assert out["metricTrigger"]["metricResourceUri"] == blue.outputs["id"]
    assert out["metricTrigger"]["metricName"] == "CpuUtilizationPercentage"
    assert out["scaleAction"] == {
        "direction": "Increase",
        "type": "ChangeCount",
        "value": "1",
        "cooldown": "PT5M",
    }


def test_local_code_is_uploaded_and_registered_by_content_hash() -> None:
    code = LocalCode("serving/credit-default", {"score.py": "a" * 64})
    raw = blue_green(traffic={"blue": 100}, deployments=blue_green()["deployments"][:1])
    recording = deploy(
        raw, assets={"blue": DeploymentAssets(model="m", environment=ENV, code=code)}
    )
    upload = recording.one("pulumi-python:dynamic/amlstack:CodeUpload")
    version = recording.one("azure-native:machinelearningservices:CodeVersion")
    blue = recording.named("main-credit-blue")
    assert upload.inputs["prefix"] == f"amlstack-code/{code.digest}"
    assert upload.inputs["files"] == code.files
    assert upload.inputs["container"] == "azureml-blobstore-guid"
    assert version.inputs["version"] == code.digest[:16]
    assert version.inputs["name"] == "main-credit-blue"
    assert version.inputs["properties"]["codeUri"] == (
        f"https://stmain.blob.core.windows.net/azureml-blobstore-guid/amlstack-code/{code.digest}"
    )
    assert upload.urn in version.dependencies
    assert blue.inputs["properties"]["codeConfiguration"]["codeId"] == version.outputs["id"]
    assert version.outputs["id"].endswith(f"/codes/main-credit-blue/versions/{code.digest[:16]}")


def test_the_split_is_rewritten_when_the_endpoint_changes_only() -> None:
    def revision(raw: dict[str, Any]) -> str:
        return str(deploy(raw).one(TRAFFIC).inputs["endpointRevision"])

    base = revision(blue_green())
    assert revision(blue_green(traffic={"blue": 100})) == base
    assert revision(blue_green(authMode="AADToken")) != base
    assert revision(blue_green(tags={"team": "risk"})) != base


def test_mlflow_models_need_neither_environment_nor_code() -> None:
    raw = {
        "name": "credit",
        "deployments": [{"name": "blue", "model": "azureml:credit:1"}],
        "traffic": {"blue": 100},
    }
    blue = deploy(raw, assets={"blue": DeploymentAssets(model="m")}).named("main-credit-blue")
    assert "environmentId" not in blue.inputs["properties"]
    assert "codeConfiguration" not in blue.inputs["properties"]


@pytest.mark.parametrize(
    ("deployment", "field", "fragment"),
    [
        ({"name": "Blue_1"}, "name", "3-32 letters, digits and single hyphens"),
        ({"model": "credit:1"}, "model", "expected azureml:<name>:<version>"),
        ({"environment": None}, "code", "code and environment go together"),
        ({"code": {"scoringScript": "score.py"}}, "code.asset", "set exactly one of path"),
        (
            {"code": {"path": "../elsewhere", "scoringScript": "s.py"}},
            "code.path",
            "inside the project",
        ),
        ({"instanceCount": 5, "autoscale": {"maxInstances": 3}}, "autoscale", "instanceCount 5"),
        (
            {"autoscale": {"maxInstances": 3, "minInstances": 4}},
            "autoscale.minInstances",
            "maxInstances (3)",
        ),
        (
            {"requestSettings": {"requestTimeoutMs": 200_000}},
            "requestSettings.requestTimeoutMs",
            "180000",
        ),
    ],
)
def test_bad_deployments_fail_with_the_key(
    deployment: dict[str, Any], field: str, fragment: str
) -> None:
    base = blue_green()["deployments"][0]
    with pytest.raises(ConfigError) as caught:
        DeploymentArgs.parse({**base, **deployment}, at="deployments[0]")
    [problem] = caught.value.problems
    assert problem.field == f"deployments[0].{field}"
    assert fragment in problem.allowed


def test_missing_assets_fail_before_anything_is_registered() -> None:
    created: list[str] = []

    class Counting(RecordingMocks):
        def new_resource(self, args):  # type: ignore[no-untyped-def]
            created.append(args.typ)
            return super().new_resource(args)

    with pytest.raises(ConfigError, match="DeploymentAssets for every deployment"):
        deploy(blue_green(), assets={"blue": DeploymentAssets(model="m")}, mocks=Counting())
    assert DEPLOYMENT not in created

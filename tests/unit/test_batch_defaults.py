"""The default-deployment provider through a fake ARM transport, as the Pulumi engine calls it.

The endpoint and deployments are shaped like the 2025-12-01 REST API's batch endpoint (the
corpus has no batch example): ``properties.defaults.deploymentName`` is what is written.
"""

from __future__ import annotations

import base64
from typing import Any

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc

from components.azure_rest import AzureRestError
from components.batch_defaults import API_VERSION, BatchEndpointDefaultsProvider
from jobs.testing import StaticCredential
from tests.endpoint_arm import FakeEndpointArm

ENDPOINT = (
    "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/test-rg/providers/"
    "Microsoft.MachineLearningServices/workspaces/ws/batchEndpoints/credit-batch"
)


class FakeArm(FakeEndpointArm):
    """A batch endpoint with deployments in the given states, as ARM serves them."""

    def __init__(self, deployments: dict[str, str]) -> None:
        endpoint = {
            "id": ENDPOINT,
            "name": "credit-batch",
            "type": "Microsoft.MachineLearningServices/workspaces/batchEndpoints",
            "location": "westeurope",
            "tags": {"stack": "dev"},
            "properties": {
                "authMode": "AADToken",
                "description": "scoring",
                "provisioningState": "Succeeded",
                "scoringUri": "https://credit-batch.westeurope.inference.ml.azure.com/jobs",
            },
            "systemData": {"createdBy": "someone"},
        }
        super().__init__(
            ENDPOINT,
            endpoint,
            {
                name: {"name": name, "properties": {"provisioningState": state}}
                for name, state in deployments.items()
            },
        )

    def provider(self) -> BatchEndpointDefaultsProvider:
        return BatchEndpointDefaultsProvider(
            transport=self.transport, credential=StaticCredential(), poll_seconds=0
        )

    @property
    def default(self) -> str | None:
        assert self.endpoint is not None
        return (self.endpoint["properties"].get("defaults") or {}).get("deploymentName")


def props(name: str, revision: str = "r1") -> dict[str, Any]:
    return {"endpointId": ENDPOINT, "deploymentName": name, "endpointRevision": revision}


@pytest.fixture
def arm() -> FakeArm:
    return FakeArm({"blue": "Succeeded", "green": "Succeeded"})


def test_create_puts_the_endpoint_back_with_its_default(arm: FakeArm) -> None:
    result = arm.provider().create(props("blue"))
    assert (result.id, result.outs) == (ENDPOINT, props("blue"))
    [put] = arm.transport.requests_to("PUT")
    assert put.query == f"api-version={API_VERSION}"
    body = put.body
    assert body["properties"] == {
        "authMode": "AADToken",
        "description": "scoring",
        "defaults": {"deploymentName": "blue"},
    }
    assert body["tags"] == {"stack": "dev"}
    assert not {"id", "name", "type", "systemData"} & set(body)
    assert arm.default == "blue"


def test_switching_the_default_is_an_update_and_the_same_one_is_no_change(arm: FakeArm) -> None:
    provider = arm.provider()
    outs = provider.create(props("blue")).outs or {}
    same = provider.diff(ENDPOINT, outs, props("blue"))
    assert (same.changes, same.replaces) == (False, [])
    switch = provider.diff(ENDPOINT, outs, props("green"))
    assert (switch.changes, switch.replaces) == (True, [])
    provider.update(ENDPOINT, outs, props("green"))
    assert arm.default == "green"
    changed = provider.diff(ENDPOINT, outs, props("blue", revision="r2"))
    assert changed.changes is True
    moved = provider.diff(ENDPOINT, outs, {**props("blue"), "endpointId": rpc.UNKNOWN})
    assert moved.replaces == ["endpointId"]


def test_only_a_deployment_that_succeeded_becomes_the_default() -> None:
    arm = FakeArm({"blue": "Succeeded", "green": "Failed"})
    with pytest.raises(AzureRestError, match=r"deployment 'green' .* is Failed"):
        arm.provider().create(props("green"))
    with pytest.raises(AzureRestError, match=r"deployment 'red' .* is missing"):
        arm.provider().create(props("red"))
    assert arm.transport.requests_to("PUT") == []


def test_read_reports_a_default_changed_elsewhere_and_a_missing_endpoint(arm: FakeArm) -> None:
    provider = arm.provider()
    outs = provider.create(props("blue")).outs or {}
    assert arm.endpoint is not None
    arm.endpoint["properties"]["defaults"] = {"deploymentName": "green"}  # the portal
    read = provider.read(ENDPOINT, outs)
    assert read.outs is not None
    assert read.outs["deploymentName"] == "green"
    assert provider.diff(ENDPOINT, read.outs, props("blue")).changes is True
    arm.endpoint = None
    assert provider.read(ENDPOINT, outs).id is None
    with pytest.raises(AzureRestError, match="does not exist"):
        provider.create(props("blue"))


def test_delete_leaves_the_endpoint_alone(arm: FakeArm) -> None:
    arm.provider().delete(ENDPOINT, props("blue"))
    assert arm.transport.sent == []


def test_serialized_provider_is_small_and_loads_back() -> None:
    blob = serialize_provider(BatchEndpointDefaultsProvider())
    assert len(blob) < 400
    loaded = dill.loads(base64.b64decode(blob))
    assert type(loaded) is BatchEndpointDefaultsProvider
    assert (loaded.poll_seconds, loaded.timeout_seconds) == (10.0, 1800.0)

"""The traffic provider through a fake ARM transport answering with the REST examples' shapes.

Create, no-op diff, shift, remove, delete, read (drift) and failures, as the Pulumi engine would
call them: `olds` are the outputs of the previous call, numbers come back as floats.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import dill
import pytest
from azure.core.rest import HttpRequest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc

from components.azure_rest import ARM_ENDPOINT, AzureRestError
from components.blob_upload import FolderUploadProvider
from components.endpoint_traffic import API_VERSION, EndpointTrafficProvider
from jobs.testing import Answer, StaticCredential, fake_token
from tests.conftest import ROOT
from tests.endpoint_arm import FakeEndpointArm

ENDPOINT = (
    "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/test-rg/providers/"
    "Microsoft.MachineLearningServices/workspaces/my-aml-workspace/onlineEndpoints/credit"
)
OPERATION = "/subscriptions/00000000-1111-2222-3333-444444444444/providers/ops/op-1"


def example(shared: Path, name: str) -> dict[str, Any]:
    path = shared / "conformance/rest-examples/2025-12-01/examples" / name
    body: dict[str, Any] = json.loads(path.read_text())["responses"]["200"]["body"]
    return body


class FakeArm(FakeEndpointArm):
    """An online endpoint and its deployments as ARM would serve them (shapes from the examples)."""

    def __init__(self, shared: Path, deployments: dict[str, str]) -> None:
        endpoint = example(shared, "Workspace/OnlineEndpoint/createOrUpdate.json")
        endpoint["id"], endpoint["name"] = ENDPOINT, "credit"
        endpoint["properties"].update(provisioningState="Succeeded", traffic={}, mirrorTraffic={})
        template = example(shared, "OnlineDeployment/ManagedOnlineDeployment/createOrUpdate.json")
        bodies = {}
        for name, state in deployments.items():
            deployment = copy.deepcopy(template)
            deployment["id"], deployment["name"] = f"{ENDPOINT}/deployments/{name}", name
            deployment["properties"]["provisioningState"] = state
            bodies[name] = deployment
        super().__init__(ENDPOINT, endpoint, bodies)
        self.polls = 0
        self.route("GET", OPERATION, self.get_operation)

    def provider(self) -> EndpointTrafficProvider:
        return EndpointTrafficProvider(
            transport=self.transport, credential=StaticCredential(), poll_seconds=0
        )

    def put_endpoint(self, request: HttpRequest) -> Answer:
        super().put_endpoint(request)
        assert self.endpoint is not None
        # Like the example's 201 answer: still "Creating"; the operation header says when done.
        answer = copy.deepcopy(self.endpoint)
        answer["properties"]["provisioningState"] = "Updating"
        self.endpoint["properties"]["provisioningState"] = "Succeeded"
        self.polls = 0
        return 201, answer, {"Azure-AsyncOperation": f"https://management.azure.com{OPERATION}"}

    def get_operation(self, _request: HttpRequest) -> Answer:
        self.polls += 1
        return 200, {"status": "Succeeded" if self.polls > 1 else "InProgress"}

    def live(self, key: str) -> dict[str, int]:
        assert self.endpoint is not None
        split: dict[str, int] = self.endpoint["properties"][key]
        return split


def props(traffic: dict[str, int], mirror: dict[str, int] | None = None) -> dict[str, Any]:
    return {
        "endpointId": ENDPOINT,
        "traffic": traffic,
        "mirrorTraffic": mirror or {},
        "endpointRevision": "r1",
    }


def as_state(outs: dict[str, Any]) -> dict[str, Any]:
    """What the engine hands back as `olds`: numbers through protobuf are floats."""
    return json.loads(json.dumps(outs), parse_int=float)


@pytest.fixture
def arm(shared: Path) -> FakeArm:
    return FakeArm(shared, {"blue": "Succeeded", "green": "Succeeded"})


def test_create_writes_the_split_with_a_put_of_the_endpoint_and_waits(arm: FakeArm) -> None:
    result = arm.provider().create(props({"blue": 100, "green": 0}))
    assert result.id == ENDPOINT
    assert result.outs == props({"blue": 100, "green": 0})
    [put] = arm.transport.requests_to("PUT")
    assert put.query == f"api-version={API_VERSION}"
    assert put.headers["Authorization"] == f"Bearer {fake_token(audience=ARM_ENDPOINT)}"
    body = put.body
    assert body["properties"]["traffic"] == {"blue": 100, "green": 0}
    assert body["properties"]["mirrorTraffic"] == {}
    assert body["properties"]["authMode"] == "AMLToken"  # the rest of the endpoint is kept
    assert not {"provisioningState", "scoringUri", "swaggerUri"} & set(body["properties"])
    assert not {"id", "name", "type", "systemData"} & set(body)
    assert body["identity"] == {"type": "SystemAssigned", "userAssignedIdentities": {"string": {}}}
    assert arm.polls == 2  # polled the operation until it succeeded
    assert arm.live("traffic") == {"blue": 100, "green": 0}


def test_same_split_is_no_change(arm: FakeArm) -> None:
    provider = arm.provider()
    outs = provider.create(props({"blue": 100, "green": 0})).outs or {}
    diff = provider.diff(ENDPOINT, as_state(outs), props({"blue": 100, "green": 0}))
    assert (diff.changes, diff.replaces) == (False, [])


def test_shift_then_remove_updates_the_endpoint_in_place(arm: FakeArm) -> None:
    provider = arm.provider()
    outs = provider.create(props({"blue": 100, "green": 0})).outs or {}
    steps = [
        props({"blue": 90, "green": 10}),
        props({"blue": 0, "green": 100}),
        props({"green": 100}),
    ]
    for news in steps:
        diff = provider.diff(ENDPOINT, as_state(outs), news)
        assert (diff.changes, diff.replaces) == (True, [])
        outs = provider.update(ENDPOINT, as_state(outs), news).outs or {}
        assert arm.live("traffic") == news["traffic"]
    assert [p.body["properties"]["traffic"] for p in arm.transport.requests_to("PUT")] == [
        {"blue": 100, "green": 0},
        {"blue": 90, "green": 10},
        {"blue": 0, "green": 100},
        {"green": 100},
    ]


def test_mirror_traffic_is_written_and_diffed_too(arm: FakeArm) -> None:
    provider = arm.provider()
    outs = provider.create(props({"blue": 100, "green": 0}, {"green": 10})).outs or {}
    assert arm.live("mirrorTraffic") == {"green": 10}
    diff = provider.diff(ENDPOINT, as_state(outs), props({"blue": 100, "green": 0}))
    assert diff.changes is True


def test_a_changed_endpoint_rewrites_the_split_and_another_endpoint_replaces_it(
    arm: FakeArm,
) -> None:
    provider = arm.provider()
    outs = as_state(provider.create(props({"blue": 100})).outs or {})
    assert provider.diff(ENDPOINT, outs, {**props({"blue": 100}), "endpointRevision": "r2"}).changes
    moved = provider.diff(ENDPOINT, outs, {**props({"blue": 100}), "endpointId": f"{ENDPOINT}2"})
    assert (moved.replaces, moved.delete_before_replace) == (["endpointId"], False)
    unknown = provider.diff(ENDPOINT, outs, {**props({"blue": 100}), "endpointId": rpc.UNKNOWN})
    assert unknown.replaces == ["endpointId"]


def test_delete_sends_no_traffic_anywhere_so_deployments_can_go(arm: FakeArm) -> None:
    provider = arm.provider()
    outs = provider.create(props({"blue": 90, "green": 10})).outs or {}
    provider.delete(ENDPOINT, as_state(outs))
    assert (arm.live("traffic"), arm.live("mirrorTraffic")) == ({}, {})
    arm.endpoint = None  # the endpoint is gone already: nothing to do
    provider.delete(ENDPOINT, as_state(outs))
    assert len(arm.transport.requests_to("PUT")) == 2


def test_read_reports_drift_and_a_missing_endpoint(arm: FakeArm) -> None:
    provider = arm.provider()
    outs = as_state(provider.create(props({"blue": 100, "green": 0})).outs or {})
    assert arm.endpoint is not None
    arm.endpoint["properties"]["traffic"] = {"blue": 50, "green": 50}  # changed in the portal
    read = provider.read(ENDPOINT, outs)
    assert read.id == ENDPOINT
    assert read.outs is not None
    assert read.outs["traffic"] == {"blue": 50, "green": 50}
    assert provider.diff(ENDPOINT, read.outs, props({"blue": 100, "green": 0})).changes is True
    arm.endpoint["properties"]["traffic"] = {"blue": 100}  # Azure leaves out a 0% deployment
    same = provider.read(ENDPOINT, outs).outs or {}
    assert provider.diff(ENDPOINT, same, props({"blue": 100, "green": 0})).changes is False
    arm.endpoint = None
    assert provider.read(ENDPOINT, outs).id is None


def test_traffic_moves_only_to_deployments_that_succeeded(shared: Path) -> None:
    arm = FakeArm(shared, {"blue": "Succeeded", "green": "Failed"})
    with pytest.raises(AzureRestError, match=r"deployment 'green' .* is Failed"):
        arm.provider().create(props({"blue": 90, "green": 10}))
    with pytest.raises(AzureRestError, match=r"deployment 'red' .* is missing"):
        arm.provider().create(props({"blue": 90, "red": 10}))
    arm.provider().create(props({"blue": 100, "green": 0}))  # 0% to a failed one is fine
    assert len(arm.transport.requests_to("PUT")) == 1


def test_azure_errors_name_the_code_and_message(arm: FakeArm) -> None:
    error = {"error": {"code": "BadArgument", "message": "Traffic must sum to 100"}}
    arm.transport.respond("PUT", re.escape(ENDPOINT), error, status=400)
    with pytest.raises(AzureRestError, match="400 BadArgument: Traffic must sum to 100"):
        arm.provider().create(props({"blue": 100}))


def test_check_reports_bad_splits_before_any_request(arm: FakeArm) -> None:
    check = arm.provider().check({}, props({"blue": 90.0, "green": 0.0}, {"blue": 10.0}))
    assert [(f.property, f.reason) for f in check.failures] == [
        ("traffic", "percentages must sum to 100 across blue, green; these sum to 90"),
        (
            "mirrorTraffic",
            "'blue' gets 90% live traffic; mirror only to a deployment with 0% live traffic",
        ),
    ]
    assert arm.transport.sent == []


@pytest.mark.parametrize(
    ("provider", "settings"),
    [
        (
            EndpointTrafficProvider,
            {"transport": None, "credential": None, "poll_seconds": 10.0},
        ),
        (FolderUploadProvider, {"propagation_attempts": 5, "propagation_wait_seconds": 20.0}),
    ],
)
def test_serialized_provider_is_small_deterministic_and_loads_back(
    provider: type[Any], settings: dict[str, Any]
) -> None:
    """Pulumi stores a dynamic provider in the state: a reference to its class plus its settings."""
    code = (
        "from pulumi.dynamic.dynamic import serialize_provider\n"
        f"from {provider.__module__} import {provider.__name__}\n"
        f"print(serialize_provider({provider.__name__}()))\n"
    )
    other_process = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    blob = serialize_provider(provider())
    assert blob == other_process
    assert len(blob) < 400
    loaded = dill.loads(base64.b64decode(blob))
    assert type(loaded) is provider
    assert {key: getattr(loaded, key) for key in settings} == settings


TRAFFIC_PROVIDER_BEFORE_THE_REST_MODULE_WENT_PUBLIC = (
    "gASVkQAAAAAAAACMG2NvbXBvbmVudHMuZW5kcG9pbnRfdHJhZmZpY5SMF0VuZHBvaW50VHJhZmZpY1Byb3ZpZGVylJOU"
    "KYGUfZQojApjcmVkZW50aWFslE6MDHBvbGxfc2Vjb25kc5RHQCQAAAAAAACMD3RpbWVvdXRfc2Vjb25kc5RHQJwgAAAA"
    "AACMCXRyYW5zcG9ydJROdWIu"
)
"""``serialize_provider(EndpointTrafficProvider())`` as amlstack wrote it into states while the
REST pipeline was the private ``components._azure_rest``."""


def classes_loaded(blob: str) -> tuple[Any, list[tuple[str, str]]]:
    """Unpickle `blob` as Pulumi does (dill), recording every class or function it imports."""
    seen: list[tuple[str, str]] = []

    class Recording(dill.Unpickler):  # type: ignore[misc]
        def find_class(self, module: str, name: str) -> Any:
            seen.append((module, name))
            return super().find_class(module, name)

    return Recording(io.BytesIO(base64.b64decode(blob))).load(), seen


def test_a_traffic_provider_deployed_before_the_rename_still_loads_and_works(arm: FakeArm) -> None:
    """Deployed states name only the provider's class, never the REST module it imports in its
    methods: renaming ``components._azure_rest`` needs no alias, and the state does not change."""
    loaded, seen = classes_loaded(TRAFFIC_PROVIDER_BEFORE_THE_REST_MODULE_WENT_PUBLIC)
    assert seen == [("components.endpoint_traffic", "EndpointTrafficProvider")]
    assert serialize_provider(EndpointTrafficProvider()) == (
        TRAFFIC_PROVIDER_BEFORE_THE_REST_MODULE_WENT_PUBLIC
    )
    loaded.transport, loaded.credential = arm.transport, StaticCredential()
    assert loaded.read(ENDPOINT, props({"blue": 100})).id == ENDPOINT
    arm.endpoint = None
    with pytest.raises(AzureRestError, match="does not exist"):
        loaded.create(props({"blue": 100}))

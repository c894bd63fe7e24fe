"""The resource that makes one deployment of a batch endpoint its default, after it exists.

A batch endpoint runs its default deployment when it is invoked without naming one. Azure takes
the default as ``properties.defaults.deploymentName`` of the endpoint, and the endpoint must exist
before its deployments: the same cycle as an online endpoint's traffic (`EndpointTraffic`), broken
the same way. The endpoint is created without a default, then its deployments, then
`BatchEndpointDefaults` (a Pulumi dynamic resource that depends on every deployment) GETs the
endpoint and PUTs it back with the default, through `components._arm`. Switching the default is a
config edit: the update runs before a dropped deployment is deleted (Pulumi deletes last), and
Azure refuses to delete the default deployment.

Pulumi pickles the provider into the state with dill; its class is importable, so dill stores a
reference to it plus its settings. Everything else is imported inside the methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pulumi
from pulumi import dynamic

from components.provider_pickling import restored_pickler

if TYPE_CHECKING:
    from components._arm import Arm

__all__ = ["API_VERSION", "BatchEndpointDefaults", "BatchEndpointDefaultsProvider"]

API_VERSION = "2025-12-01"
"""Azure ML REST API version used for batch endpoints (the one azure-ai-ml 1.35 sends)."""

_READ_ONLY = frozenset({"provisioningState", "scoringUri", "swaggerUri"})
_KEYS = ("deploymentName", "endpointRevision")


class BatchEndpointDefaultsProvider(dynamic.ResourceProvider):
    """Create, diff, update, read and delete an endpoint's default deployment through ARM.

    `transport` (an azure-core ``HttpTransport``) and `credential` default to the real network
    and ``DefaultAzureCredential``; tests pass fakes. `poll_seconds` is the wait between polls of
    a long-running operation, `timeout_seconds` the longest wait.
    """

    serialize_as_secret_always = False  # it holds no secret: only the settings below

    def __init__(
        self,
        *,
        transport: Any = None,
        credential: Any = None,
        poll_seconds: float = 10.0,
        timeout_seconds: float = 1800.0,
    ) -> None:
        super().__init__()
        self.transport = transport
        self.credential = credential
        self.poll_seconds = poll_seconds
        self.timeout_seconds = timeout_seconds

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        return dynamic.CreateResult(str(props["endpointId"]), self._apply(props))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        from pulumi.runtime import rpc

        def changed(key: str) -> bool:
            return news.get(key) == rpc.UNKNOWN or news.get(key) != olds.get(key)

        replaces = ["endpointId"] if changed("endpointId") else []
        changes = [key for key in _KEYS if changed(key)]
        return dynamic.DiffResult(
            changes=bool(replaces or changes), replaces=replaces, delete_before_replace=False
        )

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dynamic.UpdateResult:
        return dynamic.UpdateResult(self._apply(news))

    def read(self, id_: str, props: dict[str, Any]) -> dynamic.ReadResult:
        endpoint = self._arm().get(str(props.get("endpointId") or id_))
        if endpoint is None:
            return dynamic.ReadResult(None, {})
        defaults = (endpoint.get("properties") or {}).get("defaults") or {}
        return dynamic.ReadResult(id_, {**props, "deploymentName": defaults.get("deploymentName")})

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to undo: the default goes with its endpoint, and a kept endpoint keeps it
        (Azure has no endpoint without a default once it has deployments)."""

    def _apply(self, props: dict[str, Any]) -> dict[str, Any]:
        from components.azure_rest import AzureRestError

        endpoint_id, name = str(props["endpointId"]), str(props["deploymentName"])
        arm = self._arm()
        endpoint = arm.get(endpoint_id)
        if endpoint is None:
            raise AzureRestError(f"batch endpoint {endpoint_id} does not exist")
        deployment = arm.get(f"{endpoint_id}/deployments/{name}")
        state = ((deployment or {}).get("properties") or {}).get("provisioningState")
        if state != "Succeeded":
            raise AzureRestError(
                f"deployment {name!r} of {endpoint_id} is {state or 'missing'}; only a "
                "deployment that succeeded becomes the default"
            )
        arm.put(endpoint_id, _with_default(endpoint, name))
        return {
            "endpointId": endpoint_id,
            "deploymentName": name,
            "endpointRevision": props.get("endpointRevision", ""),
        }

    def _arm(self) -> Arm:
        from components._arm import arm_client

        return arm_client(
            API_VERSION,
            transport=self.transport,
            credential=self.credential,
            poll_seconds=self.poll_seconds,
            timeout_seconds=self.timeout_seconds,
        )


def _with_default(endpoint: Mapping[str, Any], deployment: str) -> dict[str, Any]:
    """The endpoint as a PUT body (read-only fields dropped) with `deployment` as its default."""
    properties = {
        key: value
        for key, value in (endpoint.get("properties") or {}).items()
        if key not in _READ_ONLY
    }
    properties["defaults"] = {"deploymentName": deployment}
    body: dict[str, Any] = {"location": endpoint.get("location"), "properties": properties}
    for key in ("tags", "kind", "sku", "identity"):
        if key in endpoint:
            body[key] = endpoint[key]
    return body


class BatchEndpointDefaults(dynamic.Resource, module="amlstack", name="BatchEndpointDefaults"):
    """A batch endpoint's default deployment (`deployment_name`).

    Give it ``depends_on`` every deployment of the endpoint (and nothing that is being deleted),
    so that Pulumi creates it after them. `endpoint_revision` changes whenever the endpoint's own
    settings change: Pulumi's PUT of the endpoint carries no default, so it is written again.
    """

    def __init__(
        self,
        resource_name: str,
        *,
        endpoint_id: pulumi.Input[str],
        deployment_name: str,
        endpoint_revision: str = "",
        provider: BatchEndpointDefaultsProvider | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        with restored_pickler():  # Pulumi leaves pickle patched: provider_pickling.py
            super().__init__(
                provider or BatchEndpointDefaultsProvider(),
                resource_name,
                {
                    "endpointId": endpoint_id,
                    "deploymentName": deployment_name,
                    "endpointRevision": endpoint_revision,
                },
                opts,
            )

    @property
    def deployment_name(self) -> pulumi.Output[str]:
        """The default deployment as applied (Pulumi names outputs after the inputs)."""
        output: pulumi.Output[str] = self.__dict__["deploymentName"]
        return output

"""Write part of an existing endpoint once its deployments exist: the base of the dynamic
providers that do it (`EndpointTraffic` for an online endpoint's split, `BatchEndpointDefaults`
for a batch endpoint's default deployment).

An endpoint must exist before its deployments, and Azure refuses a split or a default that names
a deployment that does not exist yet, so those settings cannot be inputs of the endpoint. Such a
provider GETs the endpoint, checks the deployments it names succeeded, and PUTs the endpoint back
with its part replaced (`endpoint_put_body`), through `components._arm` (`ArmProvider`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pulumi import dynamic

from components.arm_provider import ArmProvider

if TYPE_CHECKING:
    from components._arm import Arm

__all__ = ["API_VERSION", "EndpointPatchProvider", "endpoint_put_body", "require_succeeded"]

API_VERSION = "2025-12-01"
"""Azure ML REST API version of endpoints and deployments (the one azure-ai-ml 1.35 sends)."""

_READ_ONLY = frozenset({"provisioningState", "scoringUri", "swaggerUri"})


class EndpointPatchProvider(ArmProvider):
    """Create, diff and update one part of an endpoint (``endpointId``) through ARM.

    Subclasses say which inputs are that part (`patched`) and write it (`_apply`).
    """

    api_version = API_VERSION

    patched: ClassVar[tuple[str, ...]] = ()
    """The inputs a change of which is an update (``endpointRevision`` is one for every kind)."""

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        return dynamic.CreateResult(str(props["endpointId"]), self._apply(props))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        replaces = ["endpointId"] if self._changed(olds, news, "endpointId") else []
        changed = [k for k in (*self.patched, "endpointRevision") if self._changed(olds, news, k)]
        return dynamic.DiffResult(
            changes=bool(replaces or changed), replaces=replaces, delete_before_replace=False
        )

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dynamic.UpdateResult:
        return dynamic.UpdateResult(self._apply(news))

    def _changed(self, olds: Mapping[str, Any], news: Mapping[str, Any], key: str) -> bool:
        """Whether input `key` changes (an unknown value, during a preview, may)."""
        from pulumi.runtime import rpc

        return bool(news.get(key) == rpc.UNKNOWN or news.get(key) != olds.get(key))

    def _apply(self, props: dict[str, Any]) -> dict[str, Any]:
        """Write the part `props` asks for; returns the outputs."""
        raise NotImplementedError


def require_succeeded(
    arm: Arm, endpoint_id: str, deployments: Iterable[str], *, kind: str, purpose: str
) -> dict[str, Any]:
    """The endpoint, after checking it exists and each of `deployments` has succeeded; else
    `AzureRestError` saying why `purpose` cannot be done."""
    from components.azure_rest import AzureRestError

    endpoint = arm.get(endpoint_id)
    if endpoint is None:
        raise AzureRestError(f"{kind} endpoint {endpoint_id} does not exist")
    for name in deployments:
        deployment = arm.get(f"{endpoint_id}/deployments/{name}")
        state = ((deployment or {}).get("properties") or {}).get("provisioningState")
        if state != "Succeeded":
            raise AzureRestError(
                f"deployment {name!r} of {endpoint_id} is {state or 'missing'}; {purpose}"
            )
    return endpoint


def endpoint_put_body(endpoint: Mapping[str, Any], **properties: object) -> dict[str, Any]:
    """The endpoint as a PUT body with `properties` replaced: read-only fields dropped, and a
    user-assigned identity named without the principal ids Azure fills in."""
    kept = {
        key: value
        for key, value in (endpoint.get("properties") or {}).items()
        if key not in _READ_ONLY
    }
    body: dict[str, Any] = {
        "location": endpoint.get("location"),
        "properties": {**kept, **properties},
    }
    for key in ("tags", "kind", "sku"):
        if key in endpoint:
            body[key] = endpoint[key]
    identity = endpoint.get("identity")
    if isinstance(identity, Mapping):
        body["identity"] = {"type": identity.get("type")}
        if identity.get("userAssignedIdentities"):
            body["identity"]["userAssignedIdentities"] = {
                uai: {} for uai in identity["userAssignedIdentities"]
            }
    return body

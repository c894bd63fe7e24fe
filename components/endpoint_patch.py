"""Write part of an existing endpoint once its deployments exist: the base of the dynamic
providers that do it (`EndpointTraffic` for an online endpoint's split, `BatchEndpointDefaults`
for a batch endpoint's default deployment).

An endpoint must exist before its deployments, and Azure refuses a split or a default that names
a deployment that does not exist yet, so those settings cannot be inputs of the endpoint. Such a
provider GETs the endpoint, checks the deployments it names succeeded, and PUTs the endpoint back
with its part replaced (`endpoint_put_body`), through `components._arm` (`ArmProvider`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pulumi import dynamic

from components.arm_provider import ArmProvider

if TYPE_CHECKING:
    from components._arm import Arm

__all__ = [
    "API_VERSION",
    "EndpointPatchProvider",
    "endpoint_put_body",
    "endpoint_revision",
    "require_succeeded",
]

API_VERSION = "2025-12-01"
"""Azure ML REST API version of endpoints and deployments (the one azure-ai-ml 1.35 sends)."""

_READ_ONLY = frozenset({"provisioningState", "scoringUri", "swaggerUri"})


class EndpointPatchProvider(ArmProvider):
    """Create, diff, update and read one part of an endpoint (``endpointId``) through ARM.

    Subclasses say which inputs are that part (`patched`), the endpoint's `kind` and why only a
    deployment that succeeded may be named (`purpose`), and fill in the hooks: the part as the
    outputs hold it (`_part`), the deployments it names (`_deployments`), its place in the
    endpoint's properties (`_body_part`) and the live part read back (`_read_part`).
    """

    api_version = API_VERSION

    patched: ClassVar[tuple[str, ...]] = ()
    """The inputs a change of which is an update (``endpointRevision`` is one for every kind)."""
    kind: ClassVar[str]
    """The endpoint's kind in messages: ``online`` or ``batch``."""
    purpose: ClassVar[str]
    """What a deployment that has not succeeded prevents, said when one is named."""

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

    def read(self, id_: str, props: dict[str, Any]) -> dynamic.ReadResult:
        endpoint = self._arm().get(str(props.get("endpointId") or id_))
        if endpoint is None:
            return dynamic.ReadResult(None, {})
        live = endpoint.get("properties") or {}
        return dynamic.ReadResult(id_, {**props, **self._read_part(props, live)})

    def _apply(self, props: dict[str, Any]) -> dict[str, Any]:
        """Write the part `props` asks for, once the deployments it names succeeded; returns the
        outputs."""
        endpoint_id = str(props["endpointId"])
        part = self._part(props)
        arm = self._arm()
        endpoint = require_succeeded(
            arm, endpoint_id, self._deployments(part), kind=self.kind, purpose=self.purpose
        )
        arm.put(endpoint_id, endpoint_put_body(endpoint, **self._body_part(part)))
        return {
            "endpointId": endpoint_id,
            **part,
            "endpointRevision": props.get("endpointRevision", ""),
        }

    def _part(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The `patched` inputs of `props`, as written and as the outputs hold them."""
        raise NotImplementedError

    def _deployments(self, part: Mapping[str, Any]) -> Iterable[str]:
        """The deployments `part` names, each of which must have succeeded."""
        raise NotImplementedError

    def _body_part(self, part: Mapping[str, Any]) -> Mapping[str, Any]:
        """The endpoint properties `part` replaces. Default: its keys as they are."""
        return part

    def _read_part(self, props: Mapping[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
        """The `patched` outputs as Azure has them, from the endpoint's properties `live`."""
        raise NotImplementedError


def endpoint_revision(settings: Mapping[str, object]) -> str:
    """The ``endpointRevision`` input for an endpoint's own `settings` (JSON values): a hash that
    changes when they do, so that the part is written again after Pulumi updates the endpoint."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


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

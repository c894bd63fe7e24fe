"""The workspace's own IP rules (``networkAcls``): one dynamic resource.

Azure ML lets a workspace open to the internet accept only some addresses ("Enabled from
selected IP addresses": ``properties.networkAcls`` with ``defaultAction: Deny`` and
``ipRules``). API 2025-12-01, the version pulumi-azure-native 3.x uses for workspaces, dropped the
property from its specification, so the provider's ``Workspace`` has no input for it; the
service still takes it, and azure-ai-ml 1.35 sends it on that version
(``WorkspaceOperations.begin_update(network_acls=...)`` sets it on the wire). `WorkspaceIpRules`
sends the same PATCH through ARM after the workspace exists, and waits for it.

A ``pulumi up`` that updates the workspace PUTs it without the rules; `workspace_revision`
changes with every workspace setting, so the rules are written again after such an update, and
``pulumi refresh`` reads them back to show drift. Deleting the resource (the allow-list removed
from config) sets ``defaultAction: Allow``: the workspace accepts every internet address again,
as ``publicNetworkAccess: Enabled`` without an allow-list says.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
from pulumi import dynamic

__all__ = ["WORKSPACE_API_VERSION", "WorkspaceIpRules", "WorkspaceIpRulesProvider", "acl_body"]

WORKSPACE_API_VERSION = "2025-12-01"
"""The API version of the PATCH (the one azure-ai-ml 1.35 sends ``networkAcls`` with)."""
_TERMINAL = frozenset({"Succeeded", "Failed", "Canceled"})


def acl_body(ip_rules: Sequence[str]) -> dict[str, Any]:
    """The PATCH body: deny by default and allow `ip_rules`; no rules: allow every address."""
    action = "Deny" if ip_rules else "Allow"
    return {
        "properties": {
            "networkAcls": {
                "defaultAction": action,
                "ipRules": [{"value": rule} for rule in ip_rules],
            }
        }
    }


class WorkspaceIpRulesProvider(dynamic.ResourceProvider):
    """Create and update PATCH the rules; read returns the live ones; delete allows all again.

    `transport` (an azure-core ``HttpTransport``) and `credential` default to the network and
    ``DefaultAzureCredential``; tests pass fakes. `poll_seconds` is the wait between polls,
    `timeout_seconds` the longest wait.
    """

    serialize_as_secret_always = False  # it holds no secret: only the settings below

    def __init__(
        self,
        *,
        transport: Any = None,
        credential: Any = None,
        poll_seconds: float = 10.0,
        timeout_seconds: float = 900.0,
    ) -> None:
        super().__init__()
        self.transport = transport
        self.credential = credential
        self.poll_seconds = poll_seconds
        self.timeout_seconds = timeout_seconds

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        self._patch(str(props["workspaceId"]), list(props["ipRules"]))
        return dynamic.CreateResult(str(props["workspaceId"]), dict(props))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        replaces = ["workspaceId"] if olds.get("workspaceId") != news.get("workspaceId") else []
        changed = [k for k in ("ipRules", "workspaceRevision") if olds.get(k) != news.get(k)]
        return dynamic.DiffResult(
            changes=bool(replaces or changed), replaces=replaces, delete_before_replace=False
        )

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> dynamic.UpdateResult:
        self._patch(str(news["workspaceId"]), list(news["ipRules"]))
        return dynamic.UpdateResult(dict(news))

    def read(self, id_: str, props: dict[str, Any]) -> dynamic.ReadResult:
        workspace_id = str(props.get("workspaceId") or id_)
        response = self._rest().send("GET", _url(workspace_id))
        if response.status_code == 404:
            return dynamic.ReadResult(None, {})
        acls = (_json(response, f"GET {workspace_id}").get("properties") or {}).get(
            "networkAcls"
        ) or {}
        live = [str(rule.get("value")) for rule in acls.get("ipRules") or ()]
        denied = acls.get("defaultAction") == "Deny"
        return dynamic.ReadResult(id_, {**props, "ipRules": live if denied else []})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._patch(str(props.get("workspaceId") or id_), [])

    def _patch(self, workspace_id: str, ip_rules: list[str]) -> None:
        import time

        from components.azure_rest import AzureRestError

        rest = self._rest()
        response = rest.send("PATCH", _url(workspace_id), json=acl_body(ip_rules))
        state = _state(_json(response, f"PATCH {workspace_id}"))
        deadline = time.monotonic() + self.timeout_seconds
        while state not in _TERMINAL:
            if time.monotonic() > deadline:
                raise AzureRestError(
                    f"{workspace_id}: IP rules still provisioning after {self.timeout_seconds:.0f}s"
                )
            time.sleep(self.poll_seconds)
            state = _state(_json(rest.send("GET", _url(workspace_id)), f"GET {workspace_id}"))
        if state != "Succeeded":
            raise AzureRestError(f"{workspace_id}: setting IP rules ended {state}")

    def _rest(self) -> Any:
        from components.azure_rest import ARM_ENDPOINT, ARM_SCOPE, RestClient

        return RestClient(
            ARM_ENDPOINT, scope=ARM_SCOPE, transport=self.transport, credential=self.credential
        )


def _url(workspace_id: str) -> str:
    from components.azure_rest import ARM_ENDPOINT

    return f"{ARM_ENDPOINT}{workspace_id}?api-version={WORKSPACE_API_VERSION}"


def _json(response: Any, what: str) -> dict[str, Any]:
    from components.azure_rest import raise_for_status

    raise_for_status(response, what)
    payload = response.json() if response.content else {}
    return payload if isinstance(payload, dict) else {}


def _state(workspace: dict[str, Any]) -> str:
    return str((workspace.get("properties") or {}).get("provisioningState", "Succeeded"))


class WorkspaceIpRules(dynamic.Resource, module="amlstack", name="WorkspaceIpRules"):
    """The IP rules of one workspace (``networkAcls``), written after the workspace exists."""

    def __init__(
        self,
        resource_name: str,
        *,
        workspace_id: pulumi.Input[str],
        ip_rules: Sequence[str],
        workspace_revision: str,
        provider: WorkspaceIpRulesProvider | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`workspace_revision` changes whenever the workspace's own settings do (the rules
        are written again after Pulumi updates the workspace)."""
        super().__init__(
            provider or WorkspaceIpRulesProvider(),
            resource_name,
            {
                "workspaceId": workspace_id,
                "ipRules": list(ip_rules),
                "workspaceRevision": workspace_revision,
            },
            opts,
        )

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

from components.arm_provider import ArmProvider
from components.provider_pickling import DynamicResource

__all__ = ["WORKSPACE_API_VERSION", "WorkspaceIpRules", "WorkspaceIpRulesProvider", "acl_body"]

WORKSPACE_API_VERSION = "2025-12-01"
"""The API version of the PATCH (the one azure-ai-ml 1.35 sends ``networkAcls`` with)."""


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


class WorkspaceIpRulesProvider(ArmProvider):
    """Create and update PATCH the rules and wait for them; read returns the live ones; delete
    allows every address again."""

    api_version = WORKSPACE_API_VERSION
    default_timeout_seconds = 900.0

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
        workspace = self._arm().get(workspace_id)
        if workspace is None:
            return dynamic.ReadResult(None, {})
        acls = (workspace.get("properties") or {}).get("networkAcls") or {}
        live = [str(rule.get("value")) for rule in acls.get("ipRules") or ()]
        denied = acls.get("defaultAction") == "Deny"
        return dynamic.ReadResult(id_, {**props, "ipRules": live if denied else []})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self._patch(str(props.get("workspaceId") or id_), [])

    def _patch(self, workspace_id: str, ip_rules: list[str]) -> None:
        from components.azure_rest import AzureRestError

        try:
            self._arm().patch(workspace_id, acl_body(ip_rules))
        except AzureRestError as error:
            raise AzureRestError(f"setting IP rules: {error}") from None


class WorkspaceIpRules(DynamicResource, module="amlstack", name="WorkspaceIpRules"):
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

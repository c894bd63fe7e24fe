"""What a stack's tier changes: the settings a `dev` stack relaxes, per the baseline's dev column.

Component defaults are the secure (prod) choice. A `dev` stack starts from the presets below
instead; anything its config sets explicitly still wins. Each preset names the baseline rules
(`infra.policy.rules`) and the Azure built-in policies it relaxes, with the reason: the plan
reports every violation it causes as ``relaxed``, naming the preset, never silently. Relaxing a
rule that the stack's own tier requires is a waiver, not a preset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["PRESETS", "TIER_PRESETS", "Preset", "Tier"]

Tier = Literal["dev", "prod"]


@dataclass(frozen=True)
class Preset:
    """One workspace setting a tier starts from, and what it relaxes."""

    key: str
    """The workspace config key, dotted (``keyVault.purgeProtection``)."""
    value: Any
    reason: str
    """Why the tier chooses it: printed by the plan with each violation it causes."""
    rules: tuple[str, ...] = ()
    """Baseline rules the setting makes fail (each names its Azure built-ins)."""
    builtins: tuple[str, ...] = ()
    """Azure built-in policies (id prefixes) it makes fail that no baseline rule checks."""


_PRIVATE_LINK = ("45e05259", "6edd7eda", "1604f626", "a6abeaec", "e8eef0a8")
"""The Microsoft cloud security benchmark's "should use private link" built-ins (workspace,
storage, key vault, container registry): a workspace open to the internet has no endpoints."""

PRESETS: dict[str, tuple[Preset, ...]] = {
    "prod": (),
    "dev": (
        Preset(
            "protect",
            False,
            "dev resources are torn down and recreated freely",
            rules=("stateful-protected",),
        ),
        Preset(
            "deleteLock",
            False,
            "dev resources are torn down and recreated freely",
            rules=("stateful-delete-lock",),
        ),
        Preset(
            "network.publicNetworkAccess",
            "Enabled",
            "developers reach a dev workspace from their own machines, without private endpoints",
            rules=(
                "workspace-public-network-disabled",
                "storage-public-network-disabled",
                "storage-firewall-deny",
                "keyvault-public-network-disabled",
                "registry-public-network-disabled",
                "registry-exports-disabled",
                "endpoint-public-network-disabled",
            ),
            builtins=_PRIVATE_LINK,
        ),
        Preset(
            "network.isolationMode",
            "AllowInternetOutbound",
            "dev jobs install packages from anywhere without outbound rules",
            rules=("workspace-managed-network-approved-outbound",),
        ),
        Preset("network.outbound.firewallSku", "Basic", "cheaper; no rule depends on it"),
        Preset(
            "storage.sku",
            "Standard_LRS",
            "dev data is reproducible: one copy in one datacenter is enough",
            rules=("storage-geo-redundant", "storage-zone-redundant"),
        ),
        Preset(
            "storage.versioning",
            False,
            "dev blobs are overwritten often; old versions only cost",
            rules=("blob-versioning",),
        ),
        Preset("storage.softDeleteDays", 7, "soft delete stays on, for a shorter time"),
        Preset(
            "keyVault.purgeProtection",
            False,
            "a dev vault must be purgeable to recreate the stack under the same names",
            rules=("keyvault-purge-protection",),
        ),
        Preset("keyVault.retentionDays", 7, "soft delete stays on, for a shorter time"),
        Preset(
            "containerRegistry.sku",
            "Basic",
            "cheaper; a Basic registry cannot be private, zone-redundant or export-restricted",
            rules=("registry-premium", "registry-zone-redundant", "registry-exports-disabled"),
        ),
        Preset("monitoring.retentionDays", 30, "shorter log retention; logs still flow"),
    ),
}
"""The presets of each tier, in the order the plan reports them."""


def _nested(presets: tuple[Preset, ...]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for preset in presets:
        *parents, last = preset.key.split(".")
        target = settings
        for parent in parents:
            target = target.setdefault(parent, {})
        target[last] = preset.value
    return settings


TIER_PRESETS: dict[str, dict[str, Any]] = {
    tier: _nested(presets) for tier, presets in PRESETS.items()
}
"""Workspace settings (stack config keys) each tier starts from, before the stack's own config."""

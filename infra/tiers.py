"""What a stack's tier changes: the settings a `dev` stack relaxes, per the baseline's dev column.

Component defaults are the secure (prod) choice. A `dev` stack starts from the presets below
instead; anything its config sets explicitly still wins. Relaxing a rule that the stack's own
tier requires is a waiver, not a preset.
"""

from __future__ import annotations

from typing import Any, Literal

__all__ = ["TIER_PRESETS", "Tier"]

Tier = Literal["dev", "prod"]

TIER_PRESETS: dict[str, dict[str, Any]] = {
    "prod": {},
    "dev": {
        "protect": False,
        "deleteLock": False,
        "network": {
            "publicNetworkAccess": "Enabled",
            "isolationMode": "AllowInternetOutbound",
            "outbound": {"firewallSku": "Basic"},
        },
        "storage": {"sku": "Standard_LRS", "versioning": False, "softDeleteDays": 7},
        "keyVault": {"purgeProtection": False, "retentionDays": 7},
        "containerRegistry": {"sku": "Basic"},
        "monitoring": {"retentionDays": 30},
    },
}
"""Workspace settings (stack config keys) each tier starts from, before the stack's own config."""

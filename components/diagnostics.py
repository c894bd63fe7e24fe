"""Diagnostic settings: each resource's logs and metrics to the stack's Log Analytics workspace.

One helper (`send_logs`) and one table (`DIAGNOSTICS`) of what each resource type sends, shaped
by the Azure built-in policies that look for these settings (ids in each entry):

- The "Enable logging by category group" built-ins count exactly one ``allLogs`` entry and, for
  types that have an ``audit`` group, exactly one ``audit`` entry, one on and the other off, as
  their ``categoryGroup`` parameter says. amlstack sends ``allLogs`` (every log; ``audit`` is a
  subset of it) and lists ``audit`` off: assign those built-ins with ``categoryGroup: allLogs``.
- The older storage-service built-ins want every listed log on: the services send ``allLogs``
  alone. Queue and table services send no metrics, as those built-ins expect by default.
- Key vaults send their categories by name (``AuditEvent``, which the key vault built-ins look
  for, and ``AzurePolicyEvaluationDetails``: every category there is). Azure refuses a setting
  that mixes categories and category groups, so the key vault's category-group built-in
  (6b359d8f) cannot hold at the same time; ``docs/security.md`` says which built-ins to assign.
- A storage account itself has metrics only; its logs come from its blob, file, queue and table
  services (``<account>/blobServices/default``...), each with its own setting.

Every setting amlstack creates is named ``amlstack-log-analytics`` (`DIAGNOSTIC_SETTING_NAME`):
the built-ins that look for a setting by name take it as their ``profileName`` parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import monitor

from components.placement import Placement

__all__ = [
    "APP_INSIGHTS",
    "AUTOSCALE_SETTING",
    "CONTAINER_REGISTRY",
    "DIAGNOSTICS",
    "DIAGNOSTIC_SETTING_NAME",
    "KEY_VAULT",
    "LOG_ANALYTICS",
    "ML_REGISTRY",
    "ML_WORKSPACE",
    "ONLINE_ENDPOINT",
    "STORAGE_ACCOUNT",
    "STORAGE_SERVICES",
    "LogProfile",
    "send_logs",
]

DIAGNOSTIC_SETTING_NAME = "amlstack-log-analytics"
"""The Azure name of every diagnostic setting amlstack creates (one per resource)."""

ML_WORKSPACE = "Microsoft.MachineLearningServices/workspaces"
ML_REGISTRY = "Microsoft.MachineLearningServices/registries"
ONLINE_ENDPOINT = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
KEY_VAULT = "Microsoft.KeyVault/vaults"
STORAGE_ACCOUNT = "Microsoft.Storage/storageAccounts"
CONTAINER_REGISTRY = "Microsoft.ContainerRegistry/registries"
APP_INSIGHTS = "Microsoft.Insights/components"
LOG_ANALYTICS = "Microsoft.OperationalInsights/workspaces"
AUTOSCALE_SETTING = "Microsoft.Insights/autoscalesettings"

STORAGE_SERVICES = ("blobServices", "fileServices", "queueServices", "tableServices")
"""A storage account's services; each has its own diagnostic setting, on
``<account id>/<service>/default``."""


@dataclass(frozen=True)
class LogProfile:
    """What one resource type sends to Log Analytics."""

    groups: tuple[str, ...] = ()
    """Log category groups sent."""
    groups_off: tuple[str, ...] = ()
    """Category groups listed with ``enabled: false`` (the ``audit`` entry the category-group
    built-ins count)."""
    categories: tuple[str, ...] = ()
    """Log categories sent by name (never together with groups: Azure refuses the mix)."""
    metrics: tuple[str, ...] = ()
    """Metric categories sent."""
    builtins: tuple[str, ...] = ()
    """The Azure built-in policies (id prefixes) this setting is shaped for."""


_ALL_LOGS = ("allLogs",)
_AUDIT = ("audit",)
_ALL_METRICS = ("AllMetrics",)

DIAGNOSTICS: Mapping[str, LogProfile] = {
    ML_WORKSPACE: LogProfile(
        _ALL_LOGS, _AUDIT, metrics=_ALL_METRICS, builtins=("afe0c3be", "90c90eda")
    ),
    ML_REGISTRY: LogProfile(_ALL_LOGS, _AUDIT, builtins=("33835ef6",)),
    ONLINE_ENDPOINT: LogProfile(_ALL_LOGS, metrics=_ALL_METRICS, builtins=("5cfb9e8a",)),
    KEY_VAULT: LogProfile(
        categories=("AuditEvent", "AzurePolicyEvaluationDetails"),
        metrics=_ALL_METRICS,
        builtins=("cf820ca0", "951af2fa", "bef3f64c"),
    ),
    STORAGE_ACCOUNT: LogProfile(metrics=("Transaction",), builtins=("59759c62",)),
    f"{STORAGE_ACCOUNT}/blobServices": LogProfile(
        _ALL_LOGS, metrics=("Transaction",), builtins=("b4fe1a3b",)
    ),
    f"{STORAGE_ACCOUNT}/fileServices": LogProfile(
        _ALL_LOGS, metrics=("Transaction",), builtins=("25a70cc8",)
    ),
    f"{STORAGE_ACCOUNT}/queueServices": LogProfile(_ALL_LOGS, builtins=("7bd000e3",)),
    f"{STORAGE_ACCOUNT}/tableServices": LogProfile(_ALL_LOGS, builtins=("2fb86bf3",)),
    CONTAINER_REGISTRY: LogProfile(_ALL_LOGS, _AUDIT, metrics=_ALL_METRICS, builtins=("56288eb2",)),
    APP_INSIGHTS: LogProfile(_ALL_LOGS, metrics=_ALL_METRICS, builtins=("79494980", "244bcb20")),
    LOG_ANALYTICS: LogProfile(_ALL_LOGS, _AUDIT, metrics=_ALL_METRICS, builtins=("818719e5",)),
    AUTOSCALE_SETTING: LogProfile(_ALL_LOGS, metrics=_ALL_METRICS, builtins=("30499756",)),
}
"""What each ARM resource type amlstack creates sends (types that support diagnostic settings)."""


def send_logs(
    name: str,
    *,
    resource_type: str,
    resource_id: pulumi.Input[str],
    log_analytics_id: pulumi.Input[str],
    placement: Placement,
) -> monitor.DiagnosticSetting:
    """A diagnostic setting sending what `DIAGNOSTICS` lists for `resource_type` (an ARM type,
    e.g. ``Microsoft.KeyVault/vaults``) from `resource_id` to the Log Analytics workspace
    `log_analytics_id`."""
    profile = DIAGNOSTICS[resource_type]
    log = monitor.DiagnosticsLogSettingsArgs
    logs = [
        *(log(category_group=group, enabled=True) for group in profile.groups),
        *(log(category_group=group, enabled=False) for group in profile.groups_off),
        *(log(category=category, enabled=True) for category in profile.categories),
    ]
    metrics = [
        monitor.DiagnosticsMetricSettingsArgs(category=category, enabled=True)
        for category in profile.metrics
    ]
    return monitor.DiagnosticSetting(
        name,
        name=DIAGNOSTIC_SETTING_NAME,
        resource_uri=resource_id,
        workspace_id=log_analytics_id,
        logs=logs or None,
        metrics=metrics or None,
        opts=placement.options(),
    )

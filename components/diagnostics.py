"""Diagnostic settings: a resource's logs (and metrics) to the workspace's Log Analytics."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi_azure_native import monitor

from components.placement import Placement

__all__ = ["DIAGNOSTIC_SETTING_NAME", "send_logs"]

DIAGNOSTIC_SETTING_NAME = "amlstack-log-analytics"
"""The Azure name of every diagnostic setting amlstack creates (one per resource)."""


def send_logs(
    name: str,
    *,
    resource_id: pulumi.Input[str],
    log_analytics_id: pulumi.Input[str],
    metrics: Sequence[str] = ("AllMetrics",),
    placement: Placement,
) -> monitor.DiagnosticSetting:
    """Send every log category (category group ``allLogs``) and the given metric categories of
    `resource_id` to the Log Analytics workspace `log_analytics_id`."""
    return monitor.DiagnosticSetting(
        name,
        name=DIAGNOSTIC_SETTING_NAME,
        resource_uri=resource_id,
        workspace_id=log_analytics_id,
        logs=[monitor.DiagnosticsLogSettingsArgs(category_group="allLogs", enabled=True)],
        metrics=[
            monitor.DiagnosticsMetricSettingsArgs(category=category, enabled=True)
            for category in metrics
        ],
        opts=placement.options(),
    )

"""Log Analytics and workspace-based Application Insights, both with local (key) auth off, each
sending its own logs to the Log Analytics workspace (`components.diagnostics`)."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import applicationinsights, operationalinsights
from pydantic import Field

from components.args import Args
from components.diagnostics import APP_INSIGHTS, LOG_ANALYTICS, send_logs
from components.placement import Placement

__all__ = ["MonitoringArgs", "create_app_insights", "create_log_analytics"]


class MonitoringArgs(Args):
    """Where the workspace's logs and telemetry go."""

    retention_days: int = Field(90, ge=30, le=730)
    """Days Log Analytics keeps data (30-730). Default 90."""


def create_log_analytics(
    name: str,
    args: MonitoringArgs,
    *,
    log_analytics_name: pulumi.Input[str],
    placement: Placement,
) -> operationalinsights.Workspace:
    """A Log Analytics workspace (``<name>-logs``) that accepts Entra ID only (built-in
    e15effd4) and logs its own queries and operations to itself (818719e5)."""
    logs = operationalinsights.Workspace(
        f"{name}-logs",
        workspace_name=log_analytics_name,
        resource_group_name=placement.resource_group_name,
        location=placement.location,
        sku=operationalinsights.WorkspaceSkuArgs(
            name=operationalinsights.WorkspaceSkuNameEnum.PER_GB2018
        ),
        retention_in_days=args.retention_days,
        features=operationalinsights.WorkspaceFeaturesArgs(disable_local_auth=True),
        tags=placement.tags,
        opts=placement.options(),
    )
    send_logs(
        f"{name}-logs-diagnostics",
        resource_type=LOG_ANALYTICS,
        resource_id=logs.id,
        log_analytics_id=logs.id,
        placement=placement,
    )
    return logs


def create_app_insights(
    name: str,
    *,
    app_insights_name: pulumi.Input[str],
    log_analytics_id: pulumi.Input[str],
    placement: Placement,
) -> applicationinsights.Component:
    """Workspace-based Application Insights (``<name>-insights``) writing to `log_analytics_id`,
    Entra ID only (built-in 199d5677), its own logs sent there too."""
    insights = applicationinsights.Component(
        f"{name}-insights",
        resource_name_=app_insights_name,
        resource_group_name=placement.resource_group_name,
        location=placement.location,
        kind="web",
        application_type=applicationinsights.ApplicationType.WEB,
        ingestion_mode=applicationinsights.IngestionMode.LOG_ANALYTICS,
        workspace_resource_id=log_analytics_id,
        disable_local_auth=True,
        tags=placement.tags,
        opts=placement.options(),
    )
    send_logs(
        f"{name}-insights-diagnostics",
        resource_type=APP_INSIGHTS,
        resource_id=insights.id,
        log_analytics_id=log_analytics_id,
        placement=placement,
    )
    return insights

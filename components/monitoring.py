"""Log Analytics and workspace-based Application Insights, both with local (key) auth off, each
sending its own logs to the Log Analytics workspace (`components.diagnostics`), and their network
doors: telemetry sent in (ingestion) and read out (queries) from public networks.

Where the workspace has private endpoints in a customer network, the stack links both resources
to an Azure Monitor private link scope there (`components.private_network`), so queries from that
network stay private and public queries are off by default. Public ingestion stays on by default:
computes and online deployments in the managed network send telemetry through Azure's
``AzureMonitor`` service tag, and a managed network cannot have a private endpoint to a private
link scope (docs/guides/private-networking.md has the sources).
"""

from __future__ import annotations

import pulumi
from pulumi_azure_native import applicationinsights, operationalinsights
from pydantic import Field

from components.args import Args
from components.diagnostics import APP_INSIGHTS, LOG_ANALYTICS, send_logs
from components.network import PublicNetworkAccess
from components.placement import Placement

__all__ = ["MonitoringArgs", "create_app_insights", "create_log_analytics"]


class MonitoringArgs(Args):
    """Where the workspace's logs and telemetry go."""

    retention_days: int = Field(90, ge=30, le=730)
    """Days Log Analytics keeps data (30-730). Default 90."""
    public_ingestion: PublicNetworkAccess = "Enabled"
    """Whether Application Insights and Log Analytics accept telemetry from public networks.
    Default Enabled: the managed network's computes and online deployments reach them only over
    the public ingestion endpoints (no private endpoint to a private link scope there), so
    Disabled drops their telemetry; ``amlstack plan`` refuses such a stack. Diagnostic settings
    are not affected either way."""
    public_query: PublicNetworkAccess | None = None
    """Whether logs and metrics can be queried from public networks (the portal, studio, the SDK
    outside your network). Default: Disabled when the workspace has private endpoints
    (``network.privateEndpoints``), whose network then queries through the stack's Azure Monitor
    private link scope, Enabled otherwise."""

    def query_access(self, *, private_link: bool) -> PublicNetworkAccess:
        """`public_query`, or its default for a workspace with (or without) private endpoints."""
        if self.public_query is not None:
            return self.public_query
        return "Disabled" if private_link else "Enabled"


def create_log_analytics(
    name: str,
    args: MonitoringArgs,
    *,
    log_analytics_name: pulumi.Input[str],
    placement: Placement,
    public_ingestion: PublicNetworkAccess = "Enabled",
    public_query: PublicNetworkAccess = "Enabled",
) -> operationalinsights.Workspace:
    """A Log Analytics workspace (``<name>-logs``) that accepts Entra ID only (built-in
    e15effd4) and logs its own queries and operations to itself (818719e5). Default: telemetry
    and queries from public networks accepted."""
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
        public_network_access_for_ingestion=public_ingestion,
        public_network_access_for_query=public_query,
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
    public_ingestion: PublicNetworkAccess = "Enabled",
    public_query: PublicNetworkAccess = "Enabled",
) -> applicationinsights.Component:
    """Workspace-based Application Insights (``<name>-insights``) writing to `log_analytics_id`,
    Entra ID only (built-in 199d5677), its own logs sent there too. Default: telemetry and
    queries from public networks accepted."""
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
        public_network_access_for_ingestion=public_ingestion,
        public_network_access_for_query=public_query,
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

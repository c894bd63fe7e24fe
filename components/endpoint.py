"""Managed online endpoints: several deployments, and the traffic split applied after them.

One ``OnlineEndpoint`` creates the endpoint (token authentication by default, no traffic), its
managed deployments one after another (model, environment, scoring code, instance type and count,
request settings, probes, Application Insights on), an autoscale setting per deployment that asks
for one, and last an `EndpointTraffic` resource that writes ``traffic`` and ``mirrorTraffic`` once
every deployment exists. Blue/green is then a config edit: add a deployment at 0%, shift the
split, drop the old deployment.

The component takes resolved asset ids (`DeploymentAssets`); `components.references` turns the
references written in config into those ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import pulumi
from pulumi_azure_native import authorization, machinelearningservices, monitor
from pydantic import Field, StrictInt, ValidationInfo, field_validator

from components import diagnostics
from components.args import Args, check_unique
from components.code_asset import LocalCode, create_code_version
from components.deployment import (
    AutoscaleArgs,
    CodeArgs,
    DeploymentArgs,
    probe_settings,
    request_settings,
)
from components.diagnostics import send_logs
from components.durations import iso_duration
from components.endpoint_patch import endpoint_revision
from components.endpoint_traffic import EndpointTraffic
from components.errors import ConfigError
from components.naming import (
    ONLINE_ENDPOINT,
    NameRule,
    check_key,
    check_name,
    derive_name,
    unique_suffix,
)
from components.network import PublicNetworkAccess
from components.outputs import EndpointOutput, Pending
from components.placement import Placement
from components.traffic import complete_split, mirror_problems, traffic_problems
from components.workspace_ref import WorkspaceRef

__all__ = [
    "AuthMode",
    "DeploymentAssets",
    "EndpointIdentity",
    "OnlineEndpoint",
    "OnlineEndpointArgs",
    "endpoint_azure_name",
    "scoring_code",
]

AuthMode = Literal["AMLToken", "AADToken", "Key"]
EndpointIdentity = Literal["SystemAssigned", "Workspace"]

_CPU_METRIC = "CpuUtilizationPercentage"
_DEPLOYMENT_METRICS = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments"


class OnlineEndpointArgs(Args):
    """A managed online endpoint, its deployments and its traffic split."""

    name: str
    """Short key of the endpoint within its workspace (``scoring``): 2-24 lowercase letters,
    digits and hyphens. The Azure name is derived from it unless `endpointName` is set."""
    endpoint_name: str | None = None
    """The Azure name, unique in the region (it is the scoring URI's host name). Default:
    derived from stack, workspace and key, ending with a hash of subscription, resource group,
    project, stack, workspace and key (``ept-dev-main-credit-1a2b3c``)."""
    description: str = ""
    """Shown in Azure ML studio."""
    auth_mode: AuthMode = "AMLToken"
    """How clients authenticate: ``AMLToken`` (default, Azure ML tokens) or ``AADToken``
    (Microsoft Entra tokens); ``Key`` (static keys) only as an explicit choice."""
    public_network_access: PublicNetworkAccess | None = None
    """Whether the scoring URI is reachable from the internet. Default: the workspace's
    ``network.publicNetworkAccess``."""
    identity: EndpointIdentity = "SystemAssigned"
    """Identity the deployments run as: ``SystemAssigned`` (default; Azure ML grants it pull
    access to the workspace's registry and storage) or ``Workspace`` (the workspace's
    user-assigned identity, which also holds AzureML Registry User on the stack's registry)."""
    deployments: tuple[DeploymentArgs, ...] = ()
    """The deployments, created one after another in this order (Azure ML refuses or cancels
    overlapping operations on one endpoint). Default none."""
    traffic: dict[str, StrictInt] = Field(default_factory=dict)
    """Live traffic: deployment name -> integer percentage, summing to 100 (empty with no
    deployments). Deployments left out get 0."""
    mirror_traffic: dict[str, StrictInt] = Field(default_factory=dict)
    """Mirrored traffic: at most 50% copied to one deployment with no live traffic; its answers
    are discarded. Default none."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Extra Azure tags on the endpoint, its deployments and autoscale settings."""

    @field_validator("name")
    @classmethod
    def _valid_key(cls, value: str) -> str:
        return check_key(value)

    @field_validator("endpoint_name")
    @classmethod
    def _valid_azure_name(cls, value: str | None) -> str | None:
        return None if value is None else ONLINE_ENDPOINT.require(value)

    @field_validator("deployments")
    @classmethod
    def _unique_deployments(
        cls, deployments: tuple[DeploymentArgs, ...]
    ) -> tuple[DeploymentArgs, ...]:
        check_unique([d.name for d in deployments], "deployment names must be unique")
        return deployments

    @field_validator("traffic")
    @classmethod
    def _valid_traffic(cls, traffic: dict[str, int], info: ValidationInfo) -> dict[str, int]:
        if "deployments" in info.data:
            problems = traffic_problems(traffic, cls._names(info))
            if problems:
                raise ValueError("; ".join(problems))
        return traffic

    @field_validator("mirror_traffic")
    @classmethod
    def _valid_mirror(cls, mirror: dict[str, int], info: ValidationInfo) -> dict[str, int]:
        if "deployments" in info.data and "traffic" in info.data:
            problems = mirror_problems(mirror, info.data["traffic"], cls._names(info))
            if problems:
                raise ValueError("; ".join(problems))
        return mirror

    @staticmethod
    def _names(info: ValidationInfo) -> list[str]:
        return [d.name for d in info.data["deployments"]]

    @property
    def deployment_names(self) -> list[str]:
        return [d.name for d in self.deployments]


@dataclass(frozen=True)
class DeploymentAssets:
    """A deployment's resolved assets: ids Azure accepts, or code for the stack to upload."""

    model: pulumi.Input[str]
    environment: pulumi.Input[str] | None = None
    code: pulumi.Input[str] | LocalCode | None = None


class OnlineEndpoint(pulumi.ComponentResource):
    """A managed online endpoint, its deployments, their autoscale, and its traffic split."""

    def __init__(
        self,
        name: str,
        args: OnlineEndpointArgs,
        *,
        workspace: WorkspaceRef,
        assets: Mapping[str, DeploymentAssets],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Create the endpoint in `workspace`; `assets` gives each deployment's resolved model,
        environment and code. `Workspace.add_endpoint` parents it to the workspace."""
        missing = [n for n in args.deployment_names if n not in assets]
        if missing:
            raise ConfigError.single(
                f"{name}: assets", missing, "give DeploymentAssets for every deployment"
            )
        super().__init__("amlstack:ml:OnlineEndpoint", name, None, opts)
        self._args = args
        self._workspace = workspace
        self._tags = {**workspace.tags, "endpoint": args.name, **args.tags}
        self._placement = Placement(
            workspace.resource_group_name, workspace.location, self._tags, self
        )
        public = args.public_network_access or workspace.public_network_access
        self.endpoint = machinelearningservices.OnlineEndpoint(
            f"{name}-endpoint",
            endpoint_name=endpoint_azure_name(
                ONLINE_ENDPOINT, workspace, args.name, args.endpoint_name, parent=self
            ),
            workspace_name=workspace.name,
            resource_group_name=workspace.resource_group_name,
            location=workspace.location,
            identity=self._identity(workspace),
            properties=machinelearningservices.OnlineEndpointPropertiesArgs(
                auth_mode=args.auth_mode,
                public_network_access=public,
                description=args.description or None,
            ),
            tags=self._tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        send_logs(
            f"{name}-diagnostics",
            resource_type=diagnostics.ONLINE_ENDPOINT,
            resource_id=self.endpoint.id,
            log_analytics_id=workspace.log_analytics_id,
            placement=self._placement,
        )
        self.deployments = self._create_deployments(name, assets)
        self.traffic = EndpointTraffic(
            f"{name}-traffic",
            endpoint_id=self.endpoint.id,
            traffic=complete_split(args.traffic, args.deployment_names),
            mirror_traffic={k: v for k, v in args.mirror_traffic.items() if v},
            endpoint_revision=_revision(args, public),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.deployments.values())),
        )
        self.deployment_names: tuple[str, ...] = tuple(args.deployment_names)
        self.endpoint_name: pulumi.Output[str] = self.endpoint.name
        self.scoring_uri: pulumi.Output[str] = self.endpoint.properties.scoring_uri
        self.register_outputs(
            {
                "endpointName": self.endpoint_name,
                "scoringUri": self.scoring_uri,
                "deployments": args.deployment_names,
                "traffic": self.traffic.traffic,
            }
        )

    def outputs(self) -> Pending[EndpointOutput]:
        """This endpoint's entry in the stack outputs (``endpoints.<key>``)."""
        return EndpointOutput.pending(
            name=self.endpoint_name,
            scoring_uri=self.scoring_uri,
            deployments=list(self.deployment_names),
            traffic=self.traffic.traffic,
        )

    def _create_deployments(
        self, name: str, assets: Mapping[str, DeploymentAssets]
    ) -> dict[str, machinelearningservices.OnlineDeployment]:
        """The deployments one after another, each with its autoscale setting if it has one."""
        deployments: dict[str, machinelearningservices.OnlineDeployment] = {}
        previous: list[pulumi.Resource] = []
        for deployment in self._args.deployments:
            created = self._deployment(name, deployment, assets[deployment.name], previous)
            deployments[deployment.name] = created
            # Each deployment waits for the one before: Azure ML refuses to create a deployment
            # while its endpoint is in the Updating state (Azure/azure-sdk-for-net#36961) and
            # cancels an operation that overlaps another on the endpoint ("OperationCanceled",
            # how-to-troubleshoot-online-endpoints); neither azure-ai-ml nor pulumi-azure-native
            # retries. Nothing documents concurrent creation as supported:
            # docs/internals/deployment-parallelism.md, and `ORDERINGS` in
            # infra/plan/critical_path.py for the critical path.
            previous = [created]
            if deployment.autoscale is not None:
                self._autoscale(name, deployment, deployment.autoscale, created)
        return deployments

    def _identity(
        self, workspace: WorkspaceRef
    ) -> machinelearningservices.ManagedServiceIdentityArgs:
        if self._args.identity == "Workspace":
            return machinelearningservices.ManagedServiceIdentityArgs(
                type=machinelearningservices.ManagedServiceIdentityType.USER_ASSIGNED,
                user_assigned_identities=[workspace.identity_id],
            )
        return machinelearningservices.ManagedServiceIdentityArgs(
            type=machinelearningservices.ManagedServiceIdentityType.SYSTEM_ASSIGNED
        )

    def _deployment(
        self,
        name: str,
        deployment: DeploymentArgs,
        assets: DeploymentAssets,
        after: Sequence[pulumi.Resource],
    ) -> machinelearningservices.OnlineDeployment:
        workspace = self._workspace
        code = scoring_code(
            f"{name}-{deployment.name}-code",
            deployment.code,
            assets.code,
            asset_name=f"{workspace.key}-{self._args.name}-{deployment.name}",
            workspace=workspace,
            parent=self,
        )
        return machinelearningservices.OnlineDeployment(
            f"{name}-{deployment.name}",
            deployment_name=deployment.name,
            endpoint_name=self.endpoint.name,
            workspace_name=workspace.name,
            resource_group_name=workspace.resource_group_name,
            location=workspace.location,
            sku=machinelearningservices.SkuArgs(name="Default", capacity=deployment.instance_count),
            properties=machinelearningservices.ManagedOnlineDeploymentArgs(
                endpoint_compute_type="Managed",
                model=assets.model,
                environment_id=assets.environment,
                code_configuration=code,
                instance_type=deployment.instance_type,
                app_insights_enabled=deployment.app_insights_enabled,
                environment_variables=deployment.environment_variables or None,
                request_settings=request_settings(deployment.request_settings),
                liveness_probe=probe_settings(deployment.liveness_probe),
                readiness_probe=probe_settings(deployment.readiness_probe),
                scale_settings=machinelearningservices.DefaultScaleSettingsArgs(
                    scale_type="Default"
                ),
                description=deployment.description or None,
            ),
            tags=self._tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(after)),
        )

    def _autoscale(
        self,
        name: str,
        deployment: DeploymentArgs,
        autoscale: AutoscaleArgs,
        target: machinelearningservices.OnlineDeployment,
    ) -> monitor.AutoscaleSetting:
        setting = monitor.AutoscaleSetting(
            f"{name}-{deployment.name}-autoscale",
            autoscale_setting_name=self.endpoint.name.apply(
                lambda endpoint: f"{endpoint}-{deployment.name}-autoscale"
            ),
            resource_group_name=self._workspace.resource_group_name,
            location=self._workspace.location,
            target_resource_uri=target.id,
            enabled=True,
            profiles=[
                monitor.AutoscaleProfileArgs(
                    name="cpu",
                    capacity=monitor.ScaleCapacityArgs(
                        minimum=str(autoscale.min_instances),
                        maximum=str(autoscale.max_instances),
                        default=str(deployment.instance_count),
                    ),
                    rules=[
                        _cpu_rule(
                            target.id,
                            monitor.ScaleDirection.INCREASE,
                            monitor.ComparisonOperationType.GREATER_THAN,
                            autoscale.scale_out_cpu,
                            cooldown_minutes=autoscale.cooldown_minutes,
                        ),
                        _cpu_rule(
                            target.id,
                            monitor.ScaleDirection.DECREASE,
                            monitor.ComparisonOperationType.LESS_THAN,
                            autoscale.scale_in_cpu,
                            cooldown_minutes=autoscale.cooldown_minutes,
                        ),
                    ],
                )
            ],
            tags=self._tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        send_logs(
            f"{name}-{deployment.name}-autoscale-diagnostics",
            resource_type=diagnostics.AUTOSCALE_SETTING,
            resource_id=setting.id,
            log_analytics_id=self._workspace.log_analytics_id,
            placement=self._placement,
        )
        return setting


def endpoint_azure_name(
    rule: NameRule,
    workspace: WorkspaceRef,
    key: str,
    endpoint_name: str | None,
    *,
    parent: pulumi.Resource,
) -> pulumi.Input[str]:
    """An endpoint's Azure name: `endpoint_name` when config sets it, else derived from stack,
    workspace and `key`, ending with a hash of subscription, resource group, project, stack,
    workspace and key (endpoint names are unique in the region)."""
    if endpoint_name:
        return check_name(rule, endpoint_name, field="endpointName")
    project, stack = pulumi.get_project(), pulumi.get_stack()
    client = authorization.get_client_config_output(opts=pulumi.InvokeOutputOptions(parent=parent))
    return pulumi.Output.all(client.subscription_id, workspace.resource_group_name).apply(
        lambda ids: derive_name(
            rule,
            stack,
            workspace.key,
            key,
            unique=unique_suffix(*ids, project, stack, workspace.key, key),
        )
    )


def scoring_code(
    resource_name: str,
    code: CodeArgs | None,
    asset: pulumi.Input[str] | LocalCode | None,
    *,
    asset_name: str,
    workspace: WorkspaceRef,
    parent: pulumi.Resource,
) -> machinelearningservices.CodeConfigurationArgs | None:
    """A deployment's scoring code as Azure takes it; a `LocalCode` folder is uploaded first and
    registered as a version of the code asset `asset_name`."""
    if code is None:
        return None
    if isinstance(asset, LocalCode):
        asset = create_code_version(
            resource_name,
            asset,
            asset_name=asset_name,
            workspace=workspace,
            parent=parent,
        ).id
    return machinelearningservices.CodeConfigurationArgs(
        code_id=asset, scoring_script=code.scoring_script
    )


def _cpu_rule(
    deployment_id: pulumi.Input[str],
    direction: monitor.ScaleDirection,
    operator: monitor.ComparisonOperationType,
    threshold: int,
    *,
    cooldown_minutes: int,
) -> monitor.ScaleRuleArgs:
    """Scale by one instance when the deployment's average CPU over 5 minutes crosses
    `threshold`."""
    return monitor.ScaleRuleArgs(
        metric_trigger=monitor.MetricTriggerArgs(
            metric_name=_CPU_METRIC,
            metric_namespace=_DEPLOYMENT_METRICS,
            metric_resource_uri=deployment_id,
            operator=operator,
            statistic=monitor.MetricStatisticType.AVERAGE,
            threshold=threshold,
            time_aggregation=monitor.TimeAggregationType.AVERAGE,
            time_grain="PT1M",
            time_window="PT5M",
        ),
        scale_action=monitor.ScaleActionArgs(
            direction=direction,
            type=monitor.ScaleType.CHANGE_COUNT,
            value="1",
            cooldown=iso_duration(timedelta(minutes=cooldown_minutes)),
        ),
    )


def _revision(args: OnlineEndpointArgs, public: str) -> str:
    """A hash of the endpoint's own settings: the split is written again when they change."""
    settings = {
        "authMode": args.auth_mode,
        "description": args.description,
        "identity": args.identity,
        "publicNetworkAccess": public,
        "tags": args.tags,
    }
    return endpoint_revision(settings)

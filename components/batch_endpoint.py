"""Batch endpoints: deployments that score (or run pipelines over) data on a compute cluster.

One ``BatchEndpoint`` creates the endpoint (Microsoft Entra token authentication, the only kind
batch endpoints have; its network follows the workspace's when it is created), its deployments one
after another, and last a `BatchEndpointDefaults` resource that makes one deployment the default
once every deployment exists. Switching the default is then a config edit, like an online
endpoint's traffic.

Deployments come in two kinds, as azure-ai-ml's ``type:``:

- ``model``: a model (with an environment and scoring code, or an MLflow model without either)
  scored by mini-batches on a compute cluster of the workspace;
- ``pipeline``: a registered pipeline component (workspace or registry) run as a pipeline job.

The component takes resolved ids (`DeploymentAssets`, `PipelineAssets`) and the workspace's
clusters by name, like `OnlineEndpoint`; `Workspace.add_batch_endpoint` hands them over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Literal

import pulumi
from pulumi_azure_native import machinelearningservices as ml
from pydantic import Field, ValidationInfo, field_validator

from components.args import Args, check_unique, spelt_as
from components.batch_defaults import BatchEndpointDefaults
from components.compute import ComputeCluster
from components.deployment import ScoringArgs
from components.durations import iso_duration
from components.endpoint import DeploymentAssets, endpoint_azure_name, scoring_code
from components.endpoint_patch import endpoint_revision
from components.errors import ConfigError
from components.naming import BATCH_DEPLOYMENT, BATCH_ENDPOINT, check_key
from components.outputs import BatchEndpointOutput, Pending
from components.references import AssetRef, parse_reference
from components.workspace_ref import WorkspaceRef

__all__ = [
    "BatchDeploymentArgs",
    "BatchEndpoint",
    "BatchEndpointArgs",
    "BatchModelDeploymentArgs",
    "BatchPipelineDeploymentArgs",
    "BatchRetryArgs",
    "PipelineAssets",
    "PipelineSettingsArgs",
    "batch_compute_problem",
    "deployment_compute",
]

_PREFIX = "azureml:"


_OutputAction = Literal["AppendRow", "SummaryOnly"]
_LoggingLevel = Literal["Debug", "Info", "Warning"]
# In any case, and azure-ai-ml's YAML spelling (``append_row``) works for Azure's (``AppendRow``).
OutputAction = Annotated[_OutputAction, spelt_as(_OutputAction, ignoring="_")]
LoggingLevel = Annotated[_LoggingLevel, spelt_as(_LoggingLevel, ignoring="_")]


def batch_compute_problem(
    compute: str, clusters: Sequence[str], instances: Sequence[str]
) -> str | None:
    """Why a batch deployment cannot run on `compute` in a workspace with these clusters and
    instances (None when it can): batch jobs run on compute clusters only."""
    name = compute.removeprefix(_PREFIX)
    if name in clusters:
        return None
    known = ", ".join(clusters) or "none"
    if name in instances:
        return f"{name!r} is a compute instance; batch deployments run on a cluster ({known})"
    return f"not a compute cluster of this workspace; expected one of its clusters ({known})"


class BatchRetryArgs(Args):
    """How often a failed mini-batch is retried, and how long one may take."""

    max_retries: int | None = Field(default=None, ge=0)
    """Retries of a failed mini-batch. Default: Azure's (3)."""
    timeout: int | None = Field(default=None, ge=1)
    """Seconds one mini-batch may take (azure-ai-ml writes seconds too). Default: Azure's (30)."""


class BatchModelDeploymentArgs(ScoringArgs):
    """A model scored in mini-batches on a compute cluster (azure-ai-ml ``type: model``)."""

    type: Literal["model"] = "model"
    """``model`` (the default kind)."""
    name: str
    """Deployment name: 3-32 letters, digits and hyphens, starting with a letter."""
    compute: str
    """The compute cluster of this workspace the jobs run on, by name (``cpu-cluster``;
    ``azureml:cpu-cluster`` works too). Required; compute instances are not allowed."""
    instance_count: int = Field(default=1, ge=1)
    """Nodes of the cluster a job uses. Default 1."""
    max_concurrency_per_instance: int | None = Field(default=None, ge=1)
    """Scoring processes per node. Default: Azure's (1)."""
    mini_batch_size: int | None = Field(default=None, ge=1)
    """Files per mini-batch (for file inputs). Default: Azure's (10)."""
    output_action: OutputAction | None = None
    """``AppendRow`` (append each prediction to `outputFileName`) or ``SummaryOnly`` (the
    scoring script writes its own outputs). azure-ai-ml's ``append_row`` works too. Default:
    Azure's (AppendRow)."""
    output_file_name: str | None = None
    """File the predictions are appended to (``AppendRow`` only). Default: Azure's
    (predictions.csv)."""
    retry_settings: BatchRetryArgs | None = None
    """Retries and timeout of a mini-batch. Default: Azure's."""
    error_threshold: int | None = Field(default=None, ge=-1)
    """Failed mini-batch items after which the job fails; -1 ignores every failure. Default:
    Azure's (-1)."""
    logging_level: LoggingLevel | None = None
    """``Debug``, ``Info`` or ``Warning`` (any case). Default: Azure's (Info)."""
    description: str = ""
    """Shown in Azure ML studio."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Extra Azure tags on the deployment."""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return BATCH_DEPLOYMENT.require(value)

    @field_validator("output_file_name")
    @classmethod
    def _file_needs_append_row(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("output_action") == "SummaryOnly":
            raise ValueError(
                "SummaryOnly writes no predictions file; remove outputFileName or use AppendRow"
            )
        return value


class PipelineSettingsArgs(Args):
    """Run-time settings of the pipeline job a pipeline deployment starts."""

    default_compute: str | None = None
    """The compute cluster of this workspace for steps that name none. Default: the
    component's own choice."""
    default_datastore: str | None = None
    """Datastore for step outputs. Default: the workspace's default datastore."""
    continue_on_step_failure: bool | None = None
    """Keep running independent steps after one fails. Default: Azure's (false)."""

    def as_azure(self) -> dict[str, str]:
        """The settings as Azure stores them: a map of strings, keys as azure-ai-ml writes."""
        values: dict[str, object] = {
            "default_compute": self.default_compute,
            "default_datastore": self.default_datastore,
            "continue_on_step_failure": self.continue_on_step_failure,
        }
        return {
            key: (str(value).lower() if isinstance(value, bool) else str(value))
            for key, value in values.items()
            if value is not None
        }


class BatchPipelineDeploymentArgs(Args):
    """A registered pipeline component run as a job (azure-ai-ml ``type: pipeline``)."""

    type: Literal["pipeline"]
    """``pipeline``."""
    name: str
    """Deployment name: 3-32 letters, digits and hyphens, starting with a letter."""
    component: str
    """The pipeline component, pinned: ``azureml:<name>:<version>`` (this workspace),
    ``azureml://registries/<registry>/components/<name>/versions/<version>`` or an ARM id.
    Required."""
    settings: PipelineSettingsArgs = Field(default_factory=PipelineSettingsArgs)
    """Default compute and datastore, failure handling. Default: the component's."""
    description: str = ""
    """Shown in Azure ML studio."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Extra Azure tags on the deployment."""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return BATCH_DEPLOYMENT.require(value)

    @field_validator("component")
    @classmethod
    def _valid_component(cls, value: str) -> str:
        parse_reference(value, "components")
        return value

    @property
    def component_ref(self) -> AssetRef:
        return parse_reference(self.component, "components")


BatchDeploymentArgs = Annotated[
    BatchModelDeploymentArgs | BatchPipelineDeploymentArgs, Field(discriminator="type")
]
"""A batch deployment of either kind, told apart by ``type`` (``model`` when left out)."""


class BatchEndpointArgs(Args):
    """A batch endpoint, its deployments and its default deployment."""

    name: str
    """Short key of the endpoint within its workspace (``scoring``): 2-24 lowercase letters,
    digits and hyphens. The Azure name is derived from it unless `endpointName` is set."""
    endpoint_name: str | None = None
    """The Azure name, unique in the region among online and batch endpoints. Default: derived
    from stack, workspace and key, ending with a hash (``bep-dev-main-credit-1a2b3c``)."""
    description: str = ""
    """Shown in Azure ML studio."""
    auth_mode: Literal["AADToken"] = "AADToken"
    """How callers authenticate: Microsoft Entra tokens, the only mode batch endpoints have."""
    deployments: tuple[BatchDeploymentArgs, ...] = ()
    """The deployments, created one after another in this order (Azure ML refuses or cancels
    overlapping operations on one endpoint). Default none."""
    default_deployment: str | None = None
    """The deployment that runs when the endpoint is invoked without naming one. Default: the
    first deployment. Switching it is a config edit."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Extra Azure tags on the endpoint and its deployments."""

    @field_validator("name")
    @classmethod
    def _valid_key(cls, value: str) -> str:
        return check_key(value)

    @field_validator("endpoint_name")
    @classmethod
    def _valid_azure_name(cls, value: str | None) -> str | None:
        return None if value is None else BATCH_ENDPOINT.require(value)

    @field_validator("deployments", mode="before")
    @classmethod
    def _model_by_default(cls, deployments: Any) -> Any:
        """A deployment that names no ``type`` is a model deployment, as in azure-ai-ml."""
        if not isinstance(deployments, list | tuple):
            return deployments
        return [
            {"type": "model", **d} if isinstance(d, Mapping) and "type" not in d else d
            for d in deployments
        ]

    @field_validator("deployments")
    @classmethod
    def _unique_deployments(
        cls, deployments: tuple[BatchDeploymentArgs, ...]
    ) -> tuple[BatchDeploymentArgs, ...]:
        check_unique([d.name for d in deployments], "deployment names must be unique")
        return deployments

    @field_validator("default_deployment")
    @classmethod
    def _default_exists(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or "deployments" not in info.data:
            return value
        names = [d.name for d in info.data["deployments"]]
        if value not in names:
            raise ValueError(
                f"not a deployment of this endpoint; expected one of: {', '.join(names)}"
                if names
                else "the endpoint has no deployments; add one or remove defaultDeployment"
            )
        return value

    @property
    def deployment_names(self) -> list[str]:
        return [d.name for d in self.deployments]

    @property
    def default(self) -> str | None:
        """The default deployment: `defaultDeployment`, else the first one (None without any)."""
        return self.default_deployment or next(iter(self.deployment_names), None)


@dataclass(frozen=True)
class PipelineAssets:
    """A pipeline deployment's resolved component: the id Azure accepts."""

    component: pulumi.Input[str]


class BatchEndpoint(pulumi.ComponentResource):
    """A batch endpoint, its deployments, and the resource that sets its default deployment."""

    def __init__(
        self,
        name: str,
        args: BatchEndpointArgs,
        *,
        workspace: WorkspaceRef,
        assets: Mapping[str, DeploymentAssets | PipelineAssets],
        clusters: Mapping[str, ComputeCluster],
        instances: Sequence[str] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Create the endpoint in `workspace`. `assets` gives each deployment's resolved ids;
        `clusters` are the workspace's compute clusters by name, which deployments run on and
        wait for (`instances`, its compute instances' names, only explain a refusal).
        `Workspace.add_batch_endpoint` parents it to the workspace."""
        _check_inputs(name, args, assets, clusters, instances)
        super().__init__("amlstack:ml:BatchEndpoint", name, None, opts)
        self._args = args
        self._workspace = workspace
        self._tags = {**workspace.tags, "endpoint": args.name, **args.tags}
        self.endpoint = ml.BatchEndpoint(
            f"{name}-endpoint",
            endpoint_name=endpoint_azure_name(
                BATCH_ENDPOINT, workspace, args.name, args.endpoint_name, parent=self
            ),
            workspace_name=workspace.name,
            resource_group_name=workspace.resource_group_name,
            location=workspace.location,
            properties=ml.BatchEndpointPropertiesArgs(
                auth_mode=args.auth_mode, description=args.description or None
            ),
            tags=self._tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.deployments: dict[str, ml.BatchDeployment] = {}
        previous: list[pulumi.Resource] = []
        for deployment in args.deployments:
            created = self._deployment(
                name, deployment, assets[deployment.name], clusters, previous
            )
            self.deployments[deployment.name] = created
            # One at a time, like the deployments of an online endpoint (components/endpoint.py):
            # a deployment is an operation on its endpoint, which Azure ML refuses or cancels
            # while another runs (Azure/azure-cli#17075: "another operation on same entity is
            # already running"); docs/internals/deployment-parallelism.md.
            previous = [created]
        default = args.default
        self.defaults = (
            BatchEndpointDefaults(
                f"{name}-defaults",
                endpoint_id=self.endpoint.id,
                deployment_name=default,
                endpoint_revision=_revision(args),
                opts=pulumi.ResourceOptions(
                    parent=self, depends_on=list(self.deployments.values())
                ),
            )
            if default is not None
            else None
        )
        self.deployment_names: tuple[str, ...] = tuple(args.deployment_names)
        self.default_deployment: str | None = default
        self.endpoint_name: pulumi.Output[str] = self.endpoint.name
        self.scoring_uri: pulumi.Output[str] = self.endpoint.properties.scoring_uri
        self.register_outputs(
            {
                "endpointName": self.endpoint_name,
                "scoringUri": self.scoring_uri,
                "deployments": args.deployment_names,
                "defaultDeployment": default,
            }
        )

    def outputs(self) -> Pending[BatchEndpointOutput]:
        """This endpoint's entry in the stack outputs (``batchEndpoints.<key>``)."""
        return BatchEndpointOutput.pending(
            name=self.endpoint_name,
            scoring_uri=self.scoring_uri,
            deployments=list(self.deployment_names),
            default_deployment=self.default_deployment,
        )

    def _deployment(
        self,
        name: str,
        deployment: BatchModelDeploymentArgs | BatchPipelineDeploymentArgs,
        assets: DeploymentAssets | PipelineAssets,
        clusters: Mapping[str, ComputeCluster],
        after: Sequence[pulumi.Resource],
    ) -> ml.BatchDeployment:
        cluster = _cluster_of(deployment)
        if isinstance(deployment, BatchModelDeploymentArgs):
            assert isinstance(assets, DeploymentAssets)  # checked by _check_inputs
            properties = self._model_properties(name, deployment, assets, clusters[cluster or ""])
        else:
            assert isinstance(assets, PipelineAssets)
            properties = _pipeline_properties(deployment, assets)
        waits = [*after, *([clusters[cluster]] if cluster is not None else [])]
        return ml.BatchDeployment(
            f"{name}-{deployment.name}",
            deployment_name=deployment.name,
            endpoint_name=self.endpoint.name,
            workspace_name=self._workspace.name,
            resource_group_name=self._workspace.resource_group_name,
            location=self._workspace.location,
            properties=properties,
            tags={**self._tags, **deployment.tags},
            opts=pulumi.ResourceOptions(parent=self, depends_on=waits),
        )

    def _model_properties(
        self,
        name: str,
        deployment: BatchModelDeploymentArgs,
        assets: DeploymentAssets,
        cluster: ComputeCluster,
    ) -> ml.BatchDeploymentPropertiesArgs:
        workspace = self._workspace
        retry = deployment.retry_settings
        return ml.BatchDeploymentPropertiesArgs(
            model=ml.IdAssetReferenceArgs(asset_id=assets.model, reference_type="Id"),
            environment_id=assets.environment,
            code_configuration=scoring_code(
                f"{name}-{deployment.name}-code",
                deployment.code,
                assets.code,
                asset_name=f"{workspace.key}-batch-{self._args.name}-{deployment.name}",
                workspace=workspace,
                parent=self,
            ),
            compute=cluster.id,
            resources=ml.DeploymentResourceConfigurationArgs(
                instance_count=deployment.instance_count
            ),
            max_concurrency_per_instance=deployment.max_concurrency_per_instance,
            mini_batch_size=deployment.mini_batch_size,
            output_action=deployment.output_action,
            output_file_name=deployment.output_file_name,
            retry_settings=(
                ml.BatchRetrySettingsArgs(
                    max_retries=retry.max_retries,
                    timeout=None
                    if retry.timeout is None
                    else iso_duration(timedelta(seconds=retry.timeout)),
                )
                if retry is not None
                else None
            ),
            error_threshold=deployment.error_threshold,
            logging_level=deployment.logging_level,
            environment_variables=deployment.environment_variables or None,
            description=deployment.description or None,
        )


def _pipeline_properties(
    deployment: BatchPipelineDeploymentArgs, assets: PipelineAssets
) -> ml.BatchDeploymentPropertiesArgs:
    return ml.BatchDeploymentPropertiesArgs(
        deployment_configuration=ml.BatchPipelineComponentDeploymentConfigurationArgs(
            deployment_configuration_type="PipelineComponent",
            component_id=ml.IdAssetReferenceArgs(asset_id=assets.component, reference_type="Id"),
            settings=deployment.settings.as_azure() or None,
        ),
        description=deployment.description or None,
    )


def deployment_compute(
    deployment: BatchModelDeploymentArgs | BatchPipelineDeploymentArgs,
) -> tuple[str, str | None]:
    """The key naming a deployment's compute (``compute``, ``settings.defaultCompute``) and the
    compute as written there (None: a pipeline that leaves it to its component)."""
    if isinstance(deployment, BatchModelDeploymentArgs):
        return "compute", deployment.compute
    return "settings.defaultCompute", deployment.settings.default_compute


def _cluster_of(deployment: BatchModelDeploymentArgs | BatchPipelineDeploymentArgs) -> str | None:
    """The cluster a deployment runs on, by name."""
    compute = deployment_compute(deployment)[1]
    return None if compute is None else compute.removeprefix(_PREFIX)


def _check_inputs(
    name: str,
    args: BatchEndpointArgs,
    assets: Mapping[str, DeploymentAssets | PipelineAssets],
    clusters: Mapping[str, ComputeCluster],
    instances: Sequence[str],
) -> None:
    """Every deployment has assets of its kind and runs on a cluster it is given."""
    for deployment in args.deployments:
        wanted = (
            DeploymentAssets if isinstance(deployment, BatchModelDeploymentArgs) else PipelineAssets
        )
        if not isinstance(assets.get(deployment.name), wanted):
            raise ConfigError.single(
                f"{name}: assets[{deployment.name}]",
                assets.get(deployment.name),
                f"give {wanted.__name__} for every {deployment.type} deployment",
            )
        key, compute = deployment_compute(deployment)
        problem = compute and batch_compute_problem(compute, list(clusters), instances)
        if problem:
            raise ConfigError.single(
                f"{name}.deployments[{deployment.name}].{key}", compute, problem
            )


def _revision(args: BatchEndpointArgs) -> str:
    """A hash of the endpoint's own settings: the default is written again when they change."""
    settings = {"authMode": args.auth_mode, "description": args.description, "tags": args.tags}
    return endpoint_revision(settings)

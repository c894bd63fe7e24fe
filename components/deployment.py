"""One managed deployment of an online endpoint, as stack config describes it.

Model, environment and scoring code are references (`components.references`) and, with the
environment variables, shared with batch model deployments (`ScoringArgs`); instance type and
count, request settings, probes, Application Insights and an optional CPU autoscale are the
deployment's own settings. Times are written as azure-ai-ml writes them
(seconds for probes, milliseconds for requests) and sent to Azure as ISO 8601 durations.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pulumi_azure_native import machinelearningservices
from pydantic import Field, ValidationInfo, field_validator

from components.args import Args, check_project_path
from components.compute import check_vm_size
from components.durations import iso_duration
from components.naming import ONLINE_DEPLOYMENT
from components.references import AssetRef, RefSource, parse_reference
from components.vm_sizes import ONLINE_DEPLOYMENT_SKUS

__all__ = [
    "AutoscaleArgs",
    "CodeArgs",
    "DeploymentArgs",
    "ModelArgs",
    "ProbeArgs",
    "RequestSettingsArgs",
    "ScoringArgs",
    "probe_settings",
    "request_settings",
]

_SCRIPT = re.compile(r"[^/\\][^\\]*")


class RequestSettingsArgs(Args):
    """How the scoring server takes requests (azure-ai-ml ``request_settings``)."""

    request_timeout_ms: int | None = Field(default=None, ge=1, le=180_000)
    """Time allowed per scoring request, in milliseconds (at most 180000). Default: Azure's
    (5000)."""
    max_concurrent_requests_per_instance: int | None = Field(default=None, ge=1)
    """Requests one instance handles at once. Default: Azure's (1)."""
    max_queue_wait_ms: int | None = Field(default=None, ge=1)
    """Time a request may wait in the queue, in milliseconds. Default: Azure's (500)."""


class ProbeArgs(Args):
    """A liveness or readiness probe of the scoring container; times in seconds."""

    initial_delay: int | None = Field(default=None, ge=1)
    """Seconds before the first probe. Default: Azure's (10)."""
    period: int | None = Field(default=None, ge=1)
    """Seconds between probes. Default: Azure's (10)."""
    timeout: int | None = Field(default=None, ge=1)
    """Seconds a probe may take. Default: Azure's (2)."""
    failure_threshold: int | None = Field(default=None, ge=1)
    """Failed probes in a row before the container counts as down. Default: Azure's (30)."""
    success_threshold: int | None = Field(default=None, ge=1)
    """Successful probes in a row before it counts as up. Default: Azure's (1)."""


class AutoscaleArgs(Args):
    """CPU-based autoscale of one deployment (an Azure Monitor autoscale setting)."""

    max_instances: int = Field(ge=1)
    """Most instances. Required."""
    min_instances: int = Field(default=1, ge=1)
    """Fewest instances. Default 1."""
    scale_out_cpu: int = Field(default=70, ge=1, le=100)
    """Add an instance when average CPU over 5 minutes is above this percentage. Default 70."""
    scale_in_cpu: int = Field(default=30, ge=0, le=99)
    """Remove an instance when average CPU over 5 minutes is below this percentage. Default 30."""
    cooldown_minutes: int = Field(default=5, ge=1, le=10_080)
    """Minutes to wait after a scale action before the next one. Default 5."""

    @field_validator("min_instances")
    @classmethod
    def _min_below_max(cls, value: int, info: ValidationInfo) -> int:
        most = info.data.get("max_instances")
        if most is not None and value > most:
            raise ValueError(f"minInstances must not exceed maxInstances ({most})")
        return value

    @field_validator("scale_in_cpu")
    @classmethod
    def _in_below_out(cls, value: int, info: ValidationInfo) -> int:
        out = info.data.get("scale_out_cpu")
        if out is not None and value >= out:
            raise ValueError(f"scaleInCpu must be below scaleOutCpu ({out}), or it would flap")
        return value


class ModelArgs(Args):
    """A registered model by name and version."""

    name: str
    """The model's name."""
    version: str
    """Its version, pinned (a string: ``"3"``)."""
    source: Literal["workspace", "registry"] = "workspace"
    """``workspace`` (default): registered in the deployment's workspace. ``registry``: in the
    stack's Azure ML registry (``amlstack:registry`` or the one of ``amlstack:registryStack``)."""

    def reference(self) -> AssetRef:
        source: RefSource = "workspace" if self.source == "workspace" else "stack-registry"
        return AssetRef("models", source, self.name, version=self.version)


class CodeArgs(Args):
    """The scoring code: a folder the stack uploads, or a registered code asset."""

    path: str | None = None
    """A folder relative to the project directory (where Pulumi.yaml is), uploaded by the stack
    as a code asset versioned by its content hash. Default: none (then `asset` is required)."""
    asset: str | None = None
    """A registered code asset instead: ``azureml:<name>:<version>``, an ``azureml://registries``
    URI or an ARM id. Default: none (then `path` is required)."""
    scoring_script: str
    """The entry script, relative to the code folder (``score.py``)."""

    @field_validator("asset")
    @classmethod
    def _path_or_asset(cls, asset: str | None, info: ValidationInfo) -> str | None:
        if "path" not in info.data:
            return asset  # the path itself is invalid, and reported
        path = info.data["path"]
        if (asset is None) == (path is None):
            raise ValueError("set exactly one of path (a project folder) or asset (registered)")
        if asset is not None:
            parse_reference(asset, "codes")
        return asset

    @field_validator("path")
    @classmethod
    def _relative(cls, path: str | None) -> str | None:
        return path if path is None else check_project_path(path, "a folder")

    @field_validator("scoring_script")
    @classmethod
    def _script(cls, script: str) -> str:
        if not _SCRIPT.fullmatch(script) or ".." in script.split("/"):
            raise ValueError("expected a file path inside the code folder, like score.py")
        return script


class ScoringArgs(Args):
    """What a deployment scores with: the model, and the environment and scoring code (both or
    neither). Online and batch model deployments share these keys."""

    model: str | ModelArgs
    """The model: ``{name, version}`` (``source: registry`` for the stack's registry), or a
    reference as azure-ai-ml writes it (``azureml:<name>:<version>``,
    ``azureml://registries/<registry>/models/<name>/versions/<version>``, an ARM id). Required."""
    environment: str | None = None
    """The environment: the name (or ``name:version``) of an environment in this workspace's
    config, or ``azureml:<name>:<version>``, ``azureml://registries/...``, an ARM id. Default:
    none, only for an MLflow model (Azure then provides environment and scoring code)."""
    code: CodeArgs | None = None
    """The scoring code. Default: none, only for an MLflow model (set both or neither)."""
    environment_variables: dict[str, str] = Field(default_factory=dict)
    """Extra variables for the scoring container. Default none; never put a secret here."""

    @field_validator("model")
    @classmethod
    def _valid_model(cls, value: str | ModelArgs) -> str | ModelArgs:
        if isinstance(value, str):
            parse_reference(value, "models")
        return value

    @field_validator("environment")
    @classmethod
    def _valid_environment(cls, value: str | None) -> str | None:
        if value is not None:
            parse_reference(value, "environments")
        return value

    @field_validator("code")
    @classmethod
    def _code_with_environment(cls, code: CodeArgs | None, info: ValidationInfo) -> CodeArgs | None:
        if "environment" in info.data and (code is None) != (info.data["environment"] is None):
            raise ValueError(
                "code and environment go together: set both (your scoring script) or neither "
                "(an MLflow model, for which Azure provides them)"
            )
        return code

    @property
    def model_ref(self) -> AssetRef:
        """The model reference, parsed."""
        if isinstance(self.model, ModelArgs):
            return self.model.reference()
        return parse_reference(self.model, "models")

    @property
    def environment_ref(self) -> AssetRef | None:
        """The environment reference, parsed (None for an MLflow model)."""
        return (
            None if self.environment is None else parse_reference(self.environment, "environments")
        )


class DeploymentArgs(ScoringArgs):
    """One managed deployment of an online endpoint."""

    name: str
    """Deployment name (``blue``): 3-32 letters, digits and hyphens, starting with a letter."""
    vm_size_check: bool = True
    """Check `instanceType` against Azure ML's managed online endpoints SKU list
    (components/vm_sizes.py), spelled as Azure does. Default on; ``false`` allows a size newer
    than the table."""
    instance_type: str = "Standard_DS3_v2"
    """VM size of each instance, spelled as Azure does. Default ``Standard_DS3_v2`` (4 cores,
    14 GiB)."""
    instance_count: int = Field(default=1, ge=1)
    """Instances to run. Default 1 (use 3 or more for production SLAs)."""
    request_settings: RequestSettingsArgs | None = None
    """Timeout and concurrency. Default: Azure's."""
    liveness_probe: ProbeArgs | None = None
    """When Azure restarts a container. Default: Azure's."""
    readiness_probe: ProbeArgs | None = None
    """When Azure sends a container requests. Default: Azure's."""
    app_insights_enabled: bool = True
    """Send request logs and metrics to the workspace's Application Insights. Default on."""
    autoscale: AutoscaleArgs | None = None
    """Scale on CPU between a minimum and a maximum. Default: a fixed `instanceCount`."""
    description: str = ""
    """Shown in Azure ML studio."""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not ONLINE_DEPLOYMENT.accepts(value):
            raise ValueError(f"expected {ONLINE_DEPLOYMENT.allowed}")
        return value

    @field_validator("instance_type")
    @classmethod
    def _valid_instance_type(cls, value: str, info: ValidationInfo) -> str:
        return check_vm_size(
            value,
            offered=ONLINE_DEPLOYMENT_SKUS,
            offered_for="managed online deployments",
            check_offered=info.data.get("vm_size_check") is not False,
        )

    @field_validator("autoscale")
    @classmethod
    def _count_within_autoscale(
        cls, autoscale: AutoscaleArgs | None, info: ValidationInfo
    ) -> AutoscaleArgs | None:
        count = info.data.get("instance_count")
        if autoscale and count and not autoscale.min_instances <= count <= autoscale.max_instances:
            raise ValueError(
                f"instanceCount {count} is where autoscale starts: keep it within "
                f"minInstances ({autoscale.min_instances}) and maxInstances "
                f"({autoscale.max_instances})"
            )
        return autoscale


def request_settings(
    settings: RequestSettingsArgs | None,
) -> machinelearningservices.OnlineRequestSettingsArgs | None:
    """The Azure form of `settings` (None: Azure's defaults)."""
    if settings is None:
        return None
    return machinelearningservices.OnlineRequestSettingsArgs(
        request_timeout=_ms(settings.request_timeout_ms),
        max_concurrent_requests_per_instance=settings.max_concurrent_requests_per_instance,
        max_queue_wait=_ms(settings.max_queue_wait_ms),
    )


def probe_settings(probe: ProbeArgs | None) -> machinelearningservices.ProbeSettingsArgs | None:
    """The Azure form of `probe` (None: Azure's defaults)."""
    if probe is None:
        return None
    return machinelearningservices.ProbeSettingsArgs(
        initial_delay=_ms(probe.initial_delay, 1000),
        period=_ms(probe.period, 1000),
        timeout=_ms(probe.timeout, 1000),
        failure_threshold=probe.failure_threshold,
        success_threshold=probe.success_threshold,
    )


def _ms(value: int | None, scale: int = 1) -> str | None:
    return None if value is None else iso_duration(timedelta(milliseconds=value * scale))

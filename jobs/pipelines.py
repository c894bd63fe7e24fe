"""Pipeline jobs, from YAML or from azure-ai-ml's ``dsl``: every step resolved against the stack.

Steps that name no compute run on the pipeline's default compute; when the pipeline sets none, the
stack's default compute (its first cluster, see `jobs.refs.default_compute`) becomes the default.
Each step's component is registered as an anonymous component named by its content hash, after
its own code and environment are resolved, exactly as azure-ai-ml does it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from azure.ai.ml.constants._component import ComponentSource
from azure.ai.ml.entities import Component, PipelineComponent, PipelineJob
from azure.ai.ml.entities._builders import BaseNode
from azure.ai.ml.entities._job.pipeline.pipeline_job_settings import PipelineJobSettings

from jobs.errors import JobSpecError
from jobs.refs import asset_id, is_arm_id, is_binding, is_registry_id, parse_asset_ref
from jobs.resolve import Resolver, resolve_component_dependencies, resolve_inputs, runs_serverless

__all__ = ["apply_default_compute", "resolve_pipeline", "steps_without_compute"]


def apply_default_compute(job: PipelineJob, default: str | None) -> None:
    """Give a pipeline whose steps lack a compute a default one (the stack's), if it has none."""
    if job.settings is None:
        job.settings = PipelineJobSettings()
    settings = job.settings
    if settings.default_compute is None and job.compute is None and steps_without_compute(job.jobs):
        settings.default_compute = default


def resolve_pipeline(job: PipelineJob, resolver: Resolver, *, at: str = "") -> None:
    """Resolve a pipeline job in place: its compute, settings, inputs and every step."""
    base = Path(job._base_path)
    if job.compute is not None:
        job.compute = resolver.compute(str(job.compute), f"{at}compute")
    if job.settings is None:
        job.settings = PipelineJobSettings()
    settings = job.settings
    if settings.default_compute is not None:
        settings.default_compute = resolver.compute(
            str(settings.default_compute), f"{at}settings.default_compute"
        )
    if settings.default_datastore is not None:
        settings.default_datastore = resolver.datastore(
            str(settings.default_datastore), f"{at}settings.default_datastore"
        )
    resolve_inputs(job.inputs, base, resolver, where=f"{at}inputs")
    _resolve_steps(job.jobs, base, resolver, where=f"{at}jobs")
    component = job.component
    if getattr(component, "_source", None) == ComponentSource.YAML_COMPONENT:
        # ``component: ./pipeline.yml`` at the top: registered as an anonymous component
        job.component = _resolve_component(component, resolver, where=f"{at}component")


def steps_without_compute(steps: Mapping[str, Any]) -> list[str]:
    """Names of the steps (sub-pipelines included) that run on the pipeline's default compute:
    those naming no compute, except serverless ones (`jobs.resolve.runs_serverless`)."""
    missing = []
    for name, step in steps.items():
        if not isinstance(step, BaseNode):
            continue
        component = getattr(step, "_component", None)
        if isinstance(component, PipelineComponent):
            missing += [f"{name}.{inner}" for inner in steps_without_compute(component.jobs)]
        elif step.compute is None and not runs_serverless(step):
            missing.append(name)
    return missing


def _resolve_steps(steps: Mapping[str, Any], base: Path, resolver: Resolver, *, where: str) -> None:
    for name, step in steps.items():
        at = f"{where}.{name}"
        if not isinstance(step, BaseNode):
            continue  # control-flow nodes reference other steps, which are resolved themselves
        if step.compute is not None and not is_binding(str(step.compute)):
            step.compute = resolver.compute(str(step.compute), f"{at}.compute")
        resolve_inputs(step.inputs, base, resolver, where=f"{at}.inputs")
        step._component = _resolve_component(step._component, resolver, where=f"{at}.component")


def _resolve_component(component: Any, resolver: Resolver, *, where: str) -> Any:
    if isinstance(component, str):
        return _component_ref(component, resolver, where=where)
    if isinstance(component, PipelineComponent):
        _resolve_steps(component.jobs, Path(component.base_path), resolver, where=f"{where}.jobs")
        return resolver.component(component, where)
    if isinstance(component, Component):
        resolve_component_dependencies(component, resolver, where=where)
        return resolver.component(component, where)
    return component


def _component_ref(ref: str, resolver: Resolver, *, where: str) -> str:
    """``azureml:name:version`` / ``azureml:name@label`` as the ARM id azure-ai-ml would send."""
    if is_arm_id(ref) or is_registry_id(ref):
        return ref
    name, version, label = parse_asset_ref(ref)
    workspace = resolver.context.workspace_id
    if label is not None:
        return f"{asset_id(workspace, 'components', name)}/labels/{label}"
    if version is None:
        raise JobSpecError(
            f"{where}: component {ref!r} needs a version (azureml:{name}:<version>) "
            f"or a label (azureml:{name}@latest)"
        )
    return asset_id(workspace, "components", name, version)

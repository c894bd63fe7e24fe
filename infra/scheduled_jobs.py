"""A job spec resolved for a schedule: the same loader and checks as ``amlstack job submit``.

`schedule_job` loads the spec with `jobs.specs.load_spec`, gives a pipeline without a default
compute the stack's (`jobs.pipelines.apply_default_compute`), runs azure-ai-ml's own validation
and resolves every compute, environment, datastore, code and component reference with
`ScheduleResolver` over a `StackContext`: a reference the stack does not have fails as it does
for ``job submit``, naming it and what the stack has. What a submission uploads and registers on
the spot, a schedule's stack registers as resources, so the resolver only records it:

- a ``code:`` folder of the project: uploaded and registered as a version of the code asset
  ``<workspace>-<schedule>``, named by its content hash (`components.code_asset`);
- an inline component (a step's ``command:``, a component YAML): registered as a version of the
  component ``amlstack_<workspace>_<schedule>``, named by azure-ai-ml's content hash.

Inline environments (image, conda file, build context) and local input files are refused: a
stack defines environments in its config and reads data from datastores or data assets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from azure.ai.ml.entities import Command, PipelineJob

from components.code_asset import snapshot_folder
from components.job_schedule import ScheduledCode, ScheduledComponent, ScheduledJob
from jobs.context import StackContext
from jobs.errors import JobSpecError
from jobs.models import STACK_TAG
from jobs.pipelines import apply_default_compute
from jobs.refs import asset_id, default_compute
from jobs.resolve import StackResolver
from jobs.specs import load_spec
from jobs.submit import WORKSPACE_TAG, job_body, resolve_job, validate_job

__all__ = ["SCHEDULE_TAG", "ScheduleResolver", "schedule_job"]

SCHEDULE_TAG = "amlstack.schedule"
"""Job tag: the schedule that started the run (beside `jobs.models.STACK_TAG`)."""


class ScheduleResolver(StackResolver):
    """Resolves like the dry run, and records the code and components the stack must register.

    `root` is the project directory (code folders must be inside it); `code_asset` and
    `component_name` are the code asset and component the schedule registers versions of.
    """

    def __init__(
        self, context: StackContext, *, root: Path, code_asset: str, component_name: str
    ) -> None:
        super().__init__(context)
        self.root = root.resolve()
        self.code_asset = code_asset
        self.component_name = component_name
        self.codes: dict[str, ScheduledCode] = {}
        self.components: dict[str, ScheduledComponent] = {}
        self.used: dict[str, set[str]] = {
            "computes": set(),
            "environments": set(),
            "datastores": set(),
        }

    def compute(self, ref: str | None, where: str) -> str | None:
        resolved = super().compute(ref, where)
        self._note("computes", resolved)
        return resolved

    def environment(self, ref: Any, where: str) -> str:
        if not isinstance(ref, str) and not ref.id:
            raise JobSpecError(
                f"{where}: a schedule registers no inline environment (image, conda file or "
                "build context); define it under the workspace's environments in stack config "
                "and name it here"
            )
        resolved = super().environment(ref, where)
        self._note("environments", resolved)
        return resolved

    def datastore(self, ref: str | None, where: str) -> str | None:
        resolved = super().datastore(ref, where)
        self._note("datastores", resolved)
        return resolved

    def code(self, path: Path, where: str) -> str:
        super().code(path, where)  # checks it exists, warns when it is large
        relative = _project_relative(path, self.root)
        if relative is None:
            raise JobSpecError(
                f"{where}: code folder {str(path)!r} is outside the project ({self.root}); a "
                "schedule's stack uploads code from the project directory"
            )
        local = snapshot_folder(self.root, relative)
        key = _resource_key(where.removesuffix(".code"))
        self.codes.setdefault(local.digest, ScheduledCode(key, local, self.code_asset))
        return asset_id(self.context.workspace_id, "codes", self.code_asset, local.digest[:16])

    def component(self, component: Any, where: str) -> str:
        if component.id:
            return str(component.id)
        version = component._get_anonymous_hash()
        component.name, component.version = self.component_name, version
        rest = component._to_rest_object().as_dict()
        spec = json.loads(json.dumps(rest["properties"]["componentSpec"], default=str))
        key = _resource_key(where)
        self.components.setdefault(
            version, ScheduledComponent(key, self.component_name, version, spec)
        )
        return asset_id(self.context.workspace_id, "components", self.component_name, version)

    def local_input(self, path: Path, input_type: str, where: str) -> str:  # noqa: ARG002
        raise JobSpecError(
            f"{where}: local input {str(path)!r}: a schedule uploads no input data; register a "
            "data asset (azureml:<name>:<version>) or read from a datastore "
            "(azureml://datastores/<name>/paths/...)"
        )

    def _note(self, kind: str, resolved: str | None) -> None:
        """Note the stack asset an id names (computes, environments, datastores), if any."""
        prefix = f"{self.context.workspace_id}/{kind}/"
        if resolved is not None and resolved.startswith(prefix):
            name = resolved.removeprefix(prefix).split("/")[0]
            if name in getattr(self.context.workspace, kind):
                self.used[kind].add(name)


def schedule_job(
    spec: Path,
    context: StackContext,
    *,
    root: Path,
    schedule: str,
    experiment: str | None = None,
    overrides: Sequence[str] = (),
) -> ScheduledJob:
    """The job of `spec` (with `overrides`, ``key=value`` as ``job submit --set``) resolved for
    the schedule `schedule`; raises `JobSpecError` naming what the stack does not have.
    `experiment` defaults to the spec's, else the schedule's name."""
    loaded = load_spec(spec, overrides=overrides)
    job = loaded.job
    if not isinstance(job, Command | PipelineJob):
        raise JobSpecError(
            f"{spec}: {type(job).__name__} jobs cannot be scheduled here; a schedule runs a "
            "command or pipeline job"
        )
    if isinstance(job, PipelineJob):
        apply_default_compute(job, default_compute(context))
    validate_job(job, loaded.source)
    job.experiment_name = experiment or job.experiment_name or schedule
    job.tags = {
        **(job.tags or {}),
        STACK_TAG: context.stack,
        WORKSPACE_TAG: context.workspace_key,
        SCHEDULE_TAG: schedule,
    }
    workspace = context.workspace_key
    resolver = ScheduleResolver(
        context,
        root=root,
        code_asset=f"{workspace}-{schedule}",
        component_name=_component_name(f"amlstack_{workspace}_{schedule}"),
    )
    resolve_job(job, resolver, at=f"{loaded.source.name}: ")
    body: Mapping[str, Any] = job_body(job)["properties"]
    return ScheduledJob(
        body=body,
        codes=tuple(resolver.codes.values()),
        components=tuple(resolver.components.values()),
        computes=tuple(sorted(resolver.used["computes"])),
        environments=tuple(sorted(resolver.used["environments"])),
        datastores=tuple(sorted(resolver.used["datastores"])),
    )


def _component_name(text: str) -> str:
    """Lowercase letters, digits and underscores, starting with a letter: a name Azure ML
    accepts for a component."""
    return re.sub(r"[^a-z0-9_]+", "_", text.lower())[:255]


def _resource_key(where: str) -> str:
    """``pipeline.yml: jobs.train.component`` -> ``jobs-train`` (``job.yml: `` -> ``job``):
    names a registration after the place in the job that needs it."""
    path = where.rsplit(": ", maxsplit=1)[-1].removesuffix(".component")
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "job"


def _project_relative(path: Path, root: Path) -> str | None:
    """`path` relative to the project `root`, or None when it lies outside. azure-ai-ml gives
    resolved paths, so a folder the project holds as a symbolic link is found through it."""
    resolved = path.resolve()
    for base, prefix in (
        (root.resolve(), ""),
        *((entry.resolve(), f"{entry.name}/") for entry in root.iterdir() if entry.is_symlink()),
    ):
        if resolved == base or base in resolved.parents:
            inner = resolved.relative_to(base).as_posix()
            return f"{prefix}{inner}".rstrip("/.") or "."
    return None

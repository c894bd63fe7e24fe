"""Each workspace's job schedules: their job specs checked against the stack, then added.

`define_schedules` runs before anything is registered (like `infra.assets.define_environments`):
it loads every schedule's job spec with the loader of ``amlstack job submit`` and resolves it
(`infra.scheduled_jobs.schedule_job`) against `config_context`, the outputs the stack *will* have,
built from its config: the same computes, environments and datastores, under a placeholder
workspace id that the schedule replaces with the real one. A reference the stack does not have,
an unreadable spec or a refused kind of job is a `ConfigError` on the schedule's ``job`` key
(exit 2), naming the value and what the stack has. `add_schedules` then adds the schedules
through the workspace, after its computes, environments and datastores.
"""

from __future__ import annotations

import json
import logging
from functools import partial
from pathlib import Path
from typing import Any

import pulumi

from components.environment import EnvironmentDefinition
from components.errors import AmlStackError, ConfigError, ConfigProblem
from components.job_schedule import WORKSPACE_ID_PLACEHOLDER, JobScheduleArgs, ScheduledJob
from components.workspace import Workspace
from infra.assets import instances_of
from infra.config import StackConfig, WorkspaceConfig
from infra.schedule_cache import scheduled_job
from jobs.context import StackContext, parse_outputs

__all__ = ["add_schedules", "config_context", "config_outputs", "define_schedules"]


def define_schedules(
    config: StackConfig,
    environments: dict[str, tuple[EnvironmentDefinition, ...]],
    root: Path,
) -> dict[str, tuple[ScheduledJob, ...]]:
    """Every workspace's schedules with their jobs resolved, by workspace key; raises
    `ConfigError` with every schedule that cannot be created."""
    if not any(w.schedules for w in config.workspaces):
        return {w.name: () for w in config.workspaces}
    namespace, stack = pulumi.get_project(), pulumi.get_stack()
    defined: dict[str, tuple[ScheduledJob, ...]] = {}
    problems: list[ConfigProblem] = []
    for workspace in config.workspaces:
        if not workspace.schedules:
            defined[workspace.name] = ()
            continue
        document = config_outputs(config, workspace, environments[workspace.name])
        document_text = json.dumps(document, sort_keys=True)
        context = StackContext(
            stack=stack,
            source="stack config",
            outputs=parse_outputs(document, stack=stack, source="stack config"),
            workspace_key=workspace.name,
        )
        jobs = []
        for schedule in workspace.schedules:
            try:
                jobs.append(
                    scheduled_job(
                        partial(_resolve, root, context, schedule),
                        root=root,
                        name=f"{root.resolve()}\0{stack}\0{workspace.name}\0{schedule.name}",
                        inputs=(
                            document_text,
                            stack,
                            schedule.name,
                            schedule.job,
                            schedule.experiment or "",
                            json.dumps(list(schedule.overrides)),
                        ),
                    )
                )
            except AmlStackError as error:
                problems.append(
                    ConfigProblem(
                        f"{namespace}:workspaces[{workspace.name}].schedules[{schedule.name}].job",
                        schedule.job,
                        str(error),
                    )
                )
        defined[workspace.name] = tuple(jobs)
    if problems:
        raise ConfigError(problems)
    return defined


def _resolve(root: Path, context: StackContext, schedule: JobScheduleArgs) -> ScheduledJob:
    """Resolve `schedule`'s job spec against `context` with the loader of ``job submit``."""
    # azure-ai-ml announces its experimental classes on import; the plan's output is no place
    # for that (the jobs CLI hides it the same way).
    logging.getLogger("azure.ai.ml._utils._experimental").setLevel(logging.ERROR)
    from infra.scheduled_jobs import schedule_job  # noqa: PLC0415 (azure-ai-ml, ~3 s: only when needed)

    return schedule_job(
        root / schedule.job,
        context,
        root=root,
        schedule=schedule.name,
        experiment=schedule.experiment,
        overrides=schedule.overrides,
    )


def add_schedules(
    workspace: Workspace, config: WorkspaceConfig, jobs: tuple[ScheduledJob, ...]
) -> None:
    """Add the schedules `config` lists to `workspace`, each with its resolved job."""
    for schedule, job in zip(config.schedules, jobs, strict=True):
        workspace.add_schedule(schedule, job=job)


def config_context(
    config: StackConfig,
    workspace: WorkspaceConfig,
    environments: tuple[EnvironmentDefinition, ...],
    *,
    stack: str,
) -> StackContext:
    """The stack context `workspace` will have once deployed, from config: its computes,
    environments and datastores, ids under `WORKSPACE_ID_PLACEHOLDER`."""
    outputs = parse_outputs(
        config_outputs(config, workspace, environments), stack=stack, source="stack config"
    )
    return StackContext(
        stack=stack, source="stack config", outputs=outputs, workspace_key=workspace.name
    )


def config_outputs(
    config: StackConfig,
    workspace: WorkspaceConfig,
    environments: tuple[EnvironmentDefinition, ...],
) -> dict[str, Any]:
    """The stack outputs document of `config_context` (JSON, as ``pulumi stack output``)."""
    ws = WORKSPACE_ID_PLACEHOLDER
    subscription, group, name = ws.split("/")[2], ws.split("/")[4], ws.rsplit("/", 1)[-1]
    computes: dict[str, dict[str, Any]] = {
        c.name: {
            "kind": "AmlCompute",
            "id": f"{ws}/computes/{c.name}",
            "vmSize": c.vm_size,
            "minNodes": c.min_nodes,
            "maxNodes": c.max_nodes,
        }
        for c in workspace.computes.clusters
    }
    computes.update(
        {
            i.name: {
                "kind": "ComputeInstance",
                "id": f"{ws}/computes/{i.name}",
                "vmSize": i.vm_size,
            }
            for i in instances_of(workspace)
        }
    )
    unknown = "(known once deployed)"
    return {
        "subscriptionId": subscription,
        "tenantId": unknown,
        "resourceGroup": group,
        "location": config.location,
        "tier": config.tier,
        "networkIsolation": {workspace.name: workspace.network.isolation_mode},
        "workspaces": {
            workspace.name: {
                "name": name,
                "id": ws,
                **dict.fromkeys(
                    (
                        "storageAccount",
                        "keyVault",
                        "containerRegistry",
                        "applicationInsights",
                        "identityClientId",
                        "identityPrincipalId",
                    ),
                    unknown,
                ),
                "computes": computes,
                "environments": {e.name: _environment(e, ws) for e in environments},
                "datastores": {
                    d.name: {"type": d.type, "id": f"{ws}/datastores/{d.name}"}
                    for d in workspace.datastores
                },
                "endpoints": {},
            }
        },
    }


def _environment(definition: EnvironmentDefinition, workspace_id: str) -> dict[str, str]:
    """An environment's entry in the outputs, as `components.environment.Environment` gives."""
    identifier = definition.reference or (
        f"{workspace_id}/environments/{definition.name}/versions/{definition.version}"
    )
    return {"kind": definition.kind, "version": definition.version, "id": identifier}

"""What each workspace of the stack holds: computes, datastores, environments and connections.

`define_environments` reads the files environments point to (conda files, build contexts) and
fails with a `ConfigError` before anything is registered; `add_assets` then adds every asset of
one workspace through the workspace (``workspace.add_*``), which owns them.
"""

from __future__ import annotations

from pathlib import Path

import pulumi

from components.compute import ComputeInstanceArgs, personal_instance
from components.environment import EnvironmentDefinition, define_environment
from components.workspace import Workspace
from infra.config import StackConfig, WorkspaceConfig, workspace_places

__all__ = ["add_assets", "define_environments", "instances_of"]


def define_environments(
    config: StackConfig, base_dir: Path
) -> dict[str, tuple[EnvironmentDefinition, ...]]:
    """Every workspace's environments with their files read, by workspace key (messages name
    a project's under its hub's ``projects``)."""
    namespace = pulumi.get_project()
    return {
        workspace.name: tuple(
            define_environment(
                environment,
                base_dir=base_dir,
                at=f"{namespace}:{named}.environments[{environment.name}]",
            )
            for environment in workspace.environments
        )
        for workspace, named, _ in workspace_places(config)
    }


def instances_of(config: WorkspaceConfig) -> list[ComputeInstanceArgs]:
    """The compute instances of a workspace: those listed, and one per User data scientist when
    ``personalInstances`` is set."""
    instances = list(config.computes.instances)
    settings = config.computes.personal_instances
    if settings is not None:
        project, stack = pulumi.get_project(), pulumi.get_stack()
        instances += [
            personal_instance(settings, user, project=project, stack=stack, workspace=config.name)
            for user in config.access.data_scientist
            if user.type == "User"
        ]
    return instances


def add_assets(
    workspace: Workspace,
    config: WorkspaceConfig,
    environments: tuple[EnvironmentDefinition, ...],
    *,
    base_dir: Path | None = None,
) -> None:
    """Add the computes, datastores, environments and connections `config` lists to `workspace`;
    instances' setup scripts are read from `base_dir` (the project directory; default the
    current one)."""
    for cluster in config.computes.clusters:
        workspace.add_cluster(cluster)
    for instance in instances_of(config):
        workspace.add_instance(instance, base_dir=base_dir)
    for datastore in config.datastores:
        workspace.add_datastore(datastore)
    for definition in environments:
        workspace.add_environment(definition)
    for connection in config.connections:
        workspace.add_connection(connection)

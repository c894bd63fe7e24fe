"""What each workspace of the stack holds: computes, datastores and environments, from config.

`define_environments` reads the files environments point to (conda files, build contexts) and
fails with a `ConfigError` before anything is registered; `deploy_assets` then creates every
asset of one workspace, parented to the workspace component and depending on the Azure
workspace resource only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from components.compute import ComputeCluster, ComputeInstance, personal_instance
from components.data_lake import DataLake
from components.datastore import Datastore, StorageTarget
from components.environment import Environment, EnvironmentDefinition, define_environment
from components.workspace import Workspace, WorkspaceArgs
from infra.config import StackConfig

__all__ = ["WorkspaceAssets", "define_environments", "deploy_assets"]


@dataclass(frozen=True)
class WorkspaceAssets:
    """The computes, datastores and environments of one workspace, by their names."""

    computes: dict[str, ComputeCluster | ComputeInstance]
    datastores: dict[str, Datastore]
    environments: dict[str, Environment]

    def outputs(self) -> dict[str, Any]:
        """The ``computes``, ``datastores`` and ``environments`` stack outputs of the workspace."""
        return {
            "computes": {name: c.outputs() for name, c in self.computes.items()},
            "datastores": {name: d.outputs() for name, d in self.datastores.items()},
            "environments": {name: e.outputs() for name, e in self.environments.items()},
        }


def define_environments(
    config: StackConfig, base_dir: Path
) -> dict[str, tuple[EnvironmentDefinition, ...]]:
    """Every workspace's environments with their files read, by workspace key."""
    namespace = pulumi.get_project()
    return {
        workspace.name: tuple(
            define_environment(
                environment,
                base_dir=base_dir,
                at=f"{namespace}:workspaces[{workspace.name}].environments[{environment.name}]",
            )
            for environment in workspace.environments
        )
        for workspace in config.workspaces
    }


def deploy_assets(
    workspace: Workspace, args: WorkspaceArgs, environments: tuple[EnvironmentDefinition, ...]
) -> WorkspaceAssets:
    """Create the computes, datastores and environments `args` lists for `workspace`."""
    key = workspace.component_name
    opts = pulumi.ResourceOptions(parent=workspace)
    computes: dict[str, ComputeCluster | ComputeInstance] = {
        cluster.name: ComputeCluster(
            f"{key}-{cluster.name}", cluster, workspace=workspace, opts=opts
        )
        for cluster in args.computes.clusters
    }
    instances = list(args.computes.instances)
    settings = args.computes.personal_instances
    if settings is not None:
        project, stack = pulumi.get_project(), pulumi.get_stack()
        instances += [
            personal_instance(settings, user, project=project, stack=stack, workspace=args.name)
            for user in args.access.data_scientist
            if user.type == "User"
        ]
    for instance in instances:
        computes[instance.name] = ComputeInstance(
            f"{key}-{instance.name}", instance, workspace=workspace, opts=opts
        )
    needs_lake = any(d.type == "AzureDataLakeGen2" and d.account is None for d in args.datastores)
    lake = DataLake(f"{key}-datalake", workspace=workspace, opts=opts) if needs_lake else None
    datastores = {}
    for datastore in args.datastores:
        if datastore.account is not None:
            target = StorageTarget.existing(datastore.account)
        elif datastore.type == "AzureDataLakeGen2" and lake is not None:
            target = StorageTarget.of(lake.account)
        else:
            target = StorageTarget.of(workspace.storage_account)
        datastores[datastore.name] = Datastore(
            f"{key}-{datastore.name}",
            datastore,
            workspace=workspace,
            target=target,
            data_scientists=args.access.data_scientist,
            protect=args.protect,
            opts=opts,
        )
    return WorkspaceAssets(
        computes=computes,
        datastores=datastores,
        environments={
            definition.name: Environment(
                f"{key}-{definition.name}", definition, workspace=workspace, opts=opts
            )
            for definition in environments
        },
    )

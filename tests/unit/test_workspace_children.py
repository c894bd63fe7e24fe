"""The workspace owns its children: a library program gets exactly what it declares."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.compute import ComputeClusterArgs, ComputeInstanceArgs
from components.datastore import DatastoreArgs
from components.deployment import DeploymentArgs
from components.endpoint import DeploymentAssets, OnlineEndpointArgs
from components.environment import EnvironmentArgs
from components.errors import ConfigError
from components.network import NetworkArgs
from components.reach import Reach
from components.testing import Recording, record
from components.workspace import Workspace, WorkspaceArgs
from infra.config import WorkspaceConfig, parse_stack_config
from tests.conftest import REACHABLE_NETWORK

USER = "0a1b2c3d-0000-4000-8000-0000000000aa"
CURATED = "azureml://registries/azureml/environments/sklearn-1.5/versions/53"
COMPONENTS = {
    "amlstack:ml:ComputeCluster",
    "amlstack:ml:ComputeInstance",
    "amlstack:ml:Datastore",
    "amlstack:ml:DataLake",
    "amlstack:ml:Environment",
    "amlstack:ml:OnlineEndpoint",
}


def new_workspace(args: WorkspaceArgs | None = None, *, reach: Reach | None = None) -> Workspace:
    return Workspace(
        "main",
        args or WorkspaceArgs(name="main"),
        resource_group_name="rg",
        location="westeurope",
        reach=reach,
    )


@pytest.fixture(scope="module")
def library_program() -> Recording:
    def program() -> None:
        workspace = new_workspace(reach=Reach(data_lake=True))  # its managed network's rules
        workspace.add_cluster(ComputeClusterArgs(name="cpu"))
        workspace.add_instance(
            ComputeInstanceArgs(name="ci-alice", assigned_user={"objectId": USER})  # type: ignore[arg-type]
        )
        workspace.add_datastore(DatastoreArgs(name="raw", type="AzureBlob"))
        workspace.add_datastore(DatastoreArgs(name="lake", type="AzureDataLakeGen2"))
        workspace.add_environment(EnvironmentArgs(name="sklearn", curated=CURATED))
        endpoint = OnlineEndpointArgs(
            name="credit",
            deployments=(DeploymentArgs(name="blue", model="azureml:credit:1"),),
            traffic={"blue": 100},
        )
        workspace.add_endpoint(endpoint, assets={"blue": DeploymentAssets(model="model-id")})
        pulumi.export("children", {kind: sorted(names) for kind, names in _children(workspace)})

    return record(program, stack="dev")


def _children(workspace: Workspace) -> list[tuple[str, list[str]]]:
    return [
        ("computes", list(workspace.computes)),
        ("datastores", list(workspace.datastores)),
        ("environments", list(workspace.environments)),
        ("endpoints", list(workspace.endpoints)),
    ]


def test_a_library_program_creates_exactly_what_it_adds(library_program: Recording) -> None:
    components = [r for r in library_program.resources if r.type in COMPONENTS]
    assert sorted((r.type, r.name) for r in components) == [
        ("amlstack:ml:ComputeCluster", "main-cpu"),
        ("amlstack:ml:ComputeInstance", "main-ci-alice"),
        ("amlstack:ml:DataLake", "main-datalake"),
        ("amlstack:ml:Datastore", "main-lake"),
        ("amlstack:ml:Datastore", "main-raw"),
        ("amlstack:ml:Environment", "main-sklearn"),
        ("amlstack:ml:OnlineEndpoint", "main-credit"),
    ]
    assert library_program.outputs["children"] == {
        "computes": ["ci-alice", "cpu"],
        "datastores": ["lake", "raw"],
        "environments": ["sklearn"],
        "endpoints": ["credit"],
    }


def test_every_child_is_parented_to_the_workspace(library_program: Recording) -> None:
    workspace = library_program.one("amlstack:ml:Workspace")
    for child in (r for r in library_program.resources if r.type in COMPONENTS):
        assert child.parent == workspace.urn, child.name


def test_children_wait_for_the_azure_workspace_resource(library_program: Recording) -> None:
    azure_workspace = library_program.one("azure-native:machinelearningservices:Workspace")
    for compute in library_program.of_type("azure-native:machinelearningservices:Compute"):
        assert azure_workspace.urn in compute.dependencies
    endpoint = library_program.one("azure-native:machinelearningservices:OnlineEndpoint")
    assert azure_workspace.urn in endpoint.dependencies


def test_the_endpoint_keeps_the_urn_it_had_as_a_top_level_resource(
    library_program: Recording,
) -> None:
    endpoint = library_program.one("amlstack:ml:OnlineEndpoint")
    assert endpoint.aliases == (
        "urn:pulumi:dev::amlstack::pulumi:pulumi:Stack$amlstack:ml:OnlineEndpoint::main-credit",
    )


def test_only_the_workspace_storage_is_created_without_an_adls_datastore() -> None:
    def program() -> None:
        new_workspace().add_datastore(DatastoreArgs(name="raw", type="AzureBlob"))

    recording = record(program, stack="dev")
    assert recording.of_type("amlstack:ml:DataLake") == []
    assert len(recording.of_type("azure-native:storage:StorageAccount")) == 1


@pytest.mark.parametrize(
    ("key", "method"),
    [
        ("computes", "workspace.add_cluster(...) and workspace.add_instance(...)"),
        ("datastores", "workspace.add_datastore(...)"),
        ("environments", "workspace.add_environment(...)"),
        ("endpoints", "workspace.add_endpoint(...)"),
        ("batchEndpoints", "workspace.add_batch_endpoint(...)"),
        ("schedules", "workspace.add_schedule(...)"),
    ],
)
def test_workspace_args_refuse_children_and_name_the_add_method(key: str, method: str) -> None:
    with pytest.raises(ConfigError) as caught:
        WorkspaceArgs(name="main", **{key: []})
    [problem] = caught.value.problems
    assert problem.field == f"WorkspaceArgs.{key}"
    assert method in str(problem)


def test_a_workspace_refuses_stack_config_that_carries_children() -> None:
    config = WorkspaceConfig(
        name="main",
        computes={"clusters": [{"name": "cpu"}]},  # type: ignore[arg-type]
    )

    def program() -> None:
        new_workspace(config)

    with pytest.raises(ConfigError, match="workspace_args"):
        record(program)


@pytest.mark.parametrize(
    "add",
    [
        lambda w: w.add_cluster(ComputeClusterArgs(name="cpu")),
        lambda w: w.add_datastore(DatastoreArgs(name="cpu", type="AzureBlob")),
        lambda w: w.add_environment(EnvironmentArgs(name="cpu", curated=CURATED)),
    ],
)
def test_a_second_child_of_the_same_kind_and_name_is_refused(add: Any) -> None:
    def program() -> None:
        workspace = new_workspace()
        add(workspace)
        add(workspace)

    with pytest.raises(ConfigError, match="names must be unique in a workspace"):
        record(program)


def test_a_compute_without_a_network_is_refused_before_it_is_created() -> None:
    registered: list[str] = []

    def program() -> None:
        workspace = new_workspace(
            WorkspaceArgs(name="main", network=NetworkArgs(isolation_mode="Disabled"))
        )
        registered.extend(workspace.computes)
        workspace.add_cluster(ComputeClusterArgs(name="cpu"))

    with pytest.raises(ConfigError) as caught:
        record(program)
    assert caught.value.problems[0].field == "main.computes[cpu].subnet"
    assert "would have no network" in str(caught.value)
    assert registered == []


def test_workspace_config_hands_the_component_only_its_own_arguments() -> None:
    raw = {
        "location": "westeurope",
        "workspaces": [
            {
                "name": "main",
                "protect": False,
                "network": REACHABLE_NETWORK,
                "computes": {"clusters": [{"name": "cpu"}]},
            }
        ],
    }
    [config] = parse_stack_config(raw).workspaces
    own = config.workspace_args()
    assert type(own) is WorkspaceArgs
    assert own.protect is False
    assert own.model_fields_set == {"name", "protect", "network"}

"""Compute clusters and instances under Pulumi's mocks: locked down, sized as asked, in order."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import naming
from components._fake_azure import PLACEHOLDER_TENANT
from components.access import Principal
from components.compute import (
    ComputeClusterArgs,
    ComputeInstanceArgs,
    PersonalInstancesArgs,
    personal_instance,
)
from components.testing import RecordedResource, Recording, record
from components.workspace import Workspace, WorkspaceArgs

COMPUTE = "azure-native:machinelearningservices:Compute"
SUBNET = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers"
    "/Microsoft.Network/virtualNetworks/vnet/subnets/ml"
)
IDENTITY = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-id/providers"
    "/Microsoft.ManagedIdentity/userAssignedIdentities/trainer"
)
USER = "0a1b2c3d-0000-4000-8000-0000000000aa"


@pytest.fixture(scope="module")
def recording() -> Recording:
    def program() -> None:
        workspace = Workspace(
            "main", WorkspaceArgs(name="main"), resource_group_name="rg", location="westeurope"
        )
        clusters = [
            ComputeClusterArgs(name="cpu"),
            ComputeClusterArgs(
                name="gpu",
                vm_size="Standard_NC6s_v3",
                min_nodes=1,
                max_nodes=3,
                idle_time_before_scale_down="PT30M",  # type: ignore[arg-type]
                tier="LowPriority",
                identity={"type": "SystemAssigned"},  # type: ignore[arg-type]
                subnet=SUBNET,
            ),
            ComputeClusterArgs(
                name="shared-id",
                identity={"userAssignedIdentities": [IDENTITY]},  # type: ignore[arg-type]
            ),
        ]
        for args in clusters:
            workspace.add_cluster(args)
        instance = ComputeInstanceArgs(
            name="ci-alice",
            assigned_user={"object_id": USER},  # type: ignore[arg-type]
            schedules=[  # type: ignore[list-item]
                {"action": "Stop", "cron": "0 19 * * 1-5", "timeZone": "Europe/Amsterdam"},
                {
                    "action": "Start",
                    "cron": "0 8 * * MON-FRI",
                    "timeZone": "W. Europe Standard Time",
                    "startTime": "2026-01-05T08:00:00",
                    "enabled": False,
                },
            ],
        )
        workspace.add_instance(instance)

    return record(program, stack="dev")


def compute(recording: Recording, name: str) -> RecordedResource:
    [found] = [r for r in recording.of_type(COMPUTE) if r.inputs["computeName"] == name]
    return found


def inner(resource: RecordedResource) -> dict[str, Any]:
    properties: dict[str, Any] = resource.inputs["properties"]["properties"]
    return properties


def test_every_compute_meets_the_baseline(recording: Recording) -> None:
    for resource in recording.of_type(COMPUTE):
        assert resource.inputs["properties"]["disableLocalAuth"] is True
        assert inner(resource)["enableNodePublicIp"] is False
    for name in ("cpu", "gpu", "shared-id"):
        assert inner(compute(recording, name))["remoteLoginPortPublicAccess"] == "Disabled"
    assert inner(compute(recording, "ci-alice"))["sshSettings"] == {"sshPublicAccess": "Disabled"}


def test_cluster_defaults_scale_to_zero_like_azure_ai_ml(recording: Recording) -> None:
    cpu = compute(recording, "cpu")
    assert cpu.inputs["properties"]["computeType"] == "AmlCompute"
    assert inner(cpu)["vmSize"] == "Standard_DS3_v2"
    assert inner(cpu)["vmPriority"] == "Dedicated"
    assert inner(cpu)["scaleSettings"] == {
        "minNodeCount": 0,
        "maxNodeCount": 4,
        "nodeIdleTimeBeforeScaleDown": "PT2M",
    }
    assert "subnet" not in inner(cpu)


def test_cluster_settings_reach_the_inputs(recording: Recording) -> None:
    gpu = compute(recording, "gpu")
    assert inner(gpu)["vmSize"] == "Standard_NC6s_v3"
    assert inner(gpu)["vmPriority"] == "LowPriority"
    assert inner(gpu)["scaleSettings"] == {
        "minNodeCount": 1,
        "maxNodeCount": 3,
        "nodeIdleTimeBeforeScaleDown": "PT30M",
    }
    assert inner(gpu)["subnet"] == {"id": SUBNET}
    assert gpu.inputs["identity"] == {"type": "SystemAssigned"}
    assert compute(recording, "shared-id").inputs["identity"] == {
        "type": "UserAssigned",
        "userAssignedIdentities": [IDENTITY],
    }


def test_computes_run_as_the_workspace_identity_by_default(recording: Recording) -> None:
    identity = recording.one("azure-native:managedidentity:UserAssignedIdentity").outputs["id"]
    for name in ("cpu", "ci-alice"):
        assert compute(recording, name).inputs["identity"] == {
            "type": "UserAssigned",
            "userAssignedIdentities": [identity],
        }


def test_instance_is_assigned_shut_down_when_idle_and_scheduled(recording: Recording) -> None:
    properties = inner(compute(recording, "ci-alice"))
    assert properties["idleTimeBeforeShutdown"] == "PT1H"  # the default, as azure-ai-ml writes it
    assert properties["personalComputeInstanceSettings"] == {
        "assignedUser": {"objectId": USER, "tenantId": PLACEHOLDER_TENANT}
    }
    stop, start = properties["schedules"]["computeStartStop"]
    assert stop == {
        "action": "Stop",
        "status": "Enabled",
        "triggerType": "Cron",
        "cron": {"expression": "0 19 * * 1-5", "timeZone": "W. Europe Standard Time"},
    }
    assert start["status"] == "Disabled"
    assert start["cron"]["startTime"] == "2026-01-05T08:00:00"


def test_computes_depend_on_the_azure_workspace_not_its_component(recording: Recording) -> None:
    workspace = recording.one("azure-native:machinelearningservices:Workspace")
    component = recording.one("amlstack:ml:Workspace")
    for resource in recording.of_type(COMPUTE):
        assert workspace.urn in resource.dependencies
        assert component.urn not in resource.dependencies
        assert resource.inputs["workspaceName"] == workspace.outputs["name"]
        assert resource.inputs["location"] == "westeurope"


def test_each_compute_is_parented_to_its_own_component(recording: Recording) -> None:
    components = {r.urn: r for r in recording.resources if r.type.startswith("amlstack:ml:Compute")}
    for resource in recording.of_type(COMPUTE):
        parent = components[resource.parent]
        assert resource.name == f"{parent.name}-compute"
    assert {c.type for c in components.values()} == {
        "amlstack:ml:ComputeCluster",
        "amlstack:ml:ComputeInstance",
    }


object_ids = st.uuids().map(str)
keys = st.from_regex(r"[a-z][a-z0-9-]{0,22}[a-z0-9]", fullmatch=True)


@given(object_id=object_ids, stack=st.text(min_size=1, max_size=40), workspace=keys)
def test_personal_instance_names_are_valid_and_stable(
    object_id: str, stack: str, workspace: str
) -> None:
    user = Principal(object_id=object_id, type="User")
    settings = PersonalInstancesArgs(idle_time_before_shutdown="PT20M")  # type: ignore[arg-type]
    made = personal_instance(settings, user, project="amlstack", stack=stack, workspace=workspace)
    assert naming.COMPUTE_INSTANCE.accepts(made.name), made.name
    assert made == personal_instance(
        settings, user, project="amlstack", stack=stack, workspace=workspace
    )
    assert made.assigned_user.object_id == object_id
    assert made.idle_time_before_shutdown == settings.idle_time_before_shutdown


def test_personal_instances_of_two_people_differ() -> None:
    settings = PersonalInstancesArgs()
    names = {
        personal_instance(
            settings,
            Principal(object_id=f"0a1b2c3d-0000-4000-8000-00000000000{i}", type="User"),
            project="amlstack",
            stack="dev",
            workspace="main",
        ).name
        for i in range(10)
    }
    assert len(names) == 10

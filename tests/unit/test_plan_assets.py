"""The sample stacks' computes, datastores and environments, as the offline plan shows them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from infra.plan import Plan

STACKS = ["dev", "test", "prod"]
COMPUTE = "azure-native:machinelearningservices:Compute"


@pytest.fixture(scope="module")
def plans(sample_plans: Mapping[str, Plan]) -> dict[str, Plan]:
    return {stack: sample_plans[stack] for stack in STACKS}


def outputs(plan: Plan) -> dict[str, Any]:
    workspace: dict[str, Any] = plan.outputs["workspaces"]["main"]
    return workspace


def computes(plan: Plan) -> list[dict[str, Any]]:
    return [r.inputs for r in plan.resources if r.type == COMPUTE]


def test_dev_shows_every_kind_of_compute_datastore_and_environment(plans: dict[str, Plan]) -> None:
    dev = outputs(plans["dev"])
    assert {c["kind"] for c in dev["computes"].values()} == {"AmlCompute", "ComputeInstance"}
    assert {d["type"] for d in dev["datastores"].values()} == {
        "AzureBlob",
        "AzureDataLakeGen2",
        "AzureFile",
    }
    assert {e["kind"] for e in dev["environments"].values()} == {
        "curated",
        "system-managed",
        "user-managed",
    }


def test_outputs_follow_the_contract_the_jobs_package_reads(plans: dict[str, Plan]) -> None:
    for stack, plan in plans.items():
        workspace = outputs(plan)
        for name, compute in workspace["computes"].items():
            assert compute["id"].endswith(f"/computes/{name}"), stack
            expected = {"kind", "id", "vmSize"}
            if compute["kind"] == "AmlCompute":
                expected |= {"minNodes", "maxNodes"}
            assert set(compute) == expected
        for name, datastore in workspace["datastores"].items():
            assert set(datastore) == {"type", "id"}
            assert datastore["id"].endswith(f"/datastores/{name}")
        for name, environment in workspace["environments"].items():
            assert set(environment) == {"kind", "version", "id"}
            if environment["kind"] == "curated":
                assert environment["id"].startswith("azureml:")
            else:
                assert environment["id"].endswith(
                    f"/environments/{name}/versions/{environment['version']}"
                )
        assert "[secret]" not in json.dumps(plan.outputs)


def test_prod_computes_are_bigger_and_include_a_gpu_cluster(plans: dict[str, Plan]) -> None:
    def clusters(stack: str) -> dict[str, dict[str, Any]]:
        found = outputs(plans[stack])["computes"]
        return {n: c for n, c in found.items() if c["kind"] == "AmlCompute"}

    prod, test, dev = clusters("prod"), clusters("test"), clusters("dev")
    assert prod["gpu-cluster"]["vmSize"].startswith("Standard_NC")
    assert "gpu-cluster" not in dev
    assert dev["cpu-cluster"]["maxNodes"] < test["cpu-cluster"]["maxNodes"]
    assert test["cpu-cluster"]["maxNodes"] < prod["cpu-cluster"]["maxNodes"]
    assert prod["cpu-cluster"]["vmSize"] != dev["cpu-cluster"]["vmSize"]
    assert not any(
        c["kind"] == "ComputeInstance" for c in outputs(plans["prod"])["computes"].values()
    )


def test_every_stack_meets_the_compute_baseline(plans: dict[str, Plan]) -> None:
    for stack, plan in plans.items():
        for compute in computes(plan):
            properties = compute["properties"]
            assert properties["disableLocalAuth"] is True, stack
            assert properties["properties"]["enableNodePublicIp"] is False, stack
            if properties["computeType"] == "AmlCompute":
                scale = properties["properties"]["scaleSettings"]
                assert scale["minNodeCount"] == 0, stack
                assert properties["properties"]["remoteLoginPortPublicAccess"] == "Disabled"
            else:
                assert properties["properties"]["sshSettings"]["sshPublicAccess"] == "Disabled"
                assert properties["properties"]["idleTimeBeforeShutdown"]


def test_dev_gives_alice_her_own_instance_with_an_evening_stop(plans: dict[str, Plan]) -> None:
    [instance] = [
        c for c in computes(plans["dev"]) if c["properties"]["computeType"] == "ComputeInstance"
    ]
    settings = instance["properties"]["properties"]
    assigned = settings["personalComputeInstanceSettings"]["assignedUser"]
    assert assigned["objectId"] == "0a1b2c3d-0000-4000-8000-000000000004"  # alice, a User
    [stop] = settings["schedules"]["computeStartStop"]
    assert stop["cron"] == {"expression": "0 19 * * 1-5", "timeZone": "W. Europe Standard Time"}


def test_datastore_containers_are_protected_where_the_workspace_is(plans: dict[str, Plan]) -> None:
    for stack, protected in (("dev", False), ("prod", True)):
        containers = [
            r for r in plans[stack].resources if r.type == "azure-native:storage:BlobContainer"
        ]
        assert containers
        assert all(c.protect is protected for c in containers)


def test_the_same_environment_files_give_the_same_versions_in_every_stack(
    plans: dict[str, Plan],
) -> None:
    versions = {
        stack: outputs(plan)["environments"]["train-cpu"]["version"]
        for stack, plan in plans.items()
    }
    assert len(set(versions.values())) == 1

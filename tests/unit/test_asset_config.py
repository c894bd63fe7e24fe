"""Stack config for computes, datastores and environments: bad values fail before registration,
naming the key, the value and what is allowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from components.errors import ConfigError
from components.exit_codes import ExitCode
from infra.config import parse_stack_config
from infra.entrypoint import app
from tests.conftest import REACHABLE_NETWORK

USER = {"objectId": "0a1b2c3d-0000-4000-8000-000000000004", "type": "User"}
ASSIGNED = {"objectId": USER["objectId"]}
GROUP = {"objectId": "0a1b2c3d-0000-4000-8000-000000000003", "type": "Group"}
ACCOUNT = (
    "/subscriptions/11111111-0000-0000-0000-000000000000/resourceGroups/rg-data/providers"
    "/Microsoft.Storage/storageAccounts/extdata"
)


def stack(**workspace: Any) -> dict[str, Any]:
    return {"location": "westeurope", "tier": "dev", "workspaces": [{"name": "main", **workspace}]}


def problems(**workspace: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_stack_config(stack(**workspace))
    return [str(p) for p in caught.value.problems]


def cluster(**fields: Any) -> dict[str, Any]:
    return {"computes": {"clusters": [{"name": "cpu", **fields}]}}


def instance(**fields: Any) -> dict[str, Any]:
    return {
        "computes": {"instances": [{"name": "ci-alice", "assignedUser": ASSIGNED, **fields}]},
    }


AT = "amlstack:workspaces[main]"


@pytest.mark.parametrize(
    ("workspace", "field", "shown", "allowed"),
    [
        (
            cluster(minNodes=3, maxNodes=2),
            "computes.clusters[cpu].maxNodes",
            "2",
            "maxNodes must be at least minNodes (3)",
        ),
        (
            cluster(minNodes=-1),
            "computes.clusters[cpu].minNodes",
            "-1",
            "greater than or equal to 0",
        ),
        (
            cluster(idleTimeBeforeScaleDown="PT10S"),
            "computes.clusters[cpu].idleTimeBeforeScaleDown",
            "'PT10S'",
            "from PT1M to P7D",
        ),
        (
            cluster(vmSize="DS3_v2"),
            "computes.clusters[cpu].vmSize",
            "'DS3_v2'",
            "an Azure VM size like 'Standard_DS3_v2'",
        ),
        (
            cluster(subnet="/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/vnet"),
            "computes.clusters[cpu].subnet",
            "'/subscriptions/x/",
            "expected a subnet ARM id: /subscriptions/<subscription GUID>/",
        ),
        (
            cluster(identity={"userAssignedIdentities": [f"{ACCOUNT}/x"]}),
            "computes.clusters[cpu].identity.userAssignedIdentities",
            f"['{ACCOUNT}/x']",
            "is not the ARM id of a user-assigned identity (/subscriptions/<subscription GUID>/",
        ),
        (
            {"computes": {"clusters": [{"name": "a-very-long-cluster-name"}]}},
            "computes.clusters[a-very-long-cluster-name].name",
            "'a-very-long-cluster-name'",
            "a compute cluster name must be 2-16 letters",
        ),
        (
            {"computes": {"instances": [{"name": "ci", "assignedUser": ASSIGNED}]}},
            "computes.instances[ci].name",
            "'ci'",
            "a compute instance name must be 3-24",
        ),
        (
            instance(idleTimeBeforeShutdown="PT10M"),
            "computes.instances[ci-alice].idleTimeBeforeShutdown",
            "'PT10M'",
            "from PT15M to P3D",
        ),
        (
            instance(idleTimeBeforeShutdown="P4D"),
            "computes.instances[ci-alice].idleTimeBeforeShutdown",
            "'P4D'",
            "from PT15M to P3D",
        ),
        (
            instance(schedules=[{"action": "Stop", "cron": "0 25 * * *"}]),
            "computes.instances[ci-alice].schedules[0].cron",
            "'0 25 * * *'",
            "hour field '25': 25 is outside 0-23",
        ),
        (
            instance(schedules=[{"action": "Stop", "cron": "0 19 * * *", "timeZone": "CET+1"}]),
            "computes.instances[ci-alice].schedules[0].timeZone",
            "'CET+1'",
            "IANA time zone like 'Europe/Amsterdam'",
        ),
        (
            instance(schedules=[{"action": "Pause", "cron": "0 19 * * *"}]),
            "computes.instances[ci-alice].schedules[0].action",
            "'Pause'",
            "'Start' or 'Stop'",
        ),
        (
            {"computes": {"instances": [{"name": "ci-alice"}]}},
            "computes.instances[ci-alice].assignedUser",
            "required",
            "required",
        ),
        (
            {
                "computes": {
                    "clusters": [{"name": "shared"}],
                    "instances": [{"name": "shared", "assignedUser": ASSIGNED}],
                }
            },
            "computes.instances",
            "['shared']",
            "compute names must be unique in a workspace; repeated: shared",
        ),
        (
            {"access": {"dataScientist": [GROUP]}, "computes": {"personalInstances": {}}},
            "computes",
            "",
            "personalInstances makes one instance per User in access.dataScientist",
        ),
        (
            {"network": {"isolationMode": "Disabled"}, **cluster()},
            "computes",
            "",
            "clusters[cpu] would have no network",
        ),
        (
            {"datastores": [{"name": "raw", "type": "AzureSql"}]},
            "datastores[raw].type",
            "'AzureSql'",
            "'AzureBlob', 'AzureDataLakeGen2' or 'AzureFile'",
        ),
        (
            {"datastores": [{"name": "raw", "type": "AzureBlob", "container": "Raw_Data"}]},
            "datastores[raw].container",
            "'Raw_Data'",
            "3-63 lowercase letters",
        ),
        (
            {"datastores": [{"name": "raw", "type": "AzureBlob", "account": "extdata"}]},
            "datastores[raw].account",
            "'extdata'",
            "expected a storage account ARM id",
        ),
        (
            {
                "datastores": [
                    {"name": "raw", "type": "AzureBlob"},
                    {"name": "raw", "type": "AzureFile"},
                ]
            },
            "datastores",
            "",
            "names must be unique in a workspace; repeated: raw",
        ),
        (
            {
                "environments": [
                    {"name": "train", "image": "python:3.11", "build": {"context": "x"}}
                ]
            },
            "environments[train].build",
            "",
            "exactly one of curated, image or build is required; "
            "this environment sets image and build",
        ),
        (
            {"environments": [{"name": "train"}]},
            "environments[train].build",
            "None",
            "this environment sets none",
        ),
        (
            {"environments": [{"name": "train", "build": {"context": "x"}, "condaFile": "c.yml"}]},
            "environments[train].condaFile",
            "'c.yml'",
            "a conda file needs image",
        ),
        (
            {"environments": [{"name": "train", "image": "Not An Image"}]},
            "environments[train].image",
            "'Not An Image'",
            "expected a Docker image reference",
        ),
        (
            {"environments": [{"name": "a", "image": "python:3"}, {"name": "a", "image": "x"}]},
            "environments",
            "",
            "repeated: a",
        ),
    ],
)
def test_bad_values_are_named_with_what_is_allowed(
    workspace: dict[str, Any], field: str, shown: str, allowed: str
) -> None:
    found = problems(**workspace)
    assert len(found) == 1, found
    [message] = found
    assert message.startswith(f"{AT}.{field}: {shown}"), message
    assert allowed in message


def test_secrets_are_never_shown_even_in_errors_about_the_list_holding_them() -> None:
    key = "placeholder-key-0123456789"
    keyed = {"type": "AccountKey", "key": key}
    found = problems(
        datastores=[
            {"name": "ext", "type": "AzureBlob", "account": ACCOUNT, "credentials": keyed},
            {"name": "ext", "type": "AzureBlob"},
        ]
    )
    assert "repeated: ext" in found[0]
    found += problems(datastores=[{"name": "ext", "type": "AzureBlob", "credentials": keyed}])
    assert "need an existing account" in found[1]
    assert all(key not in message for message in found)


def test_valid_assets_parse_with_documented_defaults() -> None:
    workspace = parse_stack_config(
        stack(
            access={"dataScientist": [USER]},
            computes={"clusters": [{"name": "cpu"}], "personalInstances": {}},
            datastores=[{"name": "raw_data", "type": "AzureBlob"}],
        )
    ).workspaces[0]
    cpu = workspace.computes.clusters[0]
    assert (cpu.vm_size, cpu.min_nodes, cpu.max_nodes, cpu.tier) == (
        "Standard_DS3_v2",
        0,
        4,
        "Dedicated",
    )
    assert cpu.idle_time_before_scale_down.total_seconds() == 120
    personal = workspace.computes.personal_instances
    assert personal is not None
    assert personal.idle_time_before_shutdown.total_seconds() == 3600
    store = workspace.datastores[0]
    assert (store.container_name, store.identity_based, store.data_scientists) == (
        "raw-data",
        True,
        "none",
    )


def test_a_missing_conda_file_fails_the_plan_before_anything_registers(
    scratch_project: Path,
) -> None:
    config = {
        "amlstack:location": "westeurope",
        "amlstack:workspaces": [
            {
                "name": "main",
                "network": REACHABLE_NETWORK,
                "environments": [
                    {"name": "train", "image": "python:3.11", "condaFile": "envs/nope.yml"}
                ],
            }
        ],
    }
    (scratch_project / "Pulumi.bad.yaml").write_text(yaml.safe_dump({"config": config}))
    result = CliRunner().invoke(app, ["plan", "bad", "-C", str(scratch_project)])
    assert result.exit_code == ExitCode.INVALID_INPUT, result.output
    assert (
        "amlstack:workspaces[main].environments[train].condaFile: 'envs/nope.yml': file not found"
        in result.output
    )
    assert "Traceback" not in result.output


def test_a_projects_missing_conda_file_is_named_under_its_hub(scratch_project: Path) -> None:
    """A project's environments are under its hub's ``projects`` in the stack file."""
    train = {"name": "train", "image": "python:3.11", "condaFile": "envs/nope.yml"}
    config = {
        "amlstack:location": "westeurope",
        "amlstack:workspaces": [
            {
                "name": "hub",
                "kind": "Hub",
                "network": REACHABLE_NETWORK,
                "projects": [{"name": "fraud", "environments": [train]}],
            }
        ],
    }
    (scratch_project / "Pulumi.bad.yaml").write_text(yaml.safe_dump({"config": config}))
    result = CliRunner().invoke(app, ["plan", "bad", "-C", str(scratch_project)])
    assert result.exit_code == ExitCode.INVALID_INPUT, result.output
    assert (
        "amlstack:workspaces[hub].projects[fraud].environments[train].condaFile: "
        "'envs/nope.yml': file not found" in result.output
    )
    assert "Traceback" not in result.output

"""Network isolation: the one-way managed network modes (refused from the deployed state), the
outbound rules training needs, private endpoints with private DNS in a customer VNet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from components.errors import ConfigError
from components.exit_codes import ExitCode
from components.naming import OUTBOUND_RULE
from components.network import (
    ISOLATION_ORDER,
    PRIVATE_DNS_ZONES,
    PYTHON_PACKAGE_HOSTS,
    NetworkArgs,
    check_isolation_change,
    outbound_rules,
)
from components.testing import Recording, record
from components.workspace import Workspace, WorkspaceArgs
from infra.entrypoint import app
from infra.plan import Plan, find_project, run_plan

runner = CliRunner()
SUBNET = (
    "/subscriptions/0a1b2c3d-0000-4000-8000-0000000000ff/resourceGroups/rg-hub/providers"
    "/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-endpoints"
)


@given(deployed=st.sampled_from(ISOLATION_ORDER), wanted=st.sampled_from(ISOLATION_ORDER))
def test_only_forward_moves_are_allowed(deployed: str, wanted: str) -> None:
    backwards = ISOLATION_ORDER.index(wanted) < ISOLATION_ORDER.index(deployed)
    if not backwards:
        check_isolation_change("amlstack:workspaces[main].network.isolationMode", deployed, wanted)
        return
    with pytest.raises(ConfigError) as caught:
        check_isolation_change("amlstack:workspaces[main].network.isolationMode", deployed, wanted)
    [problem] = caught.value.problems
    assert problem.field == "amlstack:workspaces[main].network.isolationMode"
    assert problem.value == wanted
    assert repr(deployed) in problem.allowed
    assert "cannot move a managed network back" in problem.allowed


@pytest.mark.parametrize("deployed", [None, "", "SomethingNew"])
def test_no_deployed_mode_means_nothing_to_refuse(deployed: str | None) -> None:
    check_isolation_change("k", deployed, "Disabled")


@given(
    mode=st.sampled_from(ISOLATION_ORDER),
    packages=st.booleans(),
    extra=st.lists(st.from_regex(r"(\*\.)?[a-z][a-z0-9]{0,40}\.(com|org|io)", fullmatch=True)),
)
def test_fqdn_rules_exist_only_for_approved_outbound(
    mode: str, packages: bool, extra: list[str]
) -> None:
    extra = list(dict.fromkeys(extra))
    fqdns = extra if mode == "AllowOnlyApprovedOutbound" else []
    args = NetworkArgs(isolation_mode=mode, outbound={"python_packages": packages, "fqdns": fqdns})  # type: ignore[arg-type]
    rules = outbound_rules(args)
    if mode != "AllowOnlyApprovedOutbound":
        assert rules == {}
        return
    expected = set(PYTHON_PACKAGE_HOSTS if packages else ()) | set(fqdns)
    assert {rule.destination for rule in rules.values()} == expected
    assert len(rules) == len(expected)  # one rule per host, names never collide
    assert all(OUTBOUND_RULE.accepts(name) for name in rules)


def test_fqdns_are_refused_without_approved_outbound() -> None:
    with pytest.raises(ConfigError) as caught:
        NetworkArgs(isolation_mode="AllowInternetOutbound", outbound={"fqdns": ["pypi.org"]})  # type: ignore[arg-type]
    assert "NetworkArgs.outbound" in str(caught.value)
    assert "AllowOnlyApprovedOutbound" in str(caught.value)


def managed_network(recording: Recording) -> dict[str, Any]:
    inputs = recording.one("azure-native:machinelearningservices:Workspace").inputs
    network: dict[str, Any] = inputs["managedNetwork"]
    return network


def test_prod_managed_network_lets_training_install_pip_and_conda_packages() -> None:
    recording = record(
        lambda: Workspace(
            "main", WorkspaceArgs(name="main"), resource_group_name="rg", location="westeurope"
        )
    )
    network = managed_network(recording)
    assert network["isolationMode"] == "AllowOnlyApprovedOutbound"
    assert {rule["destination"] for rule in network["outboundRules"].values()} == set(
        PYTHON_PACKAGE_HOSTS
    )
    assert all(
        rule == {"type": "FQDN", "category": "UserDefined", "destination": rule["destination"]}
        for rule in network["outboundRules"].values()
    )
    assert network["firewallSku"] == "Standard"
    workspace = recording.one("azure-native:machinelearningservices:Workspace").inputs
    assert workspace["provisionNetworkNow"] is True


def test_internet_outbound_has_no_rules_and_no_firewall() -> None:
    args = WorkspaceArgs(name="main", network={"isolation_mode": "AllowInternetOutbound"})  # type: ignore[arg-type]
    recording = record(lambda: Workspace("main", args, resource_group_name="rg", location="x"))
    assert managed_network(recording) == {
        "isolationMode": "AllowInternetOutbound",
        "enableNetworkMonitor": False,
    }


def test_the_identity_approves_private_endpoints_only_with_a_managed_network() -> None:
    def approvals(mode: str) -> int:
        args = WorkspaceArgs(name="main", network={"isolation_mode": mode})  # type: ignore[arg-type]
        recording = record(lambda: Workspace("main", args, resource_group_name="rg", location="x"))
        return sum(
            r.name.endswith("-network-approver-identity")
            for r in recording.of_type("azure-native:authorization:RoleAssignment")
        )

    assert approvals("AllowOnlyApprovedOutbound") == 3  # storage, key vault, registry
    assert approvals("Disabled") == 0


def write_stack(project: Path, name: str, config: dict[str, Any]) -> None:
    (project / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": config}))


def private_stack(**endpoints: Any) -> dict[str, Any]:
    pe = {"subnetId": SUBNET, **endpoints}
    return {
        "amlstack:location": "westeurope",
        "amlstack:workspaces": [
            {"name": "main", "network": {"privateEndpoints": pe}},
            {"name": "team", "network": {"privateEndpoints": pe}},
        ],
    }


@pytest.fixture(scope="module")
def private_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    project = tmp_path_factory.mktemp("private")
    (project / "Pulumi.yaml").write_text((Path(__file__).parents[2] / "Pulumi.yaml").read_text())
    (project / "infra").symlink_to(Path(__file__).parents[2] / "infra", target_is_directory=True)
    write_stack(project, "private", private_stack())
    return run_plan(find_project(project), "private")


def of_type(plan: Plan, token: str) -> list[Any]:
    return [r for r in plan.resources if r.type == token]


def test_private_endpoints_reach_every_dependency_from_the_customer_subnet(
    private_plan: Plan,
) -> None:
    endpoints = of_type(private_plan, "azure-native:network:PrivateEndpoint")
    assert len(endpoints) == 13  # 6 per workspace, and the network's telemetry scope
    groups = sorted(
        e.inputs["privateLinkServiceConnections"][0]["groupIds"][0]
        for e in endpoints
        if e.name.startswith("main-")
    )
    assert groups == sorted(("amlworkspace", "blob", "file", "dfs", "vault", "registry"))
    assert all(e.inputs["subnet"] == {"id": SUBNET} for e in endpoints)
    names = [e.inputs["privateEndpointName"] for e in endpoints]
    assert len(set(names)) == 13
    # Default GRS storage is geo- but not zone-redundant: advisory only (storage-zone-redundant).
    assert {p.policy for p in private_plan.policies} <= {"storage-zone-redundant"}
    assert private_plan.failed_mandatory == ()


def test_one_azure_monitor_scope_per_network_holds_every_workspaces_telemetry(
    private_plan: Plan,
) -> None:
    [scope] = of_type(private_plan, "azure-native:monitor:PrivateLinkScope")
    assert scope.inputs["location"] == "global"
    assert scope.inputs["accessModeSettings"] == {
        "ingestionAccessMode": "Open",
        "queryAccessMode": "Open",
    }
    members = of_type(private_plan, "azure-native:monitor:PrivateLinkScopedResource")
    linked = sorted(m.inputs["linkedResourceId"].rsplit("/", 2)[-2] for m in members)
    assert linked == ["components", "components", "workspaces", "workspaces"]
    assert {m.inputs["kind"] for m in members} == {"Resource"}
    [endpoint] = [
        e
        for e in of_type(private_plan, "azure-native:network:PrivateEndpoint")
        if e.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["azuremonitor"]
    ]
    scope_urn = scope.urn
    assert scope_urn in endpoint.dependencies
    assert {m.urn for m in members} <= set(endpoint.dependencies)  # members' records come with it
    # Queries go through the scope; telemetry still comes in from the managed network.
    for token in (
        "azure-native:applicationinsights:Component",
        "azure-native:operationalinsights:Workspace",
    ):
        for resource in of_type(private_plan, token):
            assert resource.inputs["publicNetworkAccessForQuery"] == "Disabled"
            assert resource.inputs["publicNetworkAccessForIngestion"] == "Enabled"


def test_private_dns_zones_are_created_once_per_stack_and_linked_to_the_vnet(
    private_plan: Plan,
) -> None:
    zones = of_type(private_plan, "azure-native:privatedns:PrivateZone")
    all_zones = {z for zs in PRIVATE_DNS_ZONES.values() for z in zs}
    assert sorted(z.inputs["privateZoneName"] for z in zones) == sorted(all_zones)
    links = of_type(private_plan, "azure-native:privatedns:VirtualNetworkLink")
    assert len(links) == len(all_zones)
    assert {link.inputs["virtualNetwork"]["id"] for link in links} == {
        SUBNET.rsplit("/subnets/", 1)[0]
    }
    assert not any(link.inputs["registrationEnabled"] for link in links)
    zone_ids = {z.outputs["id"] for z in zones}
    groups = of_type(private_plan, "azure-native:network:PrivateDnsZoneGroup")
    assert len(groups) == 13
    assert {
        config["privateDnsZoneId"] for g in groups for config in g.inputs["privateDnsZoneConfigs"]
    } == zone_ids


def test_without_dns_zones_the_endpoints_are_left_to_the_customer_dns(
    scratch_project: Path,
) -> None:
    write_stack(scratch_project, "nodns", private_stack(createDnsZones=False))
    plan = run_plan(find_project(scratch_project), "nodns")
    assert len(of_type(plan, "azure-native:network:PrivateEndpoint")) == 13
    assert of_type(plan, "azure-native:privatedns:PrivateZone") == []
    assert of_type(plan, "azure-native:network:PrivateDnsZoneGroup") == []


def test_the_stack_exports_each_workspace_isolation_mode(sample_plans: dict[str, Plan]) -> None:
    assert sample_plans["dev"].outputs["networkIsolation"] == {"main": "AllowInternetOutbound"}
    assert sample_plans["prod"].outputs["networkIsolation"] == {"main": "AllowOnlyApprovedOutbound"}


def deployed(tmp_path: Path, modes: dict[str, str]) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"tier": "dev", "networkIsolation": modes}))
    return path


def test_plan_refuses_going_back_from_the_deployed_mode(scratch_project: Path) -> None:
    write_stack(
        scratch_project,
        "back",
        {
            "amlstack:location": "westeurope",
            "amlstack:tier": "dev",
            "amlstack:workspaces": [{"name": "main"}],  # dev preset: AllowInternetOutbound
        },
    )
    previous = deployed(scratch_project, {"main": "AllowOnlyApprovedOutbound"})
    result = runner.invoke(
        app, ["plan", "back", "-C", str(scratch_project), "--previous", str(previous)]
    )
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "amlstack:workspaces[main].network.isolationMode: 'AllowInternetOutbound'" in (
        result.output.replace("\n", " ")
    )
    assert "the deployed workspace uses 'AllowOnlyApprovedOutbound'" in result.output
    assert "Traceback" not in result.output


def test_plan_allows_going_forward_and_new_workspaces(scratch_project: Path) -> None:
    write_stack(
        scratch_project,
        "forward",
        {
            "amlstack:location": "westeurope",
            "amlstack:tier": "dev",
            "amlstack:workspaces": [{"name": "main"}, {"name": "new"}],
        },
    )
    previous = deployed(scratch_project, {"main": "Disabled", "gone": "AllowOnlyApprovedOutbound"})
    result = runner.invoke(
        app, ["plan", "forward", "-C", str(scratch_project), "--previous", str(previous), "-q"]
    )
    assert result.exit_code == 0, result.output


def test_plan_without_previous_reads_its_own_stack_reference(
    sample_plans: dict[str, Plan],
) -> None:
    references = [
        r.name for r in sample_plans["prod"].resources if r.type == "pulumi:pulumi:StackReference"
    ]
    assert "organization/amlstack/prod" in references


def test_an_unreadable_previous_file_is_a_config_error(scratch_project: Path) -> None:
    bad = scratch_project / "outputs.json"
    bad.write_text("[1, 2")
    result = runner.invoke(app, ["plan", "dev", "-C", str(scratch_project), "--previous", str(bad)])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "--previous" in result.output
    assert "pulumi stack output --json" in result.output

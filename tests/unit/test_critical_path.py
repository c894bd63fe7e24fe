"""The deployment critical path: the longest chain of dependent resources, and needless waits."""

from __future__ import annotations

import itertools
import json
import random
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path

import pulumi
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from components import Principal, Workspace, WorkspaceArgs
from components._fake_azure import ARM_PATHS
from components.testing import Recording, record
from infra.entrypoint import app
from infra.plan import Plan, find_project, run_plan
from infra.plan.critical_path import (
    DEFAULT_SECONDS,
    LONG_RUNNING_TYPES,
    ORDERINGS,
    PROVISIONING_SECONDS,
    SIDE_EFFECT_TYPES,
    Step,
    estimate,
    longest_path,
    needless_waits,
    provisioning_seconds,
    steps_of,
    unexplained_orderings,
)
from infra.plan.errors import DependencyCycleError
from tests.conftest import ROOT, link_sample_folders
from tests.unit.test_guards import KEY_URI, VAULT_ID

ML = "azure-native:machinelearningservices:"
GRANT = "azure-native:authorization:RoleAssignment"
COMPUTE = ML + "Compute"


@st.composite
def dags(draw: st.DrawFn, max_size: int = 9) -> list[Step]:
    """Random acyclic graphs: a step may only depend on steps drawn before it."""
    size = draw(st.integers(min_value=0, max_value=max_size))
    steps: list[Step] = []
    for index in range(size):
        dependencies = draw(st.sets(st.integers(0, index - 1), max_size=index)) if index else set()
        steps.append(
            Step(
                urn=f"urn:{index}",
                type="azure-native:test:Thing",
                seconds=draw(st.integers(min_value=0, max_value=900)),
                dependencies=tuple(f"urn:{d}" for d in sorted(dependencies)),
            )
        )
    return steps


def chains(steps: list[Step]) -> Iterator[list[str]]:
    """Every dependency chain (brute force), each listed from its first to its last step."""
    by_urn = {s.urn: s for s in steps}

    def ending_at(urn: str) -> Iterator[list[str]]:
        yield [urn]
        for dependency in by_urn[urn].dependencies:
            for chain in ending_at(dependency):
                yield [*chain, urn]

    for step in steps:
        yield from ending_at(step.urn)


def total(steps: list[Step], urns: tuple[str, ...] | list[str]) -> int:
    seconds = {s.urn: s.seconds for s in steps}
    return sum(seconds[u] for u in urns)


@given(dags())
def test_the_path_is_a_real_chain_and_its_time_is_its_sum(steps: list[Step]) -> None:
    path = longest_path(steps)
    by_urn = {s.urn: s for s in steps}
    for before, after in itertools.pairwise(path.resources):
        assert before in by_urn[after].dependencies
    assert path.seconds == total(steps, path.resources)
    assert bool(path.resources) == bool(steps)


@given(dags())
def test_no_chain_takes_longer_and_no_single_resource_either(steps: list[Step]) -> None:
    path = longest_path(steps)
    assert all(path.seconds >= total(steps, chain) for chain in chains(steps))
    assert all(path.seconds >= s.seconds for s in steps)


@given(dags(), st.data())
def test_adding_a_dependency_never_shortens_the_path(
    steps: list[Step], data: st.DataObject
) -> None:
    if len(steps) < 2:
        return
    later = data.draw(st.integers(1, len(steps) - 1))
    earlier = data.draw(st.integers(0, later - 1))
    step = steps[later]
    more = [
        *steps[:later],
        Step(step.urn, step.type, step.seconds, (*step.dependencies, steps[earlier].urn)),
        *steps[later + 1 :],
    ]
    assert longest_path(more).seconds >= longest_path(steps).seconds


@given(dags(), st.randoms(use_true_random=False))
def test_the_order_steps_come_in_does_not_matter(steps: list[Step], rng: random.Random) -> None:
    shuffled = list(steps)
    rng.shuffle(shuffled)
    assert longest_path(shuffled) == longest_path(steps)


def test_unknown_dependencies_are_ignored_and_cycles_are_refused() -> None:
    lone = Step("a", "t", 5, ("outside-the-plan",))
    assert longest_path([lone]).resources == ("a",)
    with pytest.raises(DependencyCycleError, match=r"in the plan: a -> b -> a \(each waits"):
        longest_path(
            [Step("a", "t", 1, ("b",)), Step("b", "t", 1, ("a",)), Step("c", "t", 1, ("a",))]
        )


def test_provisioning_times_come_from_the_table() -> None:
    def compute(kind: str) -> int:
        return provisioning_seconds(COMPUTE, {"properties": {"computeType": kind}})

    assert compute("ComputeInstance") > compute("AmlCompute") > 0
    assert compute("Kubernetes") == PROVISIONING_SECONDS[COMPUTE]
    assert provisioning_seconds(ML + "OnlineDeployment") > provisioning_seconds(ML + "Workspace")
    assert provisioning_seconds("azure-native:web:WebApp") == DEFAULT_SECONDS
    assert provisioning_seconds("amlstack:ml:Workspace") == 0
    assert provisioning_seconds("pulumi:providers:azure-native") == 0


def test_every_azure_type_the_mocks_know_has_a_documented_estimate() -> None:
    missing = sorted(set(ARM_PATHS) - set(PROVISIONING_SECONDS))
    assert not missing, f"add typical provisioning times for {missing} to critical_path.py"


@pytest.fixture(scope="module")
def plans(sample_plans: Mapping[str, Plan]) -> dict[str, Plan]:
    return {stack: sample_plans[stack] for stack in ("dev", "test", "prod")}


def test_the_plan_fills_the_critical_path_from_its_own_resources(plans: dict[str, Plan]) -> None:
    for stack, plan in plans.items():
        path = plan.critical_path
        by_urn = {r.urn: r for r in plan.resources}
        assert path == estimate(plan.resources), stack
        assert [by_urn[u].type for u in path.resources[:1]] == [
            "azure-native:resources:ResourceGroup"
        ]
        assert ML + "Workspace" in {by_urn[u].type for u in path.resources}
        for before, after in itertools.pairwise(path.resources):
            assert before in by_urn[after].dependencies
        assert path.seconds == sum(
            provisioning_seconds(by_urn[u].type, by_urn[u].inputs) for u in path.resources
        )
        document = json.loads(plan.to_json())["criticalPath"]
        assert document == {"seconds": path.seconds, "resources": list(path.resources)}


def test_the_plan_prints_the_critical_path(plans: dict[str, Plan]) -> None:
    result = CliRunner().invoke(app, ["plan", "dev", "-C", str(ROOT)])
    assert result.exit_code == 0, result.output
    path = plans["dev"].critical_path
    minutes, seconds = divmod(path.seconds, 60)
    assert f"critical path: about {minutes} min {seconds:02d} s to deploy" in result.output
    names = [r.name for urn in path.resources for r in plans["dev"].resources if r.urn == urn]
    section = result.output.split("critical path: about", 1)[1].split("\n\n", 1)[0]
    lines = section.splitlines()[1:]
    shown = [line.split()[-1] for line in lines if " s  " in line]
    assert names == shown
    assert "main-workspace" in names
    reasons = [line.split(": ", 1)[1] for line in lines if "after the one above:" in line]
    assert reasons == [reason for reason in path.reasons if reason]
    deployments = ORDERINGS[(ML + "OnlineDeployment", ML + "OnlineDeployment")]
    assert deployments.reason in reasons  # dev's two deployments of one endpoint


# Ordering edges: every depends_on that no input implies states why Azure needs it.


def ordered(*, by_input: bool) -> Recording:
    """Two deployments, the second after the first: by an input, or by ``depends_on`` only."""

    def program() -> None:
        first = pulumi.CustomResource(ML + "OnlineDeployment", "blue", {"name": "blue"})
        inputs = {"name": "green", "after": first.id if by_input else "blue"}
        pulumi.CustomResource(
            ML + "OnlineDeployment",
            "green",
            inputs,
            pulumi.ResourceOptions(depends_on=[] if by_input else [first]),
        )

    return record(program)


@pytest.mark.parametrize("by_input", [True, False])
def test_the_recording_tells_data_dependencies_from_ordering_edges(by_input: bool) -> None:
    recording = ordered(by_input=by_input)
    blue, green = recording.named("blue"), recording.named("green")
    assert green.dependencies == (blue.urn,)
    assert green.input_dependencies == ((blue.urn,) if by_input else ())
    step = next(s for s in steps_of(recording.resources) if s.urn == green.urn)
    assert step.orderings == (() if by_input else (blue.urn,))
    path = estimate(recording.resources)
    assert path.resources == (blue.urn, green.urn)
    reason = ORDERINGS[(ML + "OnlineDeployment", ML + "OnlineDeployment")].reason
    assert path.reasons == ("", "" if by_input else reason)


def test_an_ordering_edge_without_a_reason_is_reported() -> None:
    steps = [
        Step("a", "azure-native:test:A", 1),
        Step("b", "azure-native:test:B", 1, ("a",), orderings=("a",)),
        Step("c", "azure-native:test:B", 1, ("a",)),  # a data dependency needs no reason
        Step("d", ML + "OnlineDeployment", 1, ("e", "outside"), orderings=("e", "outside")),
        Step("e", ML + "OnlineDeployment", 1),
    ]
    assert unexplained_orderings(steps) == [("azure-native:test:B", "azure-native:test:A")]


def ordering_stack(scratch_project: Path) -> Plan:
    """The dev sample stack with what no sample stack has: a customer-managed key (storage
    and registry wait for the key's role) and a batch endpoint with two deployments."""
    for name in ("Pulumi.dev.yaml", "Pulumi.shared.yaml"):
        shutil.copy(ROOT / name, scratch_project / name)
    link_sample_folders(scratch_project)
    path = scratch_project / "Pulumi.dev.yaml"
    document = yaml.safe_load(path.read_text())
    workspace = document["config"]["amlstack:workspaces"][0]
    workspace["containerRegistry"] = {"sku": "Premium"}
    workspace["encryption"] = {"keyVaultId": VAULT_ID, "keyUri": KEY_URI}
    batch = workspace["batchEndpoints"][0]
    batch["deployments"].append({**batch["deployments"][0], "name": "green"})
    path.write_text(yaml.safe_dump(document))
    return run_plan(find_project(scratch_project), "dev")


def test_every_ordering_edge_states_its_reason(
    sample_plans: Mapping[str, Plan], scratch_project: Path
) -> None:
    plans = [*sample_plans.values(), ordering_stack(scratch_project)]
    found: set[tuple[str, str]] = set()
    for plan in plans:
        steps = steps_of(plan.resources)
        assert unexplained_orderings(steps) == [], (
            f"{plan.stack}: add the reason for these ordering edges to ORDERINGS"
        )
        types = {s.urn: s.type for s in steps}
        found |= {(types[s.urn], types[u]) for s in steps for u in s.orderings if u in types}
    assert set(ORDERINGS) == found, "an entry of ORDERINGS that no stack needs"
    assert all(o.reason and o.source for o in ORDERINGS.values())


# Needless waits: long-running resources must not wait for side effects they do not need.


def step(urn: str, type_: str, *dependencies: str) -> Step:
    return Step(urn, type_, provisioning_seconds(type_), dependencies)


def workspace_graph(*extra: Step) -> list[Step]:
    """A workspace needing its identity's grant, a person's grant on it, and `extra`."""
    return [
        step("identity", "azure-native:managedidentity:UserAssignedIdentity"),
        step("identity-grant", GRANT, "identity"),
        step("workspace", ML + "Workspace", "identity", "identity-grant"),
        step("person-grant", GRANT, "workspace"),
        step("datastore", ML + "Datastore", "workspace"),
        *extra,
    ]


def test_a_compute_may_wait_for_what_its_workspace_needs() -> None:
    graph = workspace_graph(step("cluster", COMPUTE, "workspace"))
    assert needless_waits(graph) == []


@pytest.mark.parametrize("side_effect", ["person-grant", "datastore"])
def test_a_compute_or_endpoint_waiting_for_a_grant_or_datastore_is_flagged(
    side_effect: str,
) -> None:
    graph = workspace_graph(
        step("cluster", COMPUTE, "workspace", side_effect),
        step("helper", "azure-native:test:Thing", side_effect),
        step("endpoint", ML + "OnlineEndpoint", "helper"),
    )
    assert needless_waits(graph) == [("cluster", side_effect), ("endpoint", side_effect)]
    lengths = longest_path(graph).seconds, longest_path(workspace_graph()).seconds
    assert lengths[0] > lengths[1]


@given(dags(max_size=8), st.data())
def test_needless_waits_are_real_waits_on_side_effects(
    steps: list[Step], data: st.DataObject
) -> None:
    kinds = st.sampled_from(sorted({*LONG_RUNNING_TYPES, *SIDE_EFFECT_TYPES, ML + "Workspace"}))
    typed = [Step(s.urn, data.draw(kinds), s.seconds, s.dependencies) for s in steps]
    by_urn = {s.urn: s for s in typed}
    upstream = {s.urn: {c[0] for c in chains(typed) if c[-1] == s.urn} - {s.urn} for s in typed}
    for waiter, side in needless_waits(typed):
        assert by_urn[waiter].type in LONG_RUNNING_TYPES
        assert by_urn[side].type in SIDE_EFFECT_TYPES
        assert side in upstream[waiter]
        anchors = [a for a in upstream[waiter] if by_urn[a].type == ML + "Workspace"]
        assert all(side not in upstream[a] for a in anchors)
    assert needless_waits(typed, side_effects=frozenset()) == []


def record_with_compute(depend_on_component: bool) -> Recording:
    def program() -> None:
        workspace = Workspace(
            "main",
            WorkspaceArgs(name="main"),
            resource_group_name="rg",
            location="westeurope",
        )
        workspace.grant_data_scientist(
            Principal(object_id="0a1b2c3d-0000-4000-8000-000000000003", type="Group")
        )
        waits_for: pulumi.Resource = workspace if depend_on_component else workspace.workspace
        pulumi.CustomResource(
            COMPUTE,
            "main-cpu",
            {"properties": {"computeType": "AmlCompute"}},
            pulumi.ResourceOptions(depends_on=[waits_for]),
        )

    return record(program)


def test_depending_on_the_workspace_component_waits_for_every_grant() -> None:
    """Why components depend on ``workspace.workspace``: the component means all its children."""
    good = needless_waits(steps_of(record_with_compute(depend_on_component=False).resources))
    assert good == []
    recording = record_with_compute(depend_on_component=True)
    bad = needless_waits(steps_of(recording.resources))
    names = {recording.by_urn()[side].name for _, side in bad}
    assert names == {
        "main-data-scientist-0a1b2c3d-0000-4000-8000-000000000003",
        "main-workspace-contributor-identity",
        "main-storage-lock",
        "main-keyvault-lock",
        "main-registry-lock",
        "main-workspace-diagnostics",
        "main-keyvault-diagnostics",
        "main-registry-diagnostics",
        "main-logs-diagnostics",
        "main-insights-diagnostics",
        "main-storage-account-diagnostics",
        "main-storage-diagnostics",
        "main-storage-file-diagnostics",
        "main-storage-queue-diagnostics",
        "main-storage-table-diagnostics",
    }


def test_the_sample_stacks_hold_nothing_up_needlessly(plans: dict[str, Plan]) -> None:
    for stack, plan in plans.items():
        steps = steps_of(plan.resources)
        assert needless_waits(steps) == [], stack
        by_urn = {r.urn: r for r in plan.resources}
        for workspace in (r for r in plan.resources if r.type == ML + "Workspace"):
            grants = [by_urn[d] for d in workspace.dependencies if by_urn[d].type == GRANT]
            wired = ("storageAccount", "keyVault", "containerRegistry", "applicationInsights")
            scopes = {g.inputs["scope"] for g in grants}
            assert scopes >= {workspace.inputs[k] for k in wired}
            # Beyond them: the identity approves the managed network's endpoints to the data
            # lake and the registry, which the workspace's outbound rules need first.
            rules = workspace.inputs.get("managedNetwork", {}).get("outboundRules", {})
            targets = {
                r["destination"]["serviceResourceId"]
                for r in rules.values()
                if r["type"] == "PrivateEndpoint"
            }
            assert scopes - {workspace.inputs[k] for k in wired} == targets
            assert {g.inputs["principalType"] for g in grants} == {"ServicePrincipal"}
        waited_on = {d for s in steps for d in s.dependencies}
        people = [
            r
            for r in plan.resources
            if r.type == GRANT and r.inputs.get("principalType") in ("User", "Group")
        ]
        assert people, stack
        assert not {r.urn for r in people} & waited_on, f"{stack}: a person's grant holds up"

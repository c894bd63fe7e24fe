"""The deployment critical path: the longest chain of dependent resources, and needless waits."""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterator, Mapping

import pulumi
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from components import Principal, Workspace, WorkspaceArgs
from components._fake_azure import ARM_PATHS
from components.testing import Recording, record
from infra.entrypoint import app
from infra.plan import Plan
from infra.plan.critical_path import (
    DEFAULT_SECONDS,
    LONG_RUNNING_TYPES,
    PROVISIONING_SECONDS,
    SIDE_EFFECT_TYPES,
    Step,
    estimate,
    longest_path,
    needless_waits,
    provisioning_seconds,
    steps_of,
)
from infra.plan.errors import DependencyCycleError
from tests.conftest import ROOT

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
    shown = [line.split()[-1] for line in section.splitlines()[1:]]
    assert names == shown
    assert "main-workspace" in names


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

"""The stack outputs contract (`components.outputs`): the program exports exactly the model, and
the jobs package refuses a document that differs from it, naming the key and the stack."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from components.compute import ComputeCluster
from components.outputs import (
    ClusterOutput,
    EndpointOutput,
    InstanceOutput,
    Pending,
    RegistryOutput,
    StackOutputs,
)
from infra.plan import Plan, find_project, run_plan
from jobs.context import load_context, parse_outputs
from jobs.errors import StackContextError
from tests.conftest import ROOT, SAMPLE_STACKS
from tests.jobs_support import DEV_OUTPUTS

OPTIONAL = {
    ("workspaceName",),
    ("registry",),
    ("registry", "publicNetworkAccess"),
    ("workspaces", "main", "batchEndpoints"),
    ("workspaces", "main", "schedules"),
    ("replacementKeys",),
}
"""The keys the program leaves out when they do not apply (no workspace, no registry), and
those that stacks deployed by an earlier amlstack lack (the registry's network door, batch
endpoints and schedules)."""


def dump(outputs: StackOutputs) -> dict[str, Any]:
    document: dict[str, Any] = outputs.model_dump(mode="json", by_alias=True, exclude_none=True)
    return document


@pytest.mark.parametrize("stack", SAMPLE_STACKS)
def test_every_sample_stack_exports_exactly_the_model(
    sample_plans: dict[str, Plan], stack: str
) -> None:
    """Strict validation, then back to JSON, gives the document itself: no key the model does not
    know (not even at the top level, where readers would ignore it), none missing."""
    outputs = sample_plans[stack].outputs
    assert dump(parse_outputs(outputs, stack=stack, source="plan")) == outputs


def test_the_jobs_fixture_is_a_document_of_the_contract() -> None:
    document = json.loads(DEV_OUTPUTS.read_text())
    assert dump(parse_outputs(document, stack="dev", source="fixture")) == document


def key_paths(document: dict[str, Any], at: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every key of the amlstack objects in `document`; map keys (workspace keys, compute
    names, traffic's deployment names) are data, not contract, and are only walked through."""
    for key, value in document.items():
        path = (*at, key)
        yield path
        if not isinstance(value, dict):
            continue
        if key in ("workspaces", "computes", "datastores", "environments", "endpoints"):
            for name, item in value.items():
                yield from key_paths(item, (*path, name))
        elif key == "registry":
            yield from key_paths(value, path)


@pytest.fixture(scope="module")
def dev_outputs(sample_plans: dict[str, Plan]) -> dict[str, Any]:
    return sample_plans["dev"].outputs


def at(document: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    for key in path:
        document = document[key]
    return document


def test_the_dev_stack_has_an_entry_of_every_model(dev_outputs: dict[str, Any]) -> None:
    """The exhaustive tests below walk the dev stack's outputs: it has every kind of entry."""
    workspace = dev_outputs["workspaces"]["main"]
    assert {c["kind"] for c in workspace["computes"].values()} == {"AmlCompute", "ComputeInstance"}
    assert workspace["datastores"]
    assert workspace["environments"]
    assert workspace["endpoints"]
    assert dev_outputs["registry"]


def test_every_missing_key_is_named_with_the_stack(dev_outputs: dict[str, Any]) -> None:
    wrong = []
    for path in key_paths(dev_outputs):
        document = copy.deepcopy(dev_outputs)
        del at(document, path[:-1])[path[-1]]
        try:
            parse_outputs(document, stack="dev", source="outputs.json")
            message = "accepted"
        except StackContextError as error:
            message = str(error)
        expected = (
            "accepted"
            if path in OPTIONAL
            else f"outputs of stack 'dev' from outputs.json do not match the stack outputs "
            f"amlstack writes (docs/reference/stack-outputs.md):\n  - {'.'.join(path)}: "
            "required but missing"
        )
        if expected not in message:
            wrong.append((path, message))
    assert wrong == []


def test_every_renamed_key_inside_an_amlstack_object_is_named(dev_outputs: dict[str, Any]) -> None:
    """Top-level keys are the program's namespace (see the next test); one level down, a
    renamed key is named twice: its old name missing, its new name unknown (a compute whose
    ``kind`` is renamed is not validated further: which keys it may have depends on it)."""
    wrong = []
    for path in key_paths(dev_outputs):
        if len(path) == 1 or path in OPTIONAL:
            continue
        document = copy.deepcopy(dev_outputs)
        parent = at(document, path[:-1])
        parent[f"{path[-1]}Renamed"] = parent.pop(path[-1])
        expected = [f"{'.'.join(path)}: required but missing"]
        if path[-1] != "kind" or path[-3] != "computes":
            expected.append(f"{'.'.join(path)}Renamed: unknown key {path[-1] + 'Renamed'!r}")
        try:
            parse_outputs(document, stack="dev", source="outputs.json")
        except StackContextError as error:
            if not all(f"\n  - {line}" in str(error) for line in expected):
                wrong.append((path, str(error)))
        else:
            wrong.append((path, "accepted"))
    assert wrong == []


def test_a_stack_outputs_file_without_computes_names_the_key_and_the_stack(
    dev_outputs: dict[str, Any], tmp_path: Path
) -> None:
    document = copy.deepcopy(dev_outputs)
    del document["workspaces"]["main"]["computes"]
    path = tmp_path / "outputs-dev.json"
    path.write_text(json.dumps(document))
    with pytest.raises(StackContextError) as caught:
        load_context("dev", outputs_file=path, env={})
    assert f"the outputs of stack 'dev' from {path} do not match" in str(caught.value)
    assert "\n  - workspaces.main.computes: required but missing" in str(caught.value)


def test_a_stack_without_workspaces_is_valid_but_no_target_for_jobs(
    sample_plans: dict[str, Plan], tmp_path: Path
) -> None:
    path = tmp_path / "outputs-shared.json"
    path.write_text(json.dumps(sample_plans["shared"].outputs))
    with pytest.raises(StackContextError, match="stack 'shared' has no workspace"):
        load_context("shared", outputs_file=path, env={})


def test_unknown_top_level_keys_are_the_programs_own_and_ignored(
    dev_outputs: dict[str, Any],
) -> None:
    document = {**dev_outputs, "dashboardUrl": "https://example.com"}
    assert dump(parse_outputs(document, stack="dev", source="test")) == dev_outputs


def test_an_instance_has_no_node_counts(
    dev_outputs: dict[str, Any],
) -> None:
    document = copy.deepcopy(dev_outputs)
    computes = document["workspaces"]["main"]["computes"]
    instance = next(c for c in computes.values() if c["kind"] == "ComputeInstance")
    instance["minNodes"] = 0
    with pytest.raises(StackContextError) as caught:
        parse_outputs(document, stack="dev", source="test")
    assert (
        "computes.ci-dev-main-8ede8d.minNodes: unknown key 'minNodes'; allowed keys: id, kind, "
        "vmSize"
    ) in str(caught.value)


def test_pending_checks_the_keys_where_the_program_builds_them() -> None:
    with pytest.raises(TypeError, match=r"ClusterOutput.pending\(\): unknown keys \['size'\]"):
        ClusterOutput.pending(id="x", size="Standard_DS3_v2", min_nodes=0, max_nodes=1)
    with pytest.raises(TypeError, match=r"missing keys \['max_nodes', 'vm_size'\]"):
        ClusterOutput.pending(id="x", min_nodes=0, max_nodes=None)


def test_pending_gives_the_document_keys_defaults_and_leaves_out_absent_options() -> None:
    registry = RegistryOutput.pending(name="r", id="/r", location="westeurope")
    instance = InstanceOutput.pending(id="/c", vm_size="Standard_DS3_v2")
    endpoint = EndpointOutput.pending(
        name="e", scoring_uri="https://e/score", deployments=["blue"], traffic={"blue": 100}
    )
    stack = StackOutputs.pending(
        subscription_id="s",
        tenant_id="t",
        resource_group="rg",
        location="westeurope",
        tier="dev",
        workspaces={},
        registry=registry,
        network_isolation={},
    )
    assert instance.document() == {
        "kind": "ComputeInstance",
        "id": "/c",
        "vmSize": "Standard_DS3_v2",
    }
    assert endpoint.document()["scoringUri"] == "https://e/score"
    document = stack.document()
    assert "workspaceName" not in document
    assert document["registry"] == {"name": "r", "id": "/r", "location": "westeurope"}
    assert dump(StackOutputs.model_validate(document)) == document


def test_a_component_renaming_its_output_key_fails_where_it_builds_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The program cannot export a key the contract does not have: the plan stops at the
    component's ``outputs()``, not at job time."""

    def renamed(self: ComputeCluster) -> Pending[ClusterOutput]:
        return ClusterOutput.pending(id=self.id, vm_size="x", min_nodes=0, maximum_nodes=2)

    monkeypatch.setattr(ComputeCluster, "outputs", renamed)
    with pytest.raises(Exception, match=r"unknown keys \['maximum_nodes'\]"):
        run_plan(find_project(ROOT), "prod")

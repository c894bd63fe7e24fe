"""`amlstack plan`: the real program under Pulumi's mocks, the JSON contract, the graph, errors."""

from __future__ import annotations

import gc
import json
import re
import runpy
from collections.abc import Mapping
from pathlib import Path

import pulumi
import pytest
import yaml
from typer.testing import CliRunner

from components.errors import ConfigError
from components.exit_codes import ExitCode
from components.testing import RecordingMocks, record
from infra.entrypoint import app
from infra.plan import (
    Plan,
    find_project,
    plan_graph,
    read_stack_file,
    run_plan,
    to_dot,
    to_mermaid,
    write_graph,
)
from infra.plan.errors import PlanFileError
from tests.conftest import REACHABLE_NETWORK, ROOT

STACKS = ["dev", "test", "prod"]
runner = CliRunner()


@pytest.fixture(scope="module")
def plans(sample_plans: Mapping[str, Plan]) -> dict[str, Plan]:
    return {stack: sample_plans[stack] for stack in STACKS}


def write_stack(project: Path, name: str, config: dict[str, object]) -> None:
    (project / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": config}))


def test_every_sample_stack_plans(plans: dict[str, Plan]) -> None:
    for stack, plan in plans.items():
        types = {r.type for r in plan.resources}
        assert "azure-native:machinelearningservices:Workspace" in types, stack
        assert plan.outputs["workspaceName"].startswith(f"mlw-amlstack-{stack}-")


def test_the_sample_stacks_really_differ(plans: dict[str, Plan]) -> None:
    def account(stack: str) -> dict[str, object]:
        [found] = [r for r in plans[stack].resources if r.name == "main-storage"]
        return found.inputs

    skus = {stack: account(stack)["sku"] for stack in STACKS}
    assert len({json.dumps(s) for s in skus.values()}) == 3
    assert account("dev")["publicNetworkAccess"] == "Enabled"
    assert account("prod")["publicNetworkAccess"] == "Disabled"
    assert not any(r.protect for r in plans["dev"].resources)
    assert any(r.protect for r in plans["prod"].resources)


def test_plan_json_follows_the_contract(plans: dict[str, Plan]) -> None:
    document = json.loads(plans["dev"].to_json())
    assert set(document) == {
        "version",
        "project",
        "stack",
        "resources",
        "outputs",
        "policies",
        "criticalPath",
        "principals",
        "reachability",
        "notManaged",
    }
    assert document["version"] == 1
    assert document["principals"]["0a1b2c3d-0000-4000-8000-000000000004"] == "alice@contoso.com"
    assert (document["project"], document["stack"]) == ("amlstack", "dev")
    urns = [r["urn"] for r in document["resources"]]
    assert urns == sorted(urns)
    for resource in document["resources"]:
        assert set(resource) == {
            "urn",
            "type",
            "name",
            "custom",
            "parent",
            "inputs",
            "dependencies",
            "protect",
        }
        assert resource["parent"] == "" or resource["parent"] in urns
        assert all(dep in urns for dep in resource["dependencies"])
    [workspace] = [
        r
        for r in document["resources"]
        if r["type"] == "azure-native:machinelearningservices:Workspace"
    ]
    assert workspace["inputs"]["systemDatastoresAuthMode"] == "Identity"  # camelCase, as sent
    assert isinstance(document["criticalPath"]["resources"], list)
    assert document["reachability"]
    for path in document["reachability"]:
        assert set(path) == {"consumer", "target", "via", "reachable", "reason"}
        assert path["via"] in {
            "public",
            "privateEndpoint",
            "outboundRule",
            "trustedService",
            "owner",
            "none",
        }
        assert path["reachable"] is (path["via"] != "none")
    keys = [(p["consumer"], p["target"]) for p in document["reachability"]]
    assert keys == sorted(keys)


def test_plan_json_is_byte_identical_for_the_same_config(plans: dict[str, Plan]) -> None:
    again = run_plan(find_project(ROOT), "dev")
    assert again.to_json() == plans["dev"].to_json()
    text = plans["dev"].to_json()
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def test_dependencies_include_those_implied_by_inputs(plans: dict[str, Plan]) -> None:
    by_name = {r.name: r for r in plans["dev"].resources}
    group = by_name["dev-rg"]
    assert group.urn in by_name["main-storage"].dependencies
    assert by_name["main-logs"].urn in by_name["main-insights"].dependencies
    assert (
        by_name["main-workspace"].urn in by_name["main-workspace-contributor-identity"].dependencies
    )


def test_dev_sample_assigns_the_five_seed_roles_by_guid(plans: dict[str, Plan]) -> None:
    seed = {
        "acdd72a7-3385-48ef-bd42-f606fba81ae7",
        "b24988ac-6180-42a0-ab88-20f7382dd24c",
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        "f6c7c914-8db3-469d-8ca1-694a8f32e121",
        "635dd51f-9968-44d3-b7fb-6d9a6bd613ae",
    }
    workspace_id = plans["dev"].outputs["workspaces"]["main"]["id"]
    grants = [
        r.inputs
        for r in plans["dev"].resources
        if r.type == "azure-native:authorization:RoleAssignment"
        and r.inputs["scope"] == workspace_id
        and not r.name.endswith("-identity")
    ]
    assert seed <= {g["roleDefinitionId"].rsplit("/", 1)[1] for g in grants}
    for grant in grants:
        assert len(grant["roleAssignmentName"]) == 36


def test_outputs_give_the_stack_coordinates_and_no_secret(plans: dict[str, Plan]) -> None:
    outputs = plans["prod"].outputs
    assert {"subscriptionId", "resourceGroup", "workspaceName", "location", "workspaces"} <= set(
        outputs
    )
    assert outputs["resourceGroup"] == "rg-amlstack-prod"
    assert "[secret]" not in json.dumps(outputs)


def test_invalid_config_fails_before_any_resource_is_registered(scratch_project: Path) -> None:
    write_stack(
        scratch_project,
        "bad",
        {"amlstack:location": "westeurope", "amlstack:workspaces": [{"name": "X"}]},
    )
    created: list[str] = []

    class Counting(RecordingMocks):
        def new_resource(self, args):  # type: ignore[no-untyped-def]
            created.append(args.typ)
            return super().new_resource(args)

    with pytest.raises(pulumi.RunError) as caught:
        record(
            lambda: runpy.run_path(str(scratch_project / "infra"), run_name="__main__"),
            config={"amlstack:location": "westeurope", "amlstack:workspaces": [{"name": "X"}]},
            mocks=Counting(),
        )
    assert isinstance(caught.value.__cause__, ConfigError)
    assert created == []
    with pytest.raises(ConfigError):
        run_plan(find_project(scratch_project), "bad")


def test_cli_plan_writes_json_and_graph(tmp_path: Path, plans: dict[str, Plan]) -> None:
    out, graph = tmp_path / "plan.json", tmp_path / "plan.mmd"
    result = runner.invoke(
        app, ["plan", "dev", "-C", str(ROOT), "--json", str(out), "--graph", str(graph)]
    )
    assert result.exit_code == 0, result.output
    assert "main-workspace" in result.output
    assert "mlw-amlstack-dev-main" in result.output
    assert out.read_text() == plans["dev"].to_json()
    assert graph.read_text().startswith("flowchart LR")
    assert gc.isenabled()  # the command pauses the collector only while it runs


def test_cli_rejects_bad_config_with_the_key_and_no_traceback(scratch_project: Path) -> None:
    write_stack(
        scratch_project,
        "typo",
        {"amlstack:location": "westeurope", "amlstack:workspaces": [{"name": "main", "acess": {}}]},
    )
    result = runner.invoke(app, ["plan", "typo", "-C", str(scratch_project)])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert (
        "amlstack:workspaces[main].acess: unknown key 'acess'; did you mean 'access'?"
        in result.output
    )
    assert "Traceback" not in result.output


def test_a_dev_stack_may_write_the_dev_presets_registry_sku(scratch_project: Path) -> None:
    workspace = {"name": "main", "containerRegistry": {"sku": "Basic"}}
    config = {
        "amlstack:location": "westeurope",
        "amlstack:tier": "dev",
        "amlstack:workspaces": [workspace],
    }
    write_stack(scratch_project, "basic", config)
    result = runner.invoke(app, ["plan", "basic", "-C", str(scratch_project)])
    assert result.exit_code == 0, result.output


def test_a_program_that_is_not_amlstacks_is_refused(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: other\nruntime: python\nmain: other.py\n")
    (tmp_path / "other.py").write_text("value = 1\n")
    write_stack(tmp_path, "dev", {"other:size": 1})
    result = runner.invoke(app, ["plan", "dev", "-C", str(tmp_path)])
    assert result.exit_code == ExitCode.INVALID_INPUT, result.output
    assert result.output.startswith(
        "error: invalid configuration: Pulumi.yaml: main: 'other.py' is not allowed; expected "
        "amlstack's program (infra/)"
    )


def test_cli_names_the_stacks_when_the_stack_file_is_missing() -> None:
    result = runner.invoke(app, ["plan", "staging", "-C", str(ROOT)])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "Pulumi.staging.yaml" in result.output
    assert "dev, hub, prod, shared, test" in result.output


def test_unparseable_stack_file_is_a_config_error_quoting_the_line(scratch_project: Path) -> None:
    (scratch_project / "Pulumi.broken.yaml").write_text(
        "config:\n  amlstack:location: westeurope\n  amlstack:tags: {owner: [ml}\n"
    )
    with pytest.raises(ConfigError, match="expected valid YAML") as raised:
        read_stack_file(find_project(scratch_project), "broken")
    assert "amlstack:tags: {owner: [ml}\n" in str(raised.value)  # the line, then a caret
    assert "^" in str(raised.value)


def test_any_stack_name_with_a_stack_file_works(scratch_project: Path) -> None:
    write_stack(
        scratch_project,
        "Team_A.Staging",
        {
            "amlstack:location": "eastus2",
            "amlstack:tier": "dev",
            "amlstack:workspaces": [{"name": "vision"}, {"name": "nlp"}],
        },
    )
    plan = run_plan(find_project(scratch_project), "Team_A.Staging")
    names = {key: w["name"] for key, w in plan.outputs["workspaces"].items()}
    assert names["nlp"] == "mlw-amlstack-team-a-staging-nlp"
    assert names["vision"].startswith("mlw-amlstack-team-a-stagin")  # 34 chars: shortened by hash
    assert len(names["vision"]) == 33


def test_secure_values_in_the_stack_file_are_masked(scratch_project: Path) -> None:
    write_stack(
        scratch_project,
        "s",
        {
            "amlstack:location": "westeurope",
            "amlstack:workspaces": [{"name": "main", "network": REACHABLE_NETWORK}],
            "amlstack:tags": {"owner": {"secure": "v1:abcdef"}},
        },
    )
    plan = run_plan(find_project(scratch_project), "s")
    assert "v1:abcdef" not in plan.to_json()


def test_graph_formats(
    tmp_path: Path, plans: dict[str, Plan], monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = plans["dev"]
    full = plan_graph(plan, "full")
    edges = sum(
        1
        for r in plan.resources
        if r.custom
        for d in r.dependencies
        if d in {x.urn for x in plan.resources if x.custom}
    )
    assert len(full.nodes) == sum(1 for r in plan.resources if r.custom)
    assert len(full.edges) == edges
    assert to_mermaid(plan, "full").count("-->") == edges
    assert to_dot(plan, "full").count("->") == edges
    dot = to_dot(plan)
    assert write_graph(plan, tmp_path / "g.dot").read_text() == dot
    assert write_graph(plan, tmp_path / "g.md").read_text().startswith("```mermaid\nflowchart LR")
    monkeypatch.setattr("shutil.which", lambda _name: None)
    assert write_graph(plan, tmp_path / "g.svg") == tmp_path / "g.mmd"
    with pytest.raises(PlanFileError, match=r"g\.png: suffix '\.png' is no graph format; .*\.svg"):
        write_graph(plan, tmp_path / "g.png")


def dot_nodes(dot: str) -> dict[str, str]:
    """Node id -> its attributes, from the node lines of a DOT text."""
    return dict(re.findall(r"^\s*(n\d+) \[(.*)\];$", dot, flags=re.MULTILINE))


def test_the_default_graph_is_readable_and_marks_the_critical_path(
    plans: dict[str, Plan],
) -> None:
    plan = plans["dev"]
    dot = to_dot(plan)
    nodes = dot_nodes(dot)
    assert len(nodes) <= 40 < sum(1 for r in plan.resources if r.custom)
    critical = {node for node, attributes in nodes.items() if "critical:" in attributes}
    by_label = {attributes.split("\\n")[1]: node for node, attributes in nodes.items()}
    names = {r.urn: r.name for r in plan.resources}
    on_path = [names[urn] for urn in plan.critical_path.resources]
    assert {by_label[name] for name in on_path if name in by_label} <= critical
    assert "main-credit-blue" in on_path
    assert by_label["main-credit-blue"] in critical
    assert (
        "ml:OnlineDeployment\\nmain-credit-blue\\ncritical: 10 min"
        in nodes[by_label["main-credit-blue"]]
    )
    critical_edges = re.findall(r"(n\d+) -> (n\d+) \[color=", dot)
    assert len(critical_edges) == len(critical) - 1  # one chain through every critical node
    assert "about 25 min 30 s to deploy" in dot
    # Role assignments, locks and diagnostic settings are folded into their resource.
    assert "RoleAssignment" not in dot
    assert "DiagnosticSetting" not in dot
    assert "+ diagnostics, 8 roles" in nodes[by_label["main-workspace"]]
    # A box per workspace and per endpoint.
    boxes = re.findall(r'subgraph cluster_\w+ \{\n\s*label="([^"]+)"', dot)
    assert sorted(boxes) == ["OnlineEndpoint main-credit", "Workspace main"]


def test_every_resource_can_be_drawn_and_prod_stays_readable(plans: dict[str, Plan]) -> None:
    full = plan_graph(plans["prod"], "full")
    assert {n.label[1] for n in full.nodes} >= {"main-storage-lock", "main-workspace-diagnostics"}
    assert len(plan_graph(plans["prod"]).nodes) <= 40


def test_a_graph_file_of_an_unknown_kind_is_refused_before_planning(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["plan", "no-such-stack", "-C", str(ROOT), "--graph", str(tmp_path / "g.png")]
    )
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "suffix '.png' is no graph format; expected one of .svg" in result.output
    assert "Pulumi.no-such-stack.yaml" not in result.output  # refused before the stack is read


def test_piped_output_keeps_the_stack_outputs_valid_json_and_names_people() -> None:
    result = runner.invoke(app, ["plan", "dev", "-C", str(ROOT)])
    assert result.exit_code == 0, result.output
    text = result.stdout.split("\nstack outputs:\n", 1)[1].split("\n\npolicies:", 1)[0]
    outputs = json.loads(text)  # not hard-wrapped in the middle of an ARM id
    assert outputs["workspaces"]["main"]["id"].endswith("/workspaces/mlw-amlstack-dev-main")
    assert max(len(line) for line in text.splitlines()) > 160
    [grant] = [
        line
        for line in result.stdout.splitlines()
        if "main-data-scientist-" in line and line.rstrip().endswith("alice@contoso.com")
    ]
    assert "for alice@contoso.com" in grant
    [instance] = [
        line for line in result.stdout.splitlines() if "ci-dev-main-" in line and "Compute " in line
    ]
    assert instance.rstrip().endswith("for alice@contoso.com")


def test_policy_failures_are_grouped_per_rule_with_the_key_that_fixes_them(
    scratch_project: Path,
) -> None:
    write_stack(
        scratch_project,
        "loose",
        {
            "amlstack:location": "westeurope",
            "amlstack:workspaces": [
                {
                    "name": "main",
                    "network": {"publicNetworkAccess": "Enabled"},
                    "storage": {"sku": "Standard_LRS"},
                    "datastores": [{"name": "lake", "type": "AzureDataLakeGen2"}],
                }
            ],
        },
    )
    result = runner.invoke(app, ["plan", "loose", "-C", str(scratch_project), "-q"])
    assert result.exit_code == 3, result.output
    lines = result.output.split("error: ", 1)[1].splitlines()
    count = int(lines[0].split()[0])
    rules = [line.split()[0] for line in lines[1:-1]]
    assert lines[0] == f"{count} mandatory findings of {len(rules)} rules failed:"
    assert rules == sorted(rules)
    assert count >= len(rules) + 1  # storage-geo-redundant fails twice: both accounts
    [geo] = [line for line in lines if line.lstrip().startswith("storage-geo-redundant ")]
    assert "(2: main-datalake-storage, main-storage)" in geo
    assert geo.endswith("set amlstack:workspaces[main].storage.sku: Standard_GRS")
    [public] = [line for line in lines if "workspace-public-network-disabled" in line]
    assert public.endswith("set amlstack:workspaces[main].network.publicNetworkAccess: Disabled")


def test_a_misspelt_stack_gets_a_suggestion() -> None:
    result = runner.invoke(app, ["plan", "prdo", "-C", str(ROOT)])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "did you mean 'prod'? stacks: dev, hub, prod, shared, test" in result.output

"""The replacement table (infra/plan/create_only.json) and the tool that regenerates it."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pulumi_azure_native
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic.alias_generators import to_camel

from infra.plan import Plan
from infra.plan.create_only import PATH_PARAMETER, covers, rules_for, table
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "create_only_metadata.json"
SDK = Path(pulumi_azure_native.__file__).parent
_INPUT = re.compile(r'__props__\.__dict__\["(\w+)"\] = (?!None)')


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "create_only_tool", ROOT / "tools" / "create_only.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


tool = _tool()


def _sdk_inputs(token: str) -> set[str]:
    """The input names pulumi-azure-native's Python SDK sends for `token`."""
    _, module, name = token.split(":")
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    source = (SDK / module / f"{snake}.py").read_text()
    return {to_camel(name) for name in _INPUT.findall(source)}


def test_every_custom_type_of_the_sample_plans_has_a_row(sample_plans: dict[str, Plan]) -> None:
    types = {r.type for plan in sample_plans.values() for r in plan.resources if r.custom}
    assert types <= set(table()["types"])


def test_every_rule_starts_at_an_input_of_its_type(sample_plans: dict[str, Plan]) -> None:
    planned: dict[str, set[str]] = {}
    for plan in sample_plans.values():
        for resource in plan.resources:
            planned.setdefault(resource.type, set()).update(resource.inputs)
    for token, row in table()["types"].items():
        inputs = _sdk_inputs(token) if token.startswith("azure-native:") else planned[token]
        for path in (*row["replaces"], *row["createOnly"]):
            assert path.split(".")[0].removesuffix("[]") in inputs, (token, path)


@pytest.mark.parametrize(
    ("token", "path"),
    [
        ("azure-native:storage:StorageAccount", "accountName"),
        ("azure-native:storage:StorageAccount", "isHnsEnabled"),
        ("azure-native:storage:StorageAccount", "location"),
        ("azure-native:resources:ResourceGroup", "location"),
        ("azure-native:machinelearningservices:Workspace", "workspaceName"),
        ("azure-native:machinelearningservices:Workspace", "resourceGroupName"),
        ("azure-native:machinelearningservices:OnlineDeployment", "deploymentName"),
        ("azure-native:machinelearningservices:OnlineDeployment", "location"),
        ("azure-native:machinelearningservices:EnvironmentVersion", "properties.build.contextUri"),
        ("azure-native:authorization:RoleAssignment", "principalId"),
        ("azure-native:network:PrivateEndpoint", "subnet.id"),
    ],
)
def test_known_replacements(token: str, path: str) -> None:
    rules = rules_for(token)
    assert rules is not None
    assert rules.replacing(path)


def test_a_deployments_instance_type_is_create_only_but_not_replaced_by_the_provider() -> None:
    rules = rules_for("azure-native:machinelearningservices:OnlineDeployment")
    assert rules is not None
    assert rules.fixed("properties.instanceType")
    assert rules.replacing("properties.instanceType") is None


@pytest.mark.parametrize(
    "path", ["properties.codeConfiguration.codeId", "properties.codeConfiguration.scoringScript"]
)
def test_a_deployments_code_is_create_only_in_the_spec_but_documented_as_updated_in_place(
    path: str,
) -> None:
    rules = rules_for("azure-native:machinelearningservices:OnlineDeployment")
    assert rules is not None
    assert path in rules.create_only  # what the metadata says, kept for regeneration
    assert "in-place rolling update" in rules.updated_in_place[path]
    assert (rules.replacing(path), rules.fixed(path)) == (None, None)


@pytest.mark.parametrize("path", ["properties.model", "properties.environmentId", "tags.team"])
def test_a_deployments_model_environment_and_tags_update_in_place(path: str) -> None:
    rules = rules_for("azure-native:machinelearningservices:OnlineDeployment")
    assert rules is not None
    assert (rules.replacing(path), rules.fixed(path)) == (None, None)


def test_the_workspace_location_is_fixed_at_creation_and_a_traffic_edit_is_not() -> None:
    workspace = rules_for("azure-native:machinelearningservices:Workspace")
    traffic = rules_for("pulumi-python:dynamic/amlstack:EndpointTraffic")
    assert workspace is not None
    assert traffic is not None
    assert workspace.fixed("location")
    assert traffic.replacing("traffic.blue") is None
    assert not traffic.delete_before_replace


def test_no_type_replaces_on_a_tag_edit() -> None:
    for token in table()["types"]:
        rules = rules_for(token)
        assert rules is not None
        assert rules.replacing("tags.team") is None, token


def test_fixed_paths_and_path_parameters_are_read_off_the_rules() -> None:
    for token in table()["types"]:
        rules = rules_for(token)
        assert rules is not None
        fixed = {p: why for p, why in rules.create_only.items() if rules.fixed(p) is not None}
        assert rules.fixed_paths == fixed, token
        assert list(rules.fixed_paths) == list(fixed), token
        parameters = sorted(p for p, why in rules.replaces.items() if why == PATH_PARAMETER)
        assert list(rules.path_parameters) == parameters, token
    assert PATH_PARAMETER == tool.PATH


def test_below_also_finds_a_rule_under_the_path() -> None:
    rules = rules_for("azure-native:machinelearningservices:OnlineDeployment")
    assert rules is not None
    assert rules.fixed("properties") is None
    assert rules.fixed("properties", below=True) == rules.create_only["properties.instanceType"]
    assert rules.fixed("properties.codeConfiguration", below=True) is None  # updated in place
    endpoint = rules_for("azure-native:machinelearningservices:OnlineEndpoint")
    assert endpoint is not None
    assert endpoint.replacing("properties") is None
    assert endpoint.replacing("properties", below=True) == endpoint.replaces["properties.keys"]
    assert endpoint.replacing("location", below=True) == endpoint.replaces["location"]


def test_an_unlisted_type_has_no_rules() -> None:
    assert rules_for("azure-native:compute:VirtualMachine") is None


_SEGMENT = st.from_regex(r"[a-z][a-zA-Z0-9]{0,8}", fullmatch=True)
_PATH = st.lists(_SEGMENT, min_size=1, max_size=4).map(".".join)


@given(_PATH, st.lists(st.one_of(_SEGMENT.map(".{}".format), st.integers(0, 9).map("[{}]".format))))
def test_a_rule_covers_itself_and_every_path_below_it(rule: str, below: list[str]) -> None:
    assert covers(rule, rule + "".join(below))


@given(_PATH, st.integers(0, 99), _SEGMENT)
def test_an_array_index_matches_the_rules_brackets(rule: str, index: int, field: str) -> None:
    assert covers(f"{rule}[].{field}", f"{rule}[{index}].{field}")


@given(_PATH, st.from_regex(r"[a-zA-Z0-9]{1,4}", fullmatch=True))
def test_a_rule_does_not_cover_a_sibling_that_shares_its_prefix(rule: str, more: str) -> None:
    assert not covers(rule, rule + more)


def test_the_committed_table_is_in_the_tools_format() -> None:
    text = (ROOT / "infra" / "plan" / "create_only.json").read_text()
    assert tool.dump(json.loads(text)) == text


def _fixture_rows(table_rows: dict[str, Any] | None = None) -> dict[str, Any]:
    metadata = json.loads(FIXTURE.read_text())
    regenerated = tool.regenerate(
        metadata, ["azure-native:example:Thing"], {"types": table_rows or {}}
    )
    return regenerated["types"]["azure-native:example:Thing"]


def test_the_tool_applies_the_providers_rules_to_metadata() -> None:
    row = _fixture_rows()
    assert row["replaces"] == {
        "isHnsEnabled": tool.FORCE_NEW,  # flattened, by its SDK name
        "location": tool.FORCE_NEW,
        "resourceGroupName": tool.PATH,
        "rules[].port": tool.FROM_SUBTYPE,
        "settings.tier": tool.FORCE_NEW,
        "settings.zone": tool.FROM_SUBTYPE,
        "thingName": tool.PATH,
    }
    # Below a oneOf, or two levels down: the provider's diff does not look, Azure still refuses.
    assert row["createOnly"] == {
        "properties.code.codeId": tool.UNREACHED,
        "properties.sku": tool.UNREACHED,
        "settings.nested.key": tool.UNREACHED,
    }
    assert row["apiVersion"] == "2030-01-01"
    assert row["deleteBeforeReplace"] is True


def test_the_tool_keeps_hand_written_evidence_and_drops_its_own_stale_rows() -> None:
    previous = {
        "azure-native:example:Thing": {
            "apiVersion": "2020-01-01",
            "createOnly": {"size": "documented by Azure", "gone": tool.UNREACHED},
            "deleteBeforeReplace": True,
            "replaces": {"oldName": tool.PATH},
        }
    }
    row = _fixture_rows(previous)
    assert row["createOnly"]["size"] == "documented by Azure"
    assert "gone" not in row["createOnly"]
    assert "oldName" not in row["replaces"]
    assert row["apiVersion"] == "2030-01-01"


def test_the_tool_keeps_rows_the_metadata_does_not_have_and_refuses_unknown_types() -> None:
    kept = {"apiVersion": "", "createOnly": {}, "deleteBeforeReplace": False, "replaces": {}}
    out = tool.regenerate(
        {"resources": {}},
        ["pulumi:pulumi:StackReference"],
        {"types": {"pulumi:pulumi:StackReference": kept}},
    )
    assert out["types"] == {"pulumi:pulumi:StackReference": kept}
    with pytest.raises(SystemExit, match="azure-native:nope:Nope"):
        tool.regenerate({"resources": {}}, ["azure-native:nope:Nope"], {"types": {}})


def test_check_mode_reports_a_table_that_differs(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(
        json.dumps({"resources": [{"type": "azure-native:example:Thing", "custom": True}]})
    )
    committed = tmp_path / "table.json"
    committed.write_text(tool.dump({"types": {}}))
    args = [str(FIXTURE), "--plan", str(plan), "--table", str(committed)]
    assert tool.main([*args, "--check"]) == 1
    assert tool.main(args) == 0
    assert tool.main([*args, "--check"]) == 0

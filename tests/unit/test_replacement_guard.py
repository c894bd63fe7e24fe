"""What passes the offline plan must pass ``pulumi up``: ``amlstack plan --since`` on real config
edits of the sample stacks shows each changed input, replacements where Azure or the provider
replace, the engine's order, and refuses (exit 3) what loses data unless the stack allows it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from components.recording import RecordedResource
from infra.cli import app
from infra.plan import Plan
from infra.plan.changes import changes
from infra.plan.create_only import rules_for
from infra.plan.guard import DATA_LOSS, SOFT_DELETED_NAME, STATEFUL, TRAFFIC, guard
from infra.policy import RULE_IDS
from infra.policy.evaluate import PROTECT_RULE
from tests.conftest import ROOT, link_sample_folders, make_scratch_project

runner = CliRunner()
Config = dict[str, Any]
EXIT_POLICY_FAILED = 3
"""The plan's exit code for a mandatory finding (DESIGN.md, "Contracts")."""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A scratch project with the sample stacks, their files and a copy of the scoring code."""
    make_scratch_project(tmp_path)
    for stack in ("dev", "prod", "shared"):
        shutil.copy(ROOT / f"Pulumi.{stack}.yaml", tmp_path / f"Pulumi.{stack}.yaml")
    link_sample_folders(tmp_path, copy=("serving",))
    return tmp_path


def edit(project: Path, stack: str, change: Callable[[Config], None]) -> None:
    path = project / f"Pulumi.{stack}.yaml"
    document = yaml.safe_load(path.read_text())
    change(document["config"])
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def workspace(config: Config) -> Config:
    main: Config = config["amlstack:workspaces"][0]
    return main


def endpoint(config: Config) -> Config:
    credit: Config = workspace(config)["endpoints"][0]
    return credit


def plan(project: Path, stack: str, *args: str) -> Result:
    return runner.invoke(app, ["plan", stack, "-C", str(project), *args])


def since(project: Path, stack: str, change: Callable[[Config], None]) -> tuple[Result, Config]:
    """Plan `stack` as deployed, apply `change` to its config, plan again with --since: the
    result and the plan JSON."""
    before, after = project / "before.json", project / "after.json"
    assert plan(project, stack, "--json", str(before)).exit_code == 0
    edit(project, stack, change)
    result = plan(project, stack, "--since", str(before), "--json", str(after))
    document: Config = json.loads(after.read_text()) if after.exists() else {}
    return result, document


def text(result: Result) -> str:
    return " ".join(result.output.split())


def ops(document: Config) -> dict[str, str]:
    """Resource name -> operation, in step order."""
    return {c["urn"].split("::")[-1]: c["op"] for c in document["changes"]}


def test_a_traffic_edit_is_an_update_of_the_split_with_each_share(project: Path) -> None:
    def shift(config: Config) -> None:
        endpoint(config)["traffic"] = {"blue": 70, "green": 30}

    result, document = since(project, "dev", shift)
    assert result.exit_code == 0, result.output
    [change] = document["changes"]
    assert (change["type"], change["op"]) == (TRAFFIC, "update")
    assert change["diffs"] == [
        {"path": "traffic.blue", "old": 90, "new": 70, "replaces": False},
        {"path": "traffic.green", "old": 10, "new": 30, "replaces": False},
    ]
    assert "~ traffic.blue: 90 -> 70" in result.output
    assert "~ traffic.green: 10 -> 30" in result.output
    assert "(1 to update)" in result.output


def test_a_tag_edit_updates_in_place(project: Path) -> None:
    def tag(config: Config) -> None:
        config["amlstack:tags"]["team"] = "credit"

    result, document = since(project, "dev", tag)
    assert result.exit_code == 0, result.output
    assert set(ops(document).values()) == {"update"}
    assert "main-storage" in ops(document)
    diffs = {d["path"] for c in document["changes"] for d in c["diffs"]}
    assert "tags.team" in diffs
    assert "forces replacement" not in result.output


def test_removing_a_deployment_moves_its_traffic_first_then_deletes_it(project: Path) -> None:
    def drop_green(config: Config) -> None:
        endpoint(config)["deployments"] = endpoint(config)["deployments"][:1]
        endpoint(config)["traffic"] = {"blue": 100}

    result, document = since(project, "dev", drop_green)
    assert result.exit_code == 0, result.output
    assert ops(document)["main-credit-traffic"] == "update"
    assert ops(document)["main-credit-green"] == "delete"
    order = list(ops(document))
    assert order.index("main-credit-traffic") < order.index("main-credit-green")
    lines = result.output.splitlines()
    moved = next(i for i, line in enumerate(lines) if "update  pulumi-python" in line)
    deleted = next(
        i for i, line in enumerate(lines) if "delete  machine" in line and "green" in line
    )
    assert moved < deleted


def test_a_location_change_of_prod_fails_and_passes_only_as_intended(project: Path) -> None:
    def move(config: Config) -> None:
        config["amlstack:location"] = "northeurope"

    result, document = since(project, "prod", move)
    assert result.exit_code == EXIT_POLICY_FAILED
    assert "name them in amlstack:allowReplace" in text(result)
    refused = {p["urn"] for p in document["policies"] if p["policy"] == DATA_LOSS}
    names = {r["urn"]: r["name"] for r in document["resources"]}
    allow = sorted(names[urn] for urn in refused)
    assert {"prod-rg", "main-storage", "main-workspace", "main-keyvault"} <= set(allow)
    assert 'location: "westeurope" -> "northeurope" forces replacement' in result.output

    # Allowed, the data loss is waived; but the vault and workspace would come back under
    # names Azure keeps for the soft-deleted ones: still refused.
    edit(project, "prod", lambda c: c.update({"amlstack:allowReplace": allow}))
    result = plan(project, "prod", "--since", str(project / "before.json"))
    assert result.exit_code == EXIT_POLICY_FAILED
    assert f"mandatory {SOFT_DELETED_NAME} (main-keyvault)" in text(result)
    assert "waived no-unintended-data-loss (main-storage)" in text(result)

    # A new resource group gives every resource a new Azure name: the move goes through.
    def regroup(config: Config) -> None:
        config["amlstack:resourceGroup"]["name"] = "rg-amlstack-prod-ne"

    edit(project, "prod", regroup)
    after = project / "moved.json"
    result = plan(project, "prod", "--since", str(project / "before.json"), "--json", str(after))
    refused = [p for p in json.loads(after.read_text())["policies"] if p["level"] == "mandatory"]
    assert [p["policy"] for p in refused] == [DATA_LOSS] * len(refused)
    missing = sorted({names.get(p["urn"], p["urn"]) for p in refused})
    edit(project, "prod", lambda c: c.update({"amlstack:allowReplace": [*allow, *missing]}))
    result = plan(project, "prod", "--since", str(project / "before.json"))
    assert result.exit_code == 0, result.output
    assert "amlstack:allowReplace (replacing or deleting these is intended)" in result.output


def test_high_business_impact_is_fixed_at_creation(project: Path) -> None:
    def lower(config: Config) -> None:
        workspace(config)["highBusinessImpact"] = False

    result, document = since(project, "prod", lower)
    assert result.exit_code == EXIT_POLICY_FAILED
    [change] = [c for c in document["changes"] if c["urn"].endswith("::main-workspace")]
    assert change["op"] == "replace"
    assert change["diffs"] == [
        {"path": "hbiWorkspace", "old": True, "new": False, "replaces": True}
    ]
    assert "~ hbiWorkspace: true -> false  forces replacement" in result.output


def test_resizing_the_live_deployment_is_refused_with_how_to_roll(project: Path) -> None:
    def resize(config: Config) -> None:
        endpoint(config)["deployments"][0]["instanceType"] = "Standard_F8s_v2"

    result, document = since(project, "prod", resize)
    assert result.exit_code == EXIT_POLICY_FAILED
    assert ops(document)["main-credit-blue"] == "replace"
    message = text(result)
    assert "main-credit-blue carries 100% of the endpoint's live traffic" in message
    assert "add a deployment with the new settings at 0% traffic" in message


def test_resizing_a_deployment_without_traffic_replaces_it(project: Path) -> None:
    def green_at_0(config: Config) -> None:
        endpoint(config)["traffic"] = {"blue": 100}

    def resize_green(config: Config) -> None:
        endpoint(config)["deployments"][1]["instanceType"] = "Standard_F8s_v2"

    edit(project, "dev", green_at_0)  # deployed: green takes no traffic
    result, document = since(project, "dev", resize_green)
    assert result.exit_code == 0, result.output
    assert ops(document) == {"main-credit-green": "replace"}
    assert '~ properties.instanceType: "Standard_DS3_v2" -> "Standard_F8s_v2"' in result.output


def test_resizing_and_moving_traffic_off_in_one_edit_is_refused(project: Path) -> None:
    """The replacement deletes the deployment before the split moves its traffic away."""

    def both(config: Config) -> None:
        endpoint(config)["traffic"] = {"blue": 100}
        endpoint(config)["deployments"][1]["instanceType"] = "Standard_F8s_v2"

    result, _ = since(project, "dev", both)
    assert result.exit_code == EXIT_POLICY_FAILED
    assert "main-credit-green carries 10% of the endpoint's live traffic" in text(result)


def test_a_scoring_code_edit_updates_the_live_deployments_in_place(project: Path) -> None:
    def new_code(_: Config) -> None:
        score = project / "serving" / "credit-default" / "score.py"
        score.write_text(score.read_text() + "\n# tuned\n")

    result, document = since(project, "dev", new_code)
    assert result.exit_code == 0, result.output
    assert ops(document)["main-credit-blue"] == "update"
    assert ops(document)["main-credit-green"] == "update"
    [blue] = [c for c in document["changes"] if c["op"] == "update" and c["urn"].endswith("blue")]
    assert [d["path"] for d in blue["diffs"]] == ["properties.codeConfiguration.codeId"]


def test_a_cluster_resize_replaces_the_cluster(project: Path) -> None:
    def resize(config: Config) -> None:
        workspace(config)["computes"]["clusters"][0]["vmSize"] = "Standard_DS4_v2"

    result, document = since(project, "dev", resize)
    assert result.exit_code == 0, result.output
    assert ops(document) == {"main-cpu-cluster-compute": "replace"}
    assert "properties.properties.vmSize" in result.output
    assert "forces replacement" in result.output


def test_changes_are_in_the_json_only_with_since_and_byte_identical(project: Path) -> None:
    first, second, plain = project / "1.json", project / "2.json", project / "plain.json"
    assert plan(project, "dev", "--json", str(plain)).exit_code == 0
    assert "changes" not in json.loads(plain.read_text())
    for out in (first, second):
        assert plan(project, "dev", "--since", str(plain), "--json", str(out)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    assert json.loads(first.read_text())["changes"] == []


def test_an_allow_entry_that_names_nothing_is_reported(project: Path) -> None:
    edit(project, "dev", lambda c: c.update({"amlstack:allowReplace": ["main-strage"]}))
    result = plan(project, "dev")
    assert result.exit_code == 0
    assert "'main-strage' names no resource of this stack" in text(result)


def _mutated(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, str):
        return value + "x"
    return None


def _at(inputs: dict[str, Any], path: str) -> Any:
    value: Any = inputs
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _with(inputs: dict[str, Any], path: str, new: Any) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(inputs))
    *parents, last = path.split(".")
    target = copy
    for part in parents:
        target = target[part]
    target[last] = new
    return copy


def test_each_replacing_or_create_only_input_of_each_stateful_type_replaces(
    sample_plans: dict[str, Plan],
) -> None:
    """Every input the table says replaces, or Azure fixes at creation, of every stateful
    resource the sample stacks create: changed, it is a replacement that names it, and the guard
    refuses it."""
    covered: dict[str, set[str]] = {}
    for sample in sample_plans.values():
        for old in sample.resources:
            if old.type not in STATEFUL:
                continue
            rules = rules_for(old.type)
            assert rules is not None
            fixed = [p for p in rules.create_only if rules.fixed(p)]
            for path in [*rules.replaces, *fixed]:
                new_value = _mutated(_at(old.inputs, path))
                if new_value is None:
                    continue
                new = replace(old, inputs=_with(old.inputs, path, new_value))
                _check_replaced(old, new, path)
                covered.setdefault(old.type, set()).add(path)
    assert set(covered) == set(STATEFUL)
    assert "hbiWorkspace" in covered["azure-native:machinelearningservices:Workspace"]
    assert "location" in covered["azure-native:keyvault:Vault"]
    assert "isHnsEnabled" in covered["azure-native:storage:StorageAccount"]
    # Issue 12's settings fixed at creation: flipping them on a deployed stack replaces.
    storage = covered["azure-native:storage:StorageAccount"]
    assert "encryption.requireInfrastructureEncryption" in storage
    assert "zoneRedundancy" in covered["azure-native:containerregistry:Registry"]


def _check_replaced(old: RecordedResource, new: RecordedResource, path: str) -> None:
    found, _ = changes([old], [new])
    [change] = found
    assert change.op == "replace", (old.type, path)
    assert [(d.path, bool(d.replaces)) for d in change.diffs] == [(path, True)], (old.type, path)
    results = guard(found, allow=(), live={}).results
    assert any(r.policy == DATA_LOSS and r.level == "mandatory" for r in results)
    assert any(path in r.message for r in results if r.policy == DATA_LOSS)


def test_an_allowed_resource_is_unprotected_and_its_protect_rule_waived(project: Path) -> None:
    assert PROTECT_RULE in RULE_IDS
    edit(project, "prod", lambda c: c.update({"amlstack:allowReplace": ["main-storage"]}))
    out = project / "allowed.json"
    result = plan(project, "prod", "--json", str(out))
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    protect = {r["name"]: r["protect"] for r in document["resources"]}
    assert (protect["main-storage"], protect["main-keyvault"]) == (False, True)
    names = {r["urn"]: r["name"] for r in document["resources"]}
    waived = [
        (p["policy"], names[p["urn"]]) for p in document["policies"] if p["level"] == "waived"
    ]
    assert (PROTECT_RULE, "main-storage") in waived
    assert "main-storage may be replaced or deleted and are not protected" in text(result)

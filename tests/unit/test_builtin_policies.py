"""Azure's own built-in policies, evaluated by the oracle in tests/azure_policy against the sample
stacks' plans: the prod plan satisfies every built-in of issue 12's table (the customer-managed
key rows when ``encryption`` is set) and every Microsoft cloud security benchmark policy whose
subject it creates; dev and test satisfy them too, except what their plan lists as relaxed.

What cannot hold yet is listed here by name, with why, so that each entry fails the test once it
holds: what no plan can decide or the stacks deliberately do otherwise (`EXEMPTED`,
`UNDECIDABLE`)."""

from __future__ import annotations

import re

import pytest
import yaml

from infra.plan import Plan, find_project, run_plan
from infra.policy.builtins import ASSIGNMENT_BY_POLICY, BUILTINS, NOT_FOLLOWED
from tests.azure_policy import Definition, Library, Result, evaluate_plan, render_gaps
from tests.conftest import ROOT

TABLE = frozenset(
    {
        # Issue 12's table: what prod failed before.
        "524b0254",
        "42781ec6",
        "bc1b984e",
        "7aa1c9d5",
        "4733ea7b",
        "0b60c0b2",
        "56288eb2",
        "5cfb9e8a",
        "33835ef6",
        "30499756",
        "59759c62",
        "25a70cc8",
        "7bd000e3",
        "2fb86bf3",
        "79494980",
        "818719e5",
        "9d2b0a20",
        "85b005b2",
        # ... and what passed and must keep passing.
        "fe83a0eb",
        "404c3081",
        "4fa4b6c0",
        "8c6a50c6",
        "92a89a79",
        "12d4fa5e",
        "1e66c121",
        "dc921057",
        "9f2dea28",
        "e96a9a5f",
        "679ddf89",
        "5f0c7d88",
        "afe0c3be",
        "199d5677",
        "e15effd4",
    }
)
CMK = frozenset({"ba769a63", "6fac406b", "5b9159ae"})
"""Customer-managed keys: opt-in, shipped Disabled by the benchmark; checked with encryption."""

EXEMPTED = {"7804b5c7"}
"""Computes in a managed network cannot join a virtual network: exempted (docs/security.md)."""

UNDECIDABLE = {"090c7b07"}
"""Defender's vulnerability assessments of images exist only at run time."""


@pytest.fixture(scope="module")
def in_scope(policy_library: Library) -> list[Definition]:
    """The table's built-ins and the benchmark's (those it does not ship Disabled)."""
    return [
        d
        for d in policy_library.definitions.values()
        if d.short_id in TABLE or policy_library.mcsb.enabled(d.id)
    ]


def failures(results: list[Result]) -> set[tuple[str, str]]:
    return {
        (r.definition.short_id, r.resource.label.split(" ")[0].rsplit("::", 1)[-1])
        for r in results
        if r.outcome in ("non-compliant", "undecidable")
    }


def without_known(found: set[tuple[str, str]]) -> set[tuple[str, str]]:
    return {(p, r) for p, r in found if p not in EXEMPTED | UNDECIDABLE}


def relaxed_builtins(plan: Plan) -> set[str]:
    """The built-ins the plan's relaxed findings name (the rule's and its preset's)."""
    return {
        short_id
        for p in plan.policies
        if p.level == "relaxed"
        for short_id in re.findall(r"\b[0-9a-f]{8}\b", p.message)
    }


def test_the_scope_is_the_issues_table_and_the_benchmark(
    in_scope: list[Definition], policy_library: Library
) -> None:
    ids = {d.short_id for d in in_scope}
    assert ids >= TABLE
    assert {"0b60c0b2", "7804b5c7", "6edd7eda", "cf820ca0"} <= ids  # MCSB members
    assert not ids & CMK  # shipped Disabled by the benchmark, not in the table's default rows


def test_the_prod_plan_meets_the_table_and_the_benchmark(
    sample_plans: dict[str, Plan], in_scope: list[Definition], policy_library: Library
) -> None:
    results = evaluate_plan(sample_plans["prod"].resources, policy_library, definitions=in_scope)
    found = failures(results)
    assert without_known(found) == set()
    # The known ones are what they say: managed-network computes and run-time assessments only.
    assert {p for p, _ in found} & (EXEMPTED | UNDECIDABLE) == EXEMPTED | UNDECIDABLE
    assert {r for p, r in found if p in EXEMPTED} == {
        "main-cpu-cluster-compute",
        "main-gpu-cluster-compute",
    }


def test_the_shared_plan_meets_them_all(
    sample_plans: dict[str, Plan], in_scope: list[Definition], policy_library: Library
) -> None:
    results = evaluate_plan(sample_plans["shared"].resources, policy_library, definitions=in_scope)
    assert failures(results) == set()
    assert "33835ef6" in {r.definition.short_id for r in results if r.outcome == "compliant"}


@pytest.mark.parametrize("stack", ["dev", "test", "hub"])
def test_dev_tier_plans_fail_only_what_they_list_as_relaxed(
    stack: str,
    sample_plans: dict[str, Plan],
    in_scope: list[Definition],
    policy_library: Library,
) -> None:
    plan = sample_plans[stack]
    results = evaluate_plan(plan.resources, policy_library, definitions=in_scope)
    relaxed = relaxed_builtins(plan)
    unlisted = {(p, r) for p, r in without_known(failures(results)) if p not in relaxed}
    assert unlisted == set()


def test_the_dev_plan_lists_purge_protection_and_exports_as_relaxed(
    sample_plans: dict[str, Plan],
) -> None:
    relaxed = relaxed_builtins(sample_plans["dev"])
    assert {"0b60c0b2", "524b0254", "9d2b0a20", "45e05259", "6edd7eda"} <= relaxed


VAULT_ID = (
    "/subscriptions/0a1b2c3d-0000-4000-8000-0000000000ff/resourceGroups/rg-keys/providers"
    "/Microsoft.KeyVault/vaults/kv-cmk-keys"
)


@pytest.fixture(scope="module")
def encrypted_prod(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    """The prod sample stack with ``encryption`` on its workspace."""
    project = tmp_path_factory.mktemp("encrypted")
    (project / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (project / "infra").symlink_to(ROOT / "infra", target_is_directory=True)
    for name in ("serving", "environments"):
        (project / name).symlink_to(ROOT / name, target_is_directory=True)
    (project / "Pulumi.shared.yaml").write_text((ROOT / "Pulumi.shared.yaml").read_text())
    stack = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    stack["config"]["amlstack:workspaces"][0]["encryption"] = {
        "keyVaultId": VAULT_ID,
        "keyUri": "https://kv-cmk-keys.vault.azure.net/keys/aml",
    }
    (project / "Pulumi.encrypted.yaml").write_text(yaml.safe_dump(stack))
    return run_plan(find_project(project), "encrypted")


def test_with_encryption_the_prod_plan_meets_the_customer_managed_key_rows(
    sample_plans: dict[str, Plan], encrypted_prod: Plan, policy_library: Library
) -> None:
    cmk = [d for d in policy_library.definitions.values() if d.short_id in CMK]
    plain = failures(evaluate_plan(sample_plans["prod"].resources, policy_library, definitions=cmk))
    assert plain == {
        ("ba769a63", "main-workspace"),
        ("6fac406b", "main-storage"),
        ("6fac406b", "main-datalake-storage"),
        ("5b9159ae", "main-registry"),
    }
    assert failures(evaluate_plan(encrypted_prod.resources, policy_library, definitions=cmk)) == (
        set()
    )
    # The baseline's CMK rules pass too: the plan fails no more than the prod sample does.
    assert {p.policy for p in encrypted_prod.policies} == {
        p.policy for p in sample_plans["prod"].policies
    }


def test_the_built_ins_table_matches_the_published_definitions(policy_library: Library) -> None:
    """infra/policy/builtins.py (what production code and docs/security.md name) against the
    definitions as published, and the benchmark's membership."""
    published = {d.short_id: d for d in policy_library.definitions.values()}
    for short_id, entry in BUILTINS.items():
        definition = published[short_id]
        assert entry.id == definition.id
        assert entry.name == definition.display_name
        assert entry.benchmark == policy_library.mcsb.includes(definition.id), short_id
    for short_id, parameters in ASSIGNMENT_BY_POLICY.items():
        assert set(parameters) <= set(published[short_id].parameters), short_id
    assert set(NOT_FOLLOWED) <= set(BUILTINS)


def test_the_gap_report_lists_what_still_fails(
    sample_plans: dict[str, Plan], policy_library: Library
) -> None:
    results = evaluate_plan(sample_plans["prod"].resources, policy_library)
    text = render_gaps("prod", results, policy_library)
    assert text.startswith("## prod: ")
    assert "| 7804b5c7 |" in text  # the exempted computes are still shown
    assert "| 524b0254 |" not in text  # exports are off now

"""The prod plan meets every prod rule and every sample stack every dev rule, read from the plan
JSON and checked again by the CrossGuard pack's own code; what a dev-tier stack relaxes is in the
plan, by name."""

from __future__ import annotations

import json

import pytest

from infra.plan import Plan, policy_subjects
from infra.policy import RULES, PolicyContext, evaluate
from tests.conftest import SAMPLE_STACKS
from tests.pack_driver import analyze, pack_service


def context_of(plan: Plan, tier: str) -> PolicyContext:
    return PolicyContext(tier=tier, workspaces=tuple(plan.outputs["workspaces"]))


@pytest.mark.parametrize("stack", SAMPLE_STACKS)
def test_the_plan_json_records_no_violation_and_no_waiver(
    sample_plans: dict[str, Plan], stack: str
) -> None:
    document = json.loads(sample_plans[stack].to_json())
    tier = "prod" if stack in ("prod", "shared") else "dev"
    levels = {p["level"] for p in document["policies"]}
    if tier == "prod":
        assert document["policies"] == []
    else:  # what the dev tier relaxes is listed, by rule and preset
        assert levels == {"relaxed"}
        assert all("; relaxed: dev " in p["message"] for p in document["policies"])
    assert document["outputs"]["tier"] == tier


def test_the_dev_plan_names_the_presets_it_relaxes(sample_plans: dict[str, Plan]) -> None:
    relaxed = {
        (p.policy, p.message.split("; relaxed: ", 1)[1].split(",", 1)[0])
        for p in sample_plans["dev"].policies
        if p.level == "relaxed"
    }
    assert ("keyvault-purge-protection", "dev preset keyVault.purgeProtection: False") in relaxed
    assert ("registry-exports-disabled", "dev preset network.publicNetworkAccess: 'Enabled'") in (
        relaxed
    )


@pytest.mark.parametrize("stack", SAMPLE_STACKS)
def test_every_sample_stack_meets_every_dev_rule(sample_plans: dict[str, Plan], stack: str) -> None:
    plan = sample_plans[stack]
    context = context_of(plan, "dev")
    findings = evaluate(policy_subjects(plan.resources), context)
    assert [f for f in findings if f.level != "relaxed"] == []
    analysis = analyze(pack_service(context), plan.resources)
    assert analysis.diagnostics == ()


def test_the_prod_stack_meets_every_prod_rule(sample_plans: dict[str, Plan]) -> None:
    plan = sample_plans["prod"]
    context = context_of(plan, "prod")
    findings = evaluate(policy_subjects(plan.resources), context)
    assert findings == []
    analysis = analyze(pack_service(context), plan.resources)
    assert analysis.diagnostics == ()
    assert analysis.not_applicable == ()  # every prod rule ran, none waived


def test_prod_rules_really_look_at_the_resources(sample_plans: dict[str, Plan]) -> None:
    """The same rules fail the dev stack when it is held to the prod column."""
    plan = sample_plans["dev"]
    context = context_of(plan, "prod")
    findings = {f.rule.id for f in evaluate(policy_subjects(plan.resources), context)}
    diagnostics = {d.policy for d in analyze(pack_service(context), plan.resources).diagnostics}
    assert findings == diagnostics
    assert {
        "workspace-public-network-disabled",
        "storage-geo-redundant",
        "keyvault-purge-protection",
        "stateful-protected",
        "stateful-delete-lock",
    } <= findings


def test_every_rule_has_resources_to_look_at_in_the_prod_stack(
    sample_plans: dict[str, Plan],
) -> None:
    """Apart from computes, endpoints and ML registries (other components), each rule's resource
    type is in the prod plan, so "no violation" is not "nothing checked"."""
    types = {r.type for r in sample_plans["prod"].resources}
    later = {
        "azure-native:machinelearningservices:Compute",
        "azure-native:machinelearningservices:OnlineEndpoint",
        "azure-native:machinelearningservices:Registry",
    }
    unchecked = [
        rule.id
        for rule in RULES
        if (relevant := set(rule.resource_types) - later) and not relevant & types
    ]
    assert unchecked == []

"""The CrossGuard pack: one policy per rule, the stack's tier and waivers from its config, the
same verdicts as the offline plan, and a pack process that answers the engine's gRPC calls."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy
from typer.testing import CliRunner

from components.exit_codes import ExitCode
from components.testing import record
from infra.entrypoint import app
from infra.plan import Plan, find_project, run_plan
from infra.plan.guard import GUARD_POLICIES
from infra.policy import RULE_IDS, RULES, PolicyContext
from infra.policy.pack import REACHABILITY_POLICY, baseline_policies, context_from_stack_config
from tests.conftest import ROOT
from tests.pack_driver import analyze, analyze_request, pack_service, struct

OPEN_PROD = {
    "amlstack:location": "westeurope",
    "amlstack:workspaces": [
        {
            "name": key,
            "network": {"publicNetworkAccess": "Enabled"},
        }
        for key in ("main", "team")
    ],
    "amlstack:waivers": [
        {
            "rule": "workspace-public-network-disabled",
            "reason": "the team reaches it from the office network",
            "workspace": "team",
        },
        {"rule": "registry-public-network-disabled", "reason": "image pulls from a partner CI"},
    ],
}


@pytest.fixture(scope="module")
def open_prod(tmp_path_factory: pytest.TempPathFactory) -> tuple[Plan, PolicyContext]:
    """A prod stack that opens its network, with two waivers; its plan and policy context."""
    project = tmp_path_factory.mktemp("open")
    (project / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (project / "infra").symlink_to(ROOT / "infra", target_is_directory=True)
    (project / "Pulumi.open.yaml").write_text(yaml.safe_dump({"config": OPEN_PROD}))
    plan = run_plan(find_project(project), "open")
    seen: list[PolicyContext] = []
    context_from_stack_config.cache_clear()
    record(lambda: seen.append(context_from_stack_config()), config=OPEN_PROD)
    context_from_stack_config.cache_clear()
    return plan, seen[0]


def test_one_policy_per_rule_with_the_rule_level() -> None:
    *policies, reachable = baseline_policies(PolicyContext)
    assert [p.name for p in policies] == [rule.id for rule in RULES]
    assert reachable.name == REACHABILITY_POLICY
    assert isinstance(reachable, StackValidationPolicy)
    assert reachable.enforcement_level == EnforcementLevel.MANDATORY
    for policy, rule in zip(policies, RULES, strict=True):
        kind = StackValidationPolicy if rule.needs_stack else ResourceValidationPolicy
        assert isinstance(policy, kind)
        expected = (
            EnforcementLevel.MANDATORY if rule.level == "mandatory" else (EnforcementLevel.ADVISORY)
        )
        assert policy.enforcement_level == expected
        assert rule.sources in policy.description


def test_the_pack_reads_tier_and_waivers_from_the_stack_config(
    open_prod: tuple[Plan, PolicyContext],
) -> None:
    _, context = open_prod
    assert context.tier == "prod"
    assert context.workspaces == ("main", "team")
    assert [w.rule for w in context.waivers] == [
        "workspace-public-network-disabled",
        "registry-public-network-disabled",
    ]


def test_without_a_readable_stack_config_the_pack_holds_the_stack_to_prod() -> None:
    seen: list[PolicyContext] = []
    context_from_stack_config.cache_clear()
    record(lambda: seen.append(context_from_stack_config()), config={"amlstack:tier": "dev"})
    context_from_stack_config.cache_clear()
    assert seen == [PolicyContext()]


def test_pack_and_plan_report_the_same_violations_and_waivers(
    open_prod: tuple[Plan, PolicyContext],
) -> None:
    plan, context = open_prod
    analysis = analyze(pack_service(context), plan.resources)
    violations = [p for p in plan.policies if p.level != "waived"]
    assert Counter((p.policy, p.level) for p in violations) == Counter(
        (d.policy, d.level) for d in analysis.diagnostics
    )
    for diagnostic in analysis.diagnostics:  # the pack's message carries the plan's
        assert any(p.message in diagnostic.message for p in violations)
    urns = {r.name: r.urn for r in plan.resources}
    assert {(p.policy, p.urn) for p in plan.policies if p.level == "waived"} == {
        ("workspace-public-network-disabled", urns["team-workspace"]),
        ("registry-public-network-disabled", urns["main-registry"]),
        ("registry-public-network-disabled", urns["team-registry"]),
    }
    assert Counter(analysis.not_applicable) == Counter(
        {
            (
                "workspace-public-network-disabled",
                "waived: the team reaches it from the office network",
            ): 1,
            ("registry-public-network-disabled", "waived: image pulls from a partner CI"): 2,
        }
    )


def test_a_dev_stack_gets_prod_rules_marked_not_applicable(sample_plans: dict[str, Plan]) -> None:
    plan = sample_plans["dev"]
    context = PolicyContext(tier="dev", workspaces=("main",))
    service = pack_service(context)
    [workspace] = [
        r for r in plan.resources if r.type == "azure-native:machinelearningservices:Workspace"
    ]
    response = service.Analyze(analyze_request(workspace), None)
    assert list(response.diagnostics) == []
    skipped = {n.policy_name: n.reason for n in response.not_applicable}
    assert skipped["workspace-public-network-disabled"] == (
        "relaxed: dev stacks do not require it (amlstack:tier dev)"
    )


def test_the_plan_exits_3_and_names_the_failed_rules(
    open_prod: tuple[Plan, PolicyContext],
) -> None:
    plan, _ = open_prod
    failed = {p.policy for p in plan.failed_mandatory}
    assert "storage-public-network-disabled" in failed
    assert "workspace-public-network-disabled" in failed  # main has no waiver
    assert all(p.level == "mandatory" for p in plan.failed_mandatory)


@pytest.fixture
def pack_process() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    """The pack started like Pulumi starts it (``python -m pulumi.policy ENGINE .`` in the pack's
    directory, the stack config in PULUMI_CONFIG), as a gRPC analyzer client."""
    config = {
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in OPEN_PROD.items()
    }
    env = {
        **os.environ,
        "PULUMI_CONFIG": json.dumps(config),
        "PULUMI_PROJECT": "amlstack",
        "PULUMI_STACK": "open",
        "PULUMI_DRY_RUN": "true",
    }
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", "."],
        cwd=ROOT / "infra" / "policy",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        assert port.isdigit(), process.stderr.read() if process.stderr else port
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=60)
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        process.kill()
        process.wait(timeout=30)


def test_the_pack_answers_the_engine_like_pulumi_preview_would(
    pack_process: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    info = pack_process.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
    assert info.name == "amlstack-baseline"
    assert sorted(p.name for p in info.policies) == sorted(
        [*RULE_IDS, REACHABILITY_POLICY, *GUARD_POLICIES]
    )
    storage: dict[str, Any] = {
        "allowBlobPublicAccess": True,
        "allowSharedKeyAccess": False,
        "minimumTlsVersion": "TLS1_2",
        "publicNetworkAccess": "Enabled",
    }
    request = proto.AnalyzeRequest(
        urn="urn:pulumi:open::amlstack::amlstack:ml:Workspace$azure-native:storage:StorageAccount::main-storage",
        type="azure-native:storage:StorageAccount",
        name="main-storage",
        properties=struct(storage),
        options=proto.AnalyzerResourceOptions(protect=True),
    )
    response = pack_process.Analyze(request, timeout=30)
    levels = {d.policyName: d.enforcementLevel for d in response.diagnostics}
    assert levels["storage-no-public-blob-access"] == proto.MANDATORY
    assert levels["storage-public-network-disabled"] == proto.MANDATORY  # a prod stack
    assert "storage-no-shared-key" not in levels
    registry = proto.AnalyzeRequest(
        urn="urn:pulumi:open::amlstack::amlstack:ml:Workspace$azure-native:containerregistry:Registry::team-registry",
        type="azure-native:containerregistry:Registry",
        name="team-registry",
        properties=struct({"publicNetworkAccess": "Enabled", "adminUserEnabled": False}),
        options=proto.AnalyzerResourceOptions(protect=True),
    )
    waived = pack_process.Analyze(registry, timeout=30)
    assert "registry-public-network-disabled" in {
        n.policy_name for n in waived.not_applicable
    }  # waived in the stack's own config
    assert "registry-public-network-disabled" not in {d.policyName for d in waived.diagnostics}


def test_cli_prints_violations_and_waivers_and_exits_3(scratch_project: Path) -> None:
    (scratch_project / "Pulumi.open.yaml").write_text(yaml.safe_dump({"config": OPEN_PROD}))
    out = scratch_project / "plan.json"
    result = CliRunner().invoke(
        app, ["plan", "open", "-C", str(scratch_project), "--json", str(out)]
    )
    assert result.exit_code == ExitCode.POLICY_FAILED
    text = " ".join(result.output.split())
    assert "waived workspace-public-network-disabled (team-workspace)" in text
    assert "waived: the team reaches it from the office network" in text
    assert "mandatory workspace-public-network-disabled (main-workspace)" in text
    assert "mandatory findings of" in text
    assert "Traceback" not in result.output
    levels = {p["level"] for p in json.loads(out.read_text())["policies"]}
    assert {"mandatory", "waived"} <= levels <= {"mandatory", "waived", "advisory"}

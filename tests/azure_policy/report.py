"""Azure's built-in policies over a plan: the assignment the stacks are built for, every
definition on every resource, and the gap report (``uv run python -m tests.azure_policy``).

The assignment: the built-ins' defaults, except the parameters `infra.policy.builtins` sets for
what amlstack creates (``ASSIGNMENT``, ``ASSIGNMENT_BY_POLICY``; ``docs/security.md`` tells
assigners the same): ``logAnalytics`` is the Log Analytics workspace of the evaluated resource's
own workspace, the diagnostic setting's name is ``amlstack-log-analytics``, ``categoryGroup`` is
``allLogs``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from components.testing import RecordedResource
from infra.plan import find_project, run_plan
from infra.policy.builtins import ASSIGNMENT as BASE
from infra.policy.builtins import ASSIGNMENT_BY_POLICY, BUILTINS
from tests.azure_policy.arm import arm_resources
from tests.azure_policy.conditions import ArmResource
from tests.azure_policy.definitions import (
    Benchmark,
    Definition,
    ParameterValue,
    Result,
    Stack,
    evaluate_definition,
    load_aliases,
    load_benchmark,
    load_definitions,
)

__all__ = ["ASSIGNMENT", "OVERRIDES", "Library", "evaluate_plan", "main", "render_gaps"]

ASSIGNMENT: dict[str, Any] = {k: v for k, v in BASE.items() if k != "logAnalytics"}
"""Parameter values the stacks are built for (``logAnalytics`` is set per resource)."""

OVERRIDES: dict[str, dict[str, Any]] = {
    full_id: dict(ASSIGNMENT_BY_POLICY[short_id])
    for short_id, full_id in ((b.short_id, b.id) for b in BUILTINS.values())
    if short_id in ASSIGNMENT_BY_POLICY
}
"""Per-definition parameter values, by definition id."""


@dataclass(frozen=True)
class Library:
    """The shared copies of the built-ins (``<shared>/azure-policy``), read once."""

    directory: Path

    @cached_property
    def definitions(self) -> dict[str, Definition]:
        return load_definitions(self.directory)

    @cached_property
    def aliases(self) -> dict[str, str]:
        return load_aliases(self.directory)

    @cached_property
    def mcsb(self) -> Benchmark:
        return load_benchmark(self.directory, "mcsb")

    @cached_property
    def mcsb_v2(self) -> Benchmark:
        return load_benchmark(self.directory, "mcsbv2")


def _pulumi_name(resource: ArmResource) -> str:
    return resource.label.split(" ")[0].rsplit("::", 1)[-1]


def _log_analytics_of(resources: Sequence[ArmResource]) -> ParameterValue:
    """``logAnalytics`` per resource: the Log Analytics workspace (``<key>-logs``) whose key
    starts the resource's Pulumi name, or the one a workspace that brings its own sends its
    diagnostics to (``<key>-workspace-diagnostics``); the stack's only one when there is one."""
    workspaces = {
        _pulumi_name(r).removesuffix("-logs"): r.id
        for r in resources
        if r.type.lower() == "microsoft.operationalinsights/workspaces"
    }
    brought = {
        _pulumi_name(r).removesuffix("-workspace-diagnostics"): str(
            (r.body.get("properties") or {}).get("workspaceId")
        )
        for r in resources
        if r.type.lower() == "microsoft.insights/diagnosticsettings"
        and _pulumi_name(r).endswith("-workspace-diagnostics")
        and _pulumi_name(r).removesuffix("-workspace-diagnostics") not in workspaces
    }

    known = {**workspaces, **brought}

    def value(resource: ArmResource) -> str | None:
        if len(set(known.values())) == 1:
            return next(iter(known.values()))
        name = _pulumi_name(resource)
        keys = [k for k in known if name == k or name.startswith(f"{k}-")]
        return known[max(keys, key=len)] if keys else None

    return value


def evaluate_plan(
    resources: Iterable[RecordedResource],
    library: Library,
    *,
    definitions: Iterable[Definition] | None = None,
) -> list[Result]:
    """Every definition (or the given ones) on every ARM resource of the plan it applies to."""
    arm = arm_resources(resources)
    stack = Stack(tuple(arm))
    log_analytics = _log_analytics_of(arm)
    results = []
    for definition in definitions if definitions is not None else library.definitions.values():
        subjects = definition.subject_types
        assignment = {
            **ASSIGNMENT,
            "logAnalytics": log_analytics,
            **OVERRIDES.get(definition.id, {}),
        }
        for resource in arm:
            if subjects and resource.type.lower() not in subjects:
                continue
            result = evaluate_definition(
                definition, resource, stack=stack, aliases=library.aliases, assignment=assignment
            )
            if result.outcome != "not-applicable":
                results.append(result)
    return results


def _membership(definition: Definition, library: Library) -> str:
    tags = []
    for label, benchmark in (("MCSB", library.mcsb), ("MCSBv2", library.mcsb_v2)):
        if benchmark.includes(definition.id):
            shipped = "" if benchmark.enabled(definition.id) else " (shipped Disabled)"
            tags.append(f"{label}{shipped}")
    return ", ".join(tags) or "-"


def render_gaps(stack: str, results: Iterable[Result], library: Library) -> str:
    """The non-compliant and undecidable results of one stack, as a Markdown table."""
    rows = [
        f"| {r.definition.short_id} | {r.definition.display_name} | "
        f"{_membership(r.definition, library)} | {_pulumi_name(r.resource)} "
        f"({r.resource.type.split('/', 1)[1]}) | {r.outcome}: {r.reason} |"
        for r in sorted(results, key=lambda r: (r.definition.display_name, r.resource.id.lower()))
        if r.outcome in ("non-compliant", "undecidable")
    ]
    head = [
        f"## {stack}: {len(rows)} findings",
        "",
        "| built-in | policy | initiative | resource | outcome |",
        "|---|---|---|---|---|",
    ]
    return "\n".join(head + rows)


def main() -> None:
    # The test configuration imports this package for its fixtures: import it when run.
    from tests.conftest import ROOT, SAMPLE_STACKS, shared_dir  # noqa: PLC0415

    library = Library(shared_dir() / "azure-policy")
    project = find_project(ROOT)
    for stack in SAMPLE_STACKS:
        plan = run_plan(project, stack)
        print(render_gaps(stack, evaluate_plan(plan.resources, library), library))
        print()

"""The baseline as a Pulumi CrossGuard policy pack: the rules of `infra.policy.rules`, each a
pulumi-policy policy, with the stack's tier and waivers read from the stack's own config, and the
reachability check of ``amlstack plan`` (`REACHABILITY_POLICY`) over the stack's resources.

Pulumi passes a policy pack the configuration of the stack it analyzes (``PULUMI_CONFIG``), so
``pulumi preview --policy-pack infra/policy`` applies the same tier and waivers as the program
and as ``amlstack plan``. A stack whose config cannot be read (another project, invalid config)
is held to the strictest column: prod, no waivers.

The data-loss guard of ``amlstack plan --since`` (`infra.plan.guard`) runs here too, as stack
policies (`replacement_policies`). A policy sees only the new inputs, so it compares what the
program exports for the next run (``replacementKeys``, `infra.replacements`): the deployed copy,
which the analyzed stack's own StackReference holds among its outputs, with the copy this
preview exports (the stack resource's outputs). A value this preview does not know yet (it comes
from a resource being created) counts as unchanged: that resource is judged itself. A stack
deployed before the export existed has no deployed copy: nothing to compare, the policies say so.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from components.errors import ConfigError
from components.recording import RecordedResource
from infra.config import load_stack_config
from infra.plan.changes import changes
from infra.plan.guard import (
    CREATE_ONLY,
    DATA_LOSS,
    SAME_AZURE_NAME,
    SOFT_DELETED_NAME,
    guard,
    live_traffic,
)
from infra.policy.evaluate import PolicyContext, check
from infra.policy.reachability import reachability
from infra.policy.rules import RULES, Rule, Subject
from infra.previous import REPLACEMENT_KEYS_OUTPUT

__all__ = [
    "PACK_NAME",
    "REACHABILITY_POLICY",
    "baseline_policies",
    "context_from_stack_config",
    "replacement_keys",
    "replacement_policies",
]

PACK_NAME = "amlstack-baseline"

REACHABILITY_POLICY = "network-reachability"
"""The policy that fails a stack with a consumer -> target network path missing. It sees the
stack's own resources; a registry of another stack counts as open or closed as that stack's
``registry`` output (read through the StackReference) says."""

ContextSource = Callable[[], PolicyContext]


@functools.cache
def context_from_stack_config() -> PolicyContext:
    """The analyzed stack's tier, waivers and workspaces, from the config Pulumi passes the pack."""
    try:
        return PolicyContext.from_config(load_stack_config())
    except ConfigError:
        return PolicyContext()


def baseline_policies(context: ContextSource = context_from_stack_config) -> list[Policy]:
    """One policy per rule: resource policies, and stack policies for the rules that look at
    other resources (diagnostic settings, locks). Mandatory rules block the deployment."""
    policies: list[Policy] = []
    for rule in RULES:
        level = (
            EnforcementLevel.MANDATORY if rule.level == "mandatory" else EnforcementLevel.ADVISORY
        )
        policy: Policy
        if rule.needs_stack:
            policy = StackValidationPolicy(
                rule.id, rule.description, _stack_validation(rule, context), level
            )
        else:
            policy = ResourceValidationPolicy(
                rule.id, rule.description, _resource_validation(rule, context), level
            )
        policies.append(policy)
    policies.append(
        StackValidationPolicy(
            REACHABILITY_POLICY,
            "every consumer (computes, deployments, the deployer, the people) reaches every "
            "target it needs: public access, a private endpoint, an outbound rule or a trusted "
            "service (amlstack plan's reachability table)",
            _reachability(context),
            EnforcementLevel.MANDATORY,
        )
    )
    return policies


def _reachability(
    context: ContextSource,
) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = [
            RecordedResource(
                urn=r.urn,
                type=r.resource_type,
                name=r.name,
                custom=True,
                parent="",
                inputs=dict(r.props),
                dependencies=(),
                protect=r.opts.protect,
            )
            for r in args.resources
        ]
        for path in reachability(resources, context().consumers):
            if not path.reachable:
                urn = path.consumer if path.consumer.startswith("urn:") else None
                report_violation(path.message, urn)

    return validate


def _resource_validation(
    rule: Rule, context: ContextSource
) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in rule.resource_types:
            return
        stack = context()
        if not stack.applies(rule):
            args.not_applicable(f"relaxed: {stack.relaxation_for(rule, args.name).describe()}")
        subject = Subject(
            urn=args.urn,
            type=args.resource_type,
            name=args.name,
            inputs=args.props,
            protect=args.opts.protect,
        )
        finding = check(rule, subject, stack.facts(), stack)
        if finding is None:
            return
        if finding.waiver is not None:
            args.not_applicable(f"waived: {finding.waiver.reason}")
        report_violation(finding.message, None)

    return validate


def _stack_validation(
    rule: Rule, context: ContextSource
) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        stack = context()
        if not stack.applies(rule):
            args.not_applicable(
                f"relaxed: {stack.tier} stacks do not require it (amlstack plan names the "
                "preset behind each violation)"
            )
        subjects = [_subject(resource) for resource in args.resources]
        facts = stack.facts(subjects)
        findings = [f for s in subjects if (f := check(rule, s, facts, stack)) is not None]
        open_findings = [f for f in findings if f.waiver is None]
        if findings and not open_findings:
            reasons = sorted({f.waiver.reason for f in findings if f.waiver is not None})
            args.not_applicable(f"waived: {'; '.join(reasons)}")
        for finding in open_findings:
            report_violation(finding.message, finding.urn)

    return validate


def _subject(resource: PolicyResource) -> Subject:
    dependencies = {d.urn for d in resource.dependencies}
    for deps in resource.property_dependencies.values():
        dependencies.update(d.urn for d in deps)
    return Subject(
        urn=resource.urn,
        type=resource.resource_type,
        name=resource.name,
        inputs=resource.props,
        protect=resource.opts.protect,
        dependencies=frozenset(dependencies),
    )


_GUARD_DESCRIPTIONS = {
    DATA_LOSS: (
        "No replacement or delete of stateful data (workspace, storage, key vault, registries, "
        "datastores, containers, the resource group) or of a deployment carrying live traffic, "
        "unless amlstack:allowReplace names it"
    ),
    CREATE_ONLY: "No update of an input Azure cannot change in place",
    SAME_AZURE_NAME: "No new resource that is the same Azure resource as one deleted later",
    SOFT_DELETED_NAME: "No same-name re-create of a key vault or workspace (soft-deleted names)",
}
_STACK = "pulumi:pulumi:Stack"
_REFERENCE = "pulumi:pulumi:StackReference"


def replacement_policies(context: ContextSource = context_from_stack_config) -> list[Policy]:
    """The data-loss guard's findings, one mandatory stack policy per kind."""
    return [
        StackValidationPolicy(
            policy, description, _guard_validation(policy, context), EnforcementLevel.MANDATORY
        )
        for policy, description in _GUARD_DESCRIPTIONS.items()
    ]


def replacement_keys(
    resources: list[PolicyResource],
) -> tuple[list[RecordedResource], list[RecordedResource]] | None:
    """(deployed, planned) watched resources: the ``replacementKeys`` of the analyzed stack's
    own StackReference (the last deployment's outputs) and of the stack resource (this run's);
    None when either is missing."""
    stack = next((r for r in resources if r.resource_type == _STACK), None)
    if stack is None:
        return None
    # urn:pulumi:<stack>::<project>::pulumi:pulumi:Stack::<name>
    name, project = stack.urn.removeprefix("urn:pulumi:").split("::")[:2]
    own = next(
        (
            r
            for r in resources
            if r.resource_type == _REFERENCE
            and str(r.props.get("name", "")).endswith(f"/{project}/{name}")
        ),
        None,
    )
    outputs = own.props.get("outputs") if own is not None else None
    deployed = _known(outputs, None).get(REPLACEMENT_KEYS_OUTPUT) if outputs else None
    planned = _known(stack.props, {}).get(REPLACEMENT_KEYS_OUTPUT)
    if not isinstance(deployed, dict) or not isinstance(planned, dict):
        return None
    return _recorded(deployed), _recorded(_known(planned, deployed))


def _known(value: Any, deployed: Any) -> Any:
    """`value` (pulumi-policy's read-only proxies) as plain data; where the preview does not know
    a value yet, the deployed one (`deployed`, the same place in the deployed copy)."""
    if isinstance(value, Mapping):
        known = {}
        for key in value:
            before = deployed.get(key) if isinstance(deployed, Mapping) else None
            try:
                item = value[key]
            except UnknownValueError:
                known[key] = before
                continue
            known[key] = _known(item, before)
        return known
    if isinstance(value, Sequence) and not isinstance(value, str):
        items = []
        for index in range(len(value)):
            try:
                items.append(_known(value[index], None))
            except UnknownValueError:
                items.append(None)
        return items
    if isinstance(value, float) and value.is_integer():
        return int(value)  # the engine sends every number as a double
    return value


def _recorded(keys: Mapping[str, Any]) -> list[RecordedResource]:
    """The watched resources of a ``replacementKeys`` output, as the plan's guard takes them
    (no dependencies: a replacement that follows from a dependency's is the plan's to show)."""
    resources = []
    for urn, entry in sorted(keys.items()):
        if not isinstance(entry, Mapping):
            continue
        replaced = tuple(str(p) for p in entry.get("replaceOnChanges") or ())
        resources.append(
            RecordedResource(
                urn=urn,
                type=str(entry.get("type", "")),
                name=str(entry.get("name", "")),
                custom=True,
                parent="",
                inputs=dict(entry.get("inputs") or {}),
                dependencies=(),
                protect=False,
                replace_on_changes=replaced,
                delete_before_replace=bool(replaced),
            )
        )
    return resources


def _guard_validation(
    policy: str, context: ContextSource
) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        compared = replacement_keys(list(args.resources))
        if compared is None:
            args.not_applicable("no replacementKeys of the deployed stack to compare with")
            return
        deployed, planned = compared
        found, _ = changes(deployed, planned)
        allow = context().allow_replace
        for result in guard(found, allow=allow, live=live_traffic(deployed)).results:
            if result.policy == policy and result.level == "mandatory":
                report_violation(result.message, result.urn)

    return validate

"""The baseline as a Pulumi CrossGuard policy pack: the rules of `infra.policy.rules`, each a
pulumi-policy policy, with the stack's tier and waivers read from the stack's own config, and the
reachability check of ``amlstack plan`` (`REACHABILITY_POLICY`) over the stack's resources.

Pulumi passes a policy pack the configuration of the stack it analyzes (``PULUMI_CONFIG``), so
``pulumi preview --policy-pack infra/policy`` applies the same tier and waivers as the program
and as ``amlstack plan``. A stack whose config cannot be read (another project, invalid config)
is held to the strictest column: prod, no waivers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

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

from components.errors import ConfigError
from components.recording import RecordedResource
from infra.config import load_stack_config
from infra.policy.evaluate import PolicyContext, check
from infra.policy.reachability import reachability
from infra.policy.rules import RULES, Rule, Subject

__all__ = ["PACK_NAME", "REACHABILITY_POLICY", "baseline_policies", "context_from_stack_config"]

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

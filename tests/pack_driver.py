"""Drive the CrossGuard pack the way the Pulumi engine does: gRPC Analyze / AnalyzeStack requests
built from recorded resources, answered by pulumi-policy's own analyzer service."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel
from pulumi_policy.policy import _PolicyAnalyzerServicer

from components.testing import RecordedResource
from infra.policy import PolicyContext
from infra.policy.pack import PACK_NAME, baseline_policies, replacement_policies

_LEVELS = {proto.ADVISORY: "advisory", proto.MANDATORY: "mandatory"}


@dataclass(frozen=True)
class Diagnostic:
    policy: str
    urn: str
    level: str
    message: str


@dataclass(frozen=True)
class Analysis:
    diagnostics: tuple[Diagnostic, ...]
    not_applicable: tuple[tuple[str, str], ...]
    """(policy, reason) pairs the pack marked not applicable (waived, or another tier)."""


def pack_service(context: PolicyContext) -> Any:
    """pulumi-policy's analyzer service over the baseline policies, for `context`'s stack."""
    return _PolicyAnalyzerServicer(
        PACK_NAME, "0.1.0", baseline_policies(lambda: context), EnforcementLevel.ADVISORY
    )


def guard_service(context: PolicyContext) -> Any:
    """pulumi-policy's analyzer service over the data-loss guard's policies."""
    policies = replacement_policies(lambda: context)
    return _PolicyAnalyzerServicer(PACK_NAME, "0.1.0", policies, EnforcementLevel.ADVISORY)


def struct(inputs: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    json_format.ParseDict(inputs, message)
    return message


def analyze_request(resource: RecordedResource) -> Any:
    return proto.AnalyzeRequest(
        urn=resource.urn,
        type=resource.type,
        name=resource.name,
        properties=struct(resource.inputs),
        options=proto.AnalyzerResourceOptions(protect=resource.protect, parent=resource.parent),
    )


def analyze(
    service: Any,
    resources: Iterable[RecordedResource],
    *,
    stack_outputs: dict[str, Any] | None = None,
) -> Analysis:
    """Every resource through Analyze, then the stack through AnalyzeStack: the custom
    resources with their outputs, and with `stack_outputs` (the program's exports) the stack
    resource too, as the engine passes it."""
    resources = list(resources)
    custom = [r for r in resources if r.custom]
    responses = [service.Analyze(analyze_request(r), None) for r in custom]
    stack = [r for r in resources if r.type == "pulumi:pulumi:Stack" and stack_outputs is not None]
    stack_request = proto.AnalyzeStackRequest(
        resources=[
            proto.AnalyzerResource(
                urn=r.urn,
                type=r.type,
                name=r.name,
                properties=struct(stack_outputs if r in stack else (r.outputs or r.inputs)),
                options=proto.AnalyzerResourceOptions(protect=r.protect, parent=r.parent),
                parent=r.parent,
                dependencies=list(r.dependencies),
            )
            for r in [*custom, *stack]
        ]
    )
    responses.append(service.AnalyzeStack(stack_request, None))
    diagnostics = [
        Diagnostic(d.policyName, d.urn, _LEVELS[d.enforcementLevel], d.message)
        for response in responses
        for d in response.diagnostics
    ]
    skipped = [(n.policy_name, n.reason) for response in responses for n in response.not_applicable]
    return Analysis(tuple(diagnostics), tuple(skipped))

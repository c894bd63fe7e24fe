"""The security baseline as policy: rules (each naming its Azure built-in policies), waivers, tier
relaxations, and their evaluation over a stack.

``amlstack plan`` runs `evaluate` over the recorded resources; the CrossGuard pack in this
directory (``pulumi preview --policy-pack infra/policy``, see `infra.policy.pack`) runs the same
rules inside the Pulumi engine, and both run the reachability check (`reachability`): who
reaches what over the network, decided offline.
"""

from infra.policy.evaluate import (
    Finding,
    PolicyContext,
    Relaxation,
    check,
    evaluate,
    unused_waivers,
)
from infra.policy.reachability import WorkspaceConsumers, consumers_of, reachability
from infra.policy.rules import (
    RULE_IDS,
    RULES,
    Check,
    Facts,
    Level,
    Rule,
    Subject,
    present,
    rule_by_id,
    workspace_of,
)
from infra.policy.waivers import WaiverArgs, check_waivers

__all__ = [
    "RULES",
    "RULE_IDS",
    "Check",
    "Facts",
    "Finding",
    "Level",
    "PolicyContext",
    "Relaxation",
    "Rule",
    "Subject",
    "WaiverArgs",
    "WorkspaceConsumers",
    "check",
    "check_waivers",
    "consumers_of",
    "evaluate",
    "present",
    "reachability",
    "rule_by_id",
    "unused_waivers",
    "workspace_of",
]

"""Run the rules over a stack's resources for its tier, applying its waivers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from infra.policy.rules import RULES, Facts, Rule, Subject, workspace_of
from infra.policy.waivers import WaiverArgs

if TYPE_CHECKING:
    from infra.config import StackConfig

__all__ = ["PROTECT_RULE", "Finding", "PolicyContext", "check", "evaluate", "unused_waivers"]

PROTECT_RULE = "stateful-protected"
"""The rule ``amlstack:allowReplace`` relaxes for the resources it names."""
_ALLOWED_REPLACE = (
    "named in amlstack:allowReplace: replaced or deleted on purpose, unprotected until the "
    "entry is removed"
)


@dataclass(frozen=True)
class PolicyContext:
    """What the rules need to know about the stack beyond its resources."""

    tier: str = "prod"
    """Which column of the baseline the stack must meet. Default prod: the strictest."""
    waivers: tuple[WaiverArgs, ...] = ()
    workspaces: tuple[str, ...] = ()
    encrypted_workspaces: frozenset[str] = frozenset()
    allow_replace: tuple[str, ...] = ()
    """``amlstack:allowReplace``: resources the data-loss guard lets go (`infra.plan.guard`)."""

    @classmethod
    def from_config(cls, config: StackConfig) -> PolicyContext:
        return cls(
            tier=config.tier,
            waivers=config.waivers,
            workspaces=tuple(w.name for w in config.workspaces),
            encrypted_workspaces=frozenset(
                w.name for w in config.workspaces if w.encryption is not None
            ),
            allow_replace=config.allow_replace,
        )

    def applies(self, rule: Rule) -> bool:
        """Whether `rule` belongs to this stack's column of the baseline."""
        return self.tier in rule.tiers

    def facts(self, resources: Iterable[Subject] = ()) -> Facts:
        return Facts(
            resources=tuple(resources),
            workspaces=self.workspaces,
            encrypted_workspaces=self.encrypted_workspaces,
        )

    def waiver_for(self, rule: Rule, resource_name: str, *, urn: str = "") -> WaiverArgs | None:
        """The waiver that relaxes `rule` for this resource: its workspace's, or stack-wide; for
        the protect rule, also ``amlstack:allowReplace`` naming the resource (by name or URN):
        the program lifts its protect so that it can be replaced (infra/replacements.py)."""
        workspace = workspace_of(resource_name, self.workspaces)
        for waiver in self.waivers:
            if waiver.rule == rule.id and waiver.workspace in (None, workspace):
                return waiver
        if rule.id == PROTECT_RULE and any(e in (resource_name, urn) for e in self.allow_replace):
            return WaiverArgs.model_construct(rule=rule.id, reason=_ALLOWED_REPLACE, workspace=None)
        return None


@dataclass(frozen=True)
class Finding:
    """A resource that does not meet a rule, and the waiver that allows it (if any)."""

    rule: Rule
    urn: str
    violation: str
    waiver: WaiverArgs | None = None

    @property
    def level(self) -> str:
        """``mandatory`` or ``advisory`` (the rule's), or ``waived``."""
        return "waived" if self.waiver is not None else self.rule.level

    @property
    def message(self) -> str:
        if self.waiver is None:
            return f"{self.rule.summary}: {self.violation}"
        return f"{self.rule.summary}: {self.violation}; waived: {self.waiver.reason}"


def check(rule: Rule, subject: Subject, facts: Facts, context: PolicyContext) -> Finding | None:
    """`rule` on one resource, for this stack; None when it complies or the rule does not apply."""
    if subject.type not in rule.resource_types or not context.applies(rule):
        return None
    violation = rule.check(subject, facts)
    if violation is None:
        return None
    return Finding(
        rule, subject.urn, violation, context.waiver_for(rule, subject.name, urn=subject.urn)
    )


def evaluate(resources: Iterable[Subject], context: PolicyContext) -> list[Finding]:
    """Every violation (and waived violation) of the stack's resources, by rule then URN."""
    subjects = sorted(resources, key=lambda s: s.urn)
    facts = context.facts(subjects)
    findings = []
    for rule in RULES:
        for subject in subjects:
            finding = check(rule, subject, facts, context)
            if finding is not None:
                findings.append(finding)
    return findings


def unused_waivers(findings: Iterable[Finding], context: PolicyContext) -> list[WaiverArgs]:
    """Waivers that relaxed nothing: the rule holds anyway, so the waiver can go."""
    used = [f.waiver for f in findings if f.waiver is not None]
    return [waiver for waiver in context.waivers if waiver not in used]

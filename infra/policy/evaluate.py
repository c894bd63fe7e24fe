"""Run the rules over a stack's resources for its tier, applying its waivers and reporting what
its tier relaxes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from infra.policy.reachability import WorkspaceConsumers, consumers_of
from infra.policy.rules import RULES, Facts, Rule, Subject, lookup, workspace_of
from infra.policy.waivers import WaiverArgs
from infra.tiers import PRESETS, Preset

if TYPE_CHECKING:
    from components.workspace import WorkspaceArgs
    from infra.config import StackConfig

__all__ = [
    "PROTECT_RULE",
    "Finding",
    "PolicyContext",
    "Relaxation",
    "allowed_by",
    "check",
    "evaluate",
    "unused_waivers",
]

PROTECT_RULE = "stateful-protected"
"""The rule ``amlstack:allowReplace`` relaxes for the resources it names."""
_ALLOWED_REPLACE = (
    "named in amlstack:allowReplace: replaced or deleted on purpose, unprotected until the "
    "entry is removed"
)


def allowed_by(allow: Iterable[str], urn: str, name: str) -> str | None:
    """The ``amlstack:allowReplace`` entry of `allow` that names a resource (its URN or its
    name), or None."""
    return next((entry for entry in allow if entry in (urn, name)), None)


@dataclass(frozen=True)
class Relaxation:
    """Why a rule the stack's tier does not require fails: one of the tier's presets, or the
    tier itself (the rule is not in its column of the baseline)."""

    tier: str
    preset: Preset | None = None

    def describe(self) -> str:
        if self.preset is None:
            return f"{self.tier} stacks do not require it (amlstack:tier {self.tier})"
        preset = self.preset
        also = (
            f"; also relaxes Azure Policy {', '.join(preset.builtins)}" if preset.builtins else ""
        )
        return f"{self.tier} preset {preset.key}: {preset.value!r}, {preset.reason}{also}"


@dataclass(frozen=True)
class PolicyContext:
    """What the rules need to know about the stack beyond its resources."""

    tier: str = "prod"
    """Which column of the baseline the stack must meet. Default prod: the strictest."""
    waivers: tuple[WaiverArgs, ...] = ()
    workspaces: tuple[str, ...] = ()
    encrypted_workspaces: frozenset[str] = frozenset()
    presets: tuple[tuple[str, Preset], ...] = ()
    """(workspace key, preset) for each preset of the tier a workspace keeps (its value is the
    preset's, whether from the preset or written in config)."""
    consumers: tuple[WorkspaceConsumers, ...] = ()
    """Where each workspace's people and deployer connect from (the reachability policy)."""
    allow_replace: tuple[str, ...] = ()
    """``amlstack:allowReplace``: resources the data-loss guard lets go (`infra.plan.guard`)."""

    @classmethod
    def from_config(cls, config: StackConfig, *, namespace: str = "amlstack") -> PolicyContext:
        return cls(
            tier=config.tier,
            waivers=config.waivers,
            workspaces=tuple(w.name for w in config.workspaces),
            encrypted_workspaces=frozenset(
                w.name for w in config.workspaces if w.encryption is not None
            ),
            presets=tuple(
                (workspace.name, preset)
                for workspace in config.workspaces
                for preset in kept_presets(config.tier, workspace)
            ),
            consumers=consumers_of(config.workspaces, at=f"{namespace}:workspaces"),
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
        if rule.id == PROTECT_RULE and (
            allowed_by(self.allow_replace, urn, resource_name) is not None
        ):
            return WaiverArgs.model_construct(rule=rule.id, reason=_ALLOWED_REPLACE, workspace=None)
        return None

    def relaxation_for(self, rule: Rule, resource_name: str) -> Relaxation:
        """Why `rule`, which this tier does not require, may fail on this resource: the preset of
        the resource's workspace that relaxes it, else the tier."""
        workspace = workspace_of(resource_name, self.workspaces)
        for key, preset in self.presets:
            if key == workspace and rule.id in preset.rules:
                return Relaxation(self.tier, preset)
        return Relaxation(self.tier)


def kept_presets(tier: str, workspace: WorkspaceArgs) -> list[Preset]:
    """The presets of `tier` whose value `workspace` has."""
    settings = workspace.model_dump(by_alias=True, mode="json")
    return [p for p in PRESETS[tier] if lookup(settings, p.key) == p.value]


@dataclass(frozen=True)
class Finding:
    """A resource that does not meet a rule, and the waiver or relaxation that allows it."""

    rule: Rule
    urn: str
    violation: str
    waiver: WaiverArgs | None = None
    relaxation: Relaxation | None = None

    @property
    def level(self) -> str:
        """``mandatory`` or ``advisory`` (the rule's), ``waived``, or ``relaxed`` (a rule the
        stack's tier does not require)."""
        if self.waiver is not None:
            return "waived"
        if self.relaxation is not None:
            return "relaxed"
        return self.rule.level

    @property
    def message(self) -> str:
        text = f"{self.rule.summary} ({self.rule.sources}): {self.violation}"
        if self.waiver is not None:
            return f"{text}; waived: {self.waiver.reason}"
        if self.relaxation is not None:
            return f"{text}; relaxed: {self.relaxation.describe()}"
        return text


def check(rule: Rule, subject: Subject, facts: Facts, context: PolicyContext) -> Finding | None:
    """`rule` on one resource, for this stack; None when it complies or the rule does not apply.
    A rule of another tier is checked too: its violations come back relaxed."""
    if subject.type not in rule.resource_types:
        return None
    violation = rule.check(subject, facts)
    if violation is None:
        return None
    if not context.applies(rule):
        return Finding(
            rule, subject.urn, violation, None, context.relaxation_for(rule, subject.name)
        )
    return Finding(
        rule, subject.urn, violation, context.waiver_for(rule, subject.name, urn=subject.urn)
    )


def evaluate(resources: Iterable[Subject], context: PolicyContext) -> list[Finding]:
    """Every violation (and waived or relaxed violation) of the stack's resources, by rule then
    URN."""
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

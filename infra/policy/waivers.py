"""Waivers: a stack relaxes a baseline rule on purpose, by name, with a reason people can read.

In stack config (``amlstack:waivers``)::

    - rule: workspace-public-network-disabled
      reason: Reached from the office network until the private endpoints are in place (JIRA-123)
      workspace: main          # optional: only this workspace's resources

The offline plan prints each waiver with its reason and records it in the plan JSON's
``policies`` with level ``waived``; the policy pack marks the waived check not applicable.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import field_validator

from components.args import Args
from components.suggest import did_you_mean
from infra.policy.rules import RULE_IDS, rule_by_id, unknown_rule

__all__ = ["MIN_REASON_LENGTH", "WaiverArgs", "check_waivers"]

MIN_REASON_LENGTH = 10


class WaiverArgs(Args):
    """One rule this stack (or one of its workspaces) does not have to meet, and why."""

    rule: str
    """The rule's id (``amlstack policies`` lists them; docs/security.md)."""
    reason: str
    """Why the stack relaxes it: shown by the plan next to the rule. At least 10 characters."""
    workspace: str | None = None
    """Only this workspace's resources. Default: every resource of the stack."""

    @field_validator("rule")
    @classmethod
    def _known_rule(cls, value: str) -> str:
        if value in RULE_IDS:
            return value
        raise ValueError(unknown_rule(value))

    @field_validator("reason")
    @classmethod
    def _readable_reason(cls, value: str) -> str:
        if len(value.strip()) < MIN_REASON_LENGTH:
            raise ValueError(
                f"expected a reason people can read, at least {MIN_REASON_LENGTH} characters"
            )
        return value.strip()


def check_waivers(
    waivers: Sequence[WaiverArgs], *, tier: str | None, workspaces: Sequence[str] | None
) -> None:
    """Raise ValueError for the first waiver that does not fit the stack: a rule of another tier,
    an unknown workspace, or a rule waived twice. None for `tier` or `workspaces`: not known
    (invalid themselves), not checked."""
    scopes: dict[str, list[str | None]] = {}
    for index, waiver in enumerate(waivers):
        at = f"waivers[{index}]"
        rule = rule_by_id(waiver.rule)
        if tier is not None and tier not in rule.tiers:
            raise ValueError(
                f"{at}: rule {waiver.rule!r} applies to {' and '.join(sorted(rule.tiers))} "
                f"stacks only; a {tier} stack has nothing to waive, remove the waiver"
            )
        if workspaces is not None and waiver.workspace not in (None, *workspaces):
            raise ValueError(
                f"{at}.workspace: {waiver.workspace!r} is not a workspace of this stack; "
                f"{did_you_mean(str(waiver.workspace), workspaces)}expected one of "
                f"{', '.join(workspaces)} (or no workspace: the whole stack)"
            )
        earlier = scopes.setdefault(waiver.rule, [])
        if earlier and (None in earlier or waiver.workspace in (None, *earlier)):
            raise ValueError(f"{at}: rule {waiver.rule!r} is already waived; waive it once")
        earlier.append(waiver.workspace)

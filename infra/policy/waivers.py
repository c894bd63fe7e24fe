"""Waivers: a stack relaxes a baseline rule on purpose, by name, with a reason people can read.

In stack config (``amlstack:waivers``)::

    - rule: workspace-public-network-disabled
      reason: Reached from the office network until the private endpoints are in place (JIRA-123)
      workspace: main          # optional: only this workspace's resources

The offline plan prints each waiver with its reason and records it in the plan JSON's
``policies`` with level ``waived``; the policy pack marks the waived check not applicable.
"""

from __future__ import annotations

import difflib

from pydantic import field_validator

from components.args import Args
from infra.policy.rules import RULE_IDS

__all__ = ["MIN_REASON_LENGTH", "WaiverArgs"]

MIN_REASON_LENGTH = 10


class WaiverArgs(Args):
    """One rule this stack (or one of its workspaces) does not have to meet, and why."""

    rule: str
    """The rule's id (README, "Policies"; ``amlstack policies`` lists them)."""
    reason: str
    """Why the stack relaxes it: shown by the plan next to the rule. At least 10 characters."""
    workspace: str | None = None
    """Only this workspace's resources. Default: every resource of the stack."""

    @field_validator("rule")
    @classmethod
    def _known_rule(cls, value: str) -> str:
        if value in RULE_IDS:
            return value
        close = difflib.get_close_matches(value, RULE_IDS, n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValueError(f"unknown rule; {hint}expected a rule id listed by 'amlstack policies'")

    @field_validator("reason")
    @classmethod
    def _readable_reason(cls, value: str) -> str:
        if len(value.strip()) < MIN_REASON_LENGTH:
            raise ValueError(
                f"expected a reason people can read, at least {MIN_REASON_LENGTH} characters"
            )
        return value.strip()

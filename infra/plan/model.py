"""The offline plan: what a stack would deploy, and its JSON document (contract version 1)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from components.existing import NotManaged
from components.recording import RecordedResource
from infra.plan.changes import Change, Step
from infra.policy.reachability import Path

__all__ = [
    "PLAN_VERSION",
    "CriticalPath",
    "Plan",
    "PolicyResult",
    "short_type",
]

PLAN_VERSION = 1


@dataclass(frozen=True)
class PolicyResult:
    """One policy violation (or waiver) found on one resource."""

    policy: str
    urn: str
    level: str
    message: str


@dataclass(frozen=True)
class CriticalPath:
    """The longest chain of dependent resources and its estimated provisioning time."""

    seconds: int = 0
    resources: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    """Per resource of `resources`: why it waits for the one before it when none of its inputs
    names that one (an ordering edge, `infra.plan.critical_path.ORDERINGS`), else empty."""


@dataclass(frozen=True)
class Plan:
    """Resources sorted by URN, so the same config always gives the same plan."""

    project: str
    stack: str
    resources: tuple[RecordedResource, ...]
    outputs: dict[str, Any]
    policies: tuple[PolicyResult, ...] = ()
    critical_path: CriticalPath = field(default_factory=CriticalPath)
    warnings: tuple[str, ...] = ()
    principals: dict[str, str] = field(default_factory=dict)
    """Object id -> the ``name`` label the stack config gives that principal."""
    reachability: tuple[Path, ...] = ()
    """Every consumer -> target network path (`infra.policy.reachability`), sorted."""
    changes: tuple[Change, ...] | None = None
    """With ``--since``: what ``pulumi up`` changes from that plan, in step order; else None."""
    steps: tuple[Step, ...] = ()
    """With ``--since``: the steps of ``pulumi up``, in the engine's order."""
    allow_replace: tuple[str, ...] = ()
    """``amlstack:allowReplace``: resources whose replacement or delete is intended."""
    not_managed: tuple[NotManaged, ...] = ()
    """Existing resources the workspaces use: what amlstack applies to each, what it leaves."""

    def document(self) -> dict[str, Any]:
        """The plan JSON object of DESIGN.md, version 1 (``changes`` only with ``--since``)."""
        document: dict[str, Any] = {
            "version": PLAN_VERSION,
            "project": self.project,
            "stack": self.stack,
            "resources": [
                {
                    "urn": r.urn,
                    "type": r.type,
                    "name": r.name,
                    "custom": r.custom,
                    "parent": r.parent,
                    "inputs": r.inputs,
                    "dependencies": sorted(r.dependencies),
                    "protect": r.protect,
                }
                for r in self.resources
            ],
            "outputs": self.outputs,
            "policies": [
                {"policy": p.policy, "urn": p.urn, "level": p.level, "message": p.message}
                for p in self.policies
            ],
            "criticalPath": {
                "seconds": self.critical_path.seconds,
                "resources": list(self.critical_path.resources),
            },
            "principals": dict(sorted(self.principals.items())),
            "reachability": [
                {
                    "consumer": p.consumer,
                    "target": p.target,
                    "via": p.via,
                    "reachable": p.reachable,
                    "reason": p.reason,
                }
                for p in self.reachability
            ],
            "notManaged": [entry.document() for entry in self.not_managed],
        }
        if self.changes is not None:
            document["changes"] = [change.document() for change in self.changes]
        return document

    @property
    def failed_mandatory(self) -> tuple[PolicyResult, ...]:
        """Violations of mandatory rules that no waiver allows: the plan fails on these."""
        return tuple(p for p in self.policies if p.level == "mandatory")

    @property
    def unreachable(self) -> tuple[Path, ...]:
        """Network paths that do not exist: the plan fails on these like on a mandatory rule."""
        return tuple(p for p in self.reachability if not p.reachable)

    def to_json(self) -> str:
        """Sorted keys, two-space indent, trailing newline: byte-identical for the same config."""
        return json.dumps(self.document(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def short_type(type_token: str) -> str:
    """``azure-native:storage:StorageAccount`` -> ``storage:StorageAccount``."""
    return type_token.removeprefix("azure-native:")

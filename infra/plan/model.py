"""The offline plan: what a stack would deploy, and its JSON document (contract version 1)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from components.existing import NotManaged
from components.recording import RecordedResource

__all__ = ["PLAN_VERSION", "CriticalPath", "Plan", "PolicyResult"]

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
    not_managed: tuple[NotManaged, ...] = ()
    """Existing resources the workspaces use: what amlstack applies to each, what it leaves."""

    def document(self) -> dict[str, Any]:
        """The plan JSON object of DESIGN.md, version 1."""
        return {
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
            "notManaged": [entry.document() for entry in self.not_managed],
        }

    @property
    def failed_mandatory(self) -> tuple[PolicyResult, ...]:
        """Violations of mandatory rules that no waiver allows: the plan fails on these."""
        return tuple(p for p in self.policies if p.level == "mandatory")

    def to_json(self) -> str:
        """Sorted keys, two-space indent, trailing newline: byte-identical for the same config."""
        return json.dumps(self.document(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"

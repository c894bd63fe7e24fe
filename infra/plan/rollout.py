"""The steps ``pulumi up`` takes from one plan to the next, in the order the engine runs them.

The engine walks the new program's resources in dependency order: a resource is created, updated
(its inputs changed) or left alone once everything it depends on is done. Resources the new
program no longer declares are deleted last, after every create and update, dependents first.
For a blue/green edit this shows a new deployment created before the traffic resource names it,
and the traffic update that stops naming a deployment before that deployment's deletion.

Replacements and provider-side diffs are out of reach offline: a changed input shows as an update.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from components.recording import RecordedResource
from infra.plan.dependencies import dependency_order
from infra.plan.tree import short_type

__all__ = ["Step", "render_rollout", "rollout"]


@dataclass(frozen=True)
class Step:
    """One step of ``pulumi up``."""

    op: Literal["create", "update", "delete"]
    resource: RecordedResource

    def __str__(self) -> str:
        return f"{self.op:<6}  {short_type(self.resource.type)} {self.resource.name}"


def rollout(before: Sequence[RecordedResource], after: Sequence[RecordedResource]) -> list[Step]:
    """The steps from the resources of plan `before` to those of plan `after`, in order.

    Raises `DependencyCycleError` when the resources of either plan wait for each other."""
    old = {r.urn: r for r in before if r.custom}
    new = {r.urn: r for r in after if r.custom}
    steps = [
        Step("create" if urn not in old else "update", new[urn])
        for urn in _dependency_order(new)
        if urn not in old or old[urn].inputs != new[urn].inputs
    ]
    gone = {urn: resource for urn, resource in old.items() if urn not in new}
    steps += [Step("delete", gone[urn]) for urn in reversed(_dependency_order(gone))]
    return steps


def _dependency_order(resources: Mapping[str, RecordedResource]) -> list[str]:
    return dependency_order({urn: r.dependencies for urn, r in resources.items()})


def render_rollout(steps: Iterable[Step]) -> str:
    """Numbered steps, one per line."""
    lines = [f"{index:>3}. {step}" for index, step in enumerate(steps, start=1)]
    return "\n".join(lines) if lines else "  no changes"

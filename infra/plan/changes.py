"""What ``pulumi up`` would do from one plan to the next: per resource its operation and each
changed input, and the steps in the order the engine takes them.

Old and new resources are paired by URN; a new resource whose ``aliases`` name an old URN is that
resource moved, not a delete and a create. A changed URN without an alias is a delete and a
create (Pulumi's rule). A paired resource whose inputs differ is updated, or replaced when a
changed path replaces: the provider's rules (`infra.plan.create_only`: path parameters such as
the Azure name, ``forceNew`` properties) or the resource's own ``replace_on_changes`` option. A
change Azure cannot make in place although the provider would try (a ``createOnly`` path) stays
an update, marked `Diff.fixed`.

A replacement that deletes first (every azure-native resource: its Azure name is fixed) also
replaces, first, each resource whose replacing input comes from it (Pulumi's dependent
replacements: the new value is unknown until the new resource exists). The inputs a dependent
takes from a resource are found by value: the resource's ARM id (or an id below it) or its name.

The steps: creates, updates and replacements in dependency order, a delete-first replacement as
its delete (after those of its dependent replacements) then its create; deletes of removed
resources last, dependents first. Secrets are masked in both plans, so a changed secret cannot be
seen and is not shown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from components.recording import RecordedResource
from infra.plan.create_only import TypeRules, rules_for
from infra.plan.dependencies import dependency_order, transitive_dependencies

__all__ = [
    "ABSENT",
    "Change",
    "Diff",
    "Op",
    "Step",
    "changes",
    "diff_values",
    "path_key",
    "show_value",
]

Op = Literal["create", "update", "replace", "delete"]

_PROVIDER = "__provider"
"""A dynamic resource's pickled provider: it changes with amlstack's own code, never an update."""
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_$@:/-]+")


class _Absent:
    def __repr__(self) -> str:
        return "(none)"


ABSENT: Any = _Absent()
"""The side of a `Diff` where the path does not exist (an added or removed input)."""


@dataclass(frozen=True)
class Diff:
    """One changed input path of a resource."""

    path: str
    """Dotted, with ``[i]`` for list items (``traffic.blue``, ``rules[0].port``)."""
    old: Any
    new: Any
    replaces: str | None = None
    """Why this change replaces the resource; None: it is changed in place."""
    fixed: str | None = None
    """Why Azure cannot make this change in place although ``pulumi up`` will try (an update)."""

    def document(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "old": None if self.old is ABSENT else self.old,
            "new": None if self.new is ABSENT else self.new,
            "replaces": self.replaces is not None,
        }


@dataclass(frozen=True)
class Change:
    """What ``pulumi up`` does to one resource."""

    op: Op
    old: RecordedResource | None
    new: RecordedResource | None
    diffs: tuple[Diff, ...] = ()
    delete_first: bool = False
    """A replacement that deletes the old resource before it creates the new one."""
    because: str | None = None
    """Why a resource none of whose own inputs replaces it is replaced: a dependency's."""

    @property
    def resource(self) -> RecordedResource:
        """The resource as the new plan has it (as the old one had it, for a delete)."""
        found = self.new or self.old
        assert found is not None
        return found

    @property
    def urn(self) -> str:
        return self.resource.urn

    @property
    def moved_from(self) -> str | None:
        """The old URN of a resource its component moved (an alias), else None."""
        if self.old is not None and self.new is not None and self.old.urn != self.new.urn:
            return self.old.urn
        return None

    def document(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.resource.type,
            "op": self.op,
            "diffs": [d.document() for d in self.diffs],
        }


@dataclass(frozen=True)
class Step:
    """One step of ``pulumi up``: a replacement is a create and a delete, in either order."""

    op: Literal["create", "update", "delete"]
    change: Change = field(repr=False)


def changes(
    before: Sequence[RecordedResource], after: Sequence[RecordedResource]
) -> tuple[tuple[Change, ...], tuple[Step, ...]]:
    """The changes from the custom resources of `before` to those of `after`, in the order of
    their first step, and the steps. Raises `DependencyCycleError` when either plan's resources
    wait for each other."""
    old = {r.urn: r for r in before if r.custom}
    new = {r.urn: r for r in after if r.custom}
    paired = _pairs(old, new)
    found: dict[str, Change] = {}
    for urn, resource in new.items():
        previous = paired.get(urn)
        change = _compare(previous, resource) if previous else Change("create", None, resource)
        if change is not None:
            found[urn] = change
    found |= _dependent_replacements(found, new, paired)
    kept = {r.urn for r in paired.values()}
    removed = {urn: r for urn, r in old.items() if urn not in kept}
    steps = _steps(found, new, removed, old)
    order: dict[str, Change] = {}
    for step in steps:
        order.setdefault(step.change.urn, step.change)
    return tuple(order.values()), tuple(steps)


def _pairs(
    old: Mapping[str, RecordedResource], new: Mapping[str, RecordedResource]
) -> dict[str, RecordedResource]:
    """New URN -> the old resource it continues (same URN, or an old URN among its aliases)."""
    paired = {urn: old[urn] for urn in new if urn in old}
    taken = set(paired)
    for urn, resource in new.items():
        if urn in paired:
            continue
        alias = next((a for a in resource.aliases if a in old and a not in taken), None)
        if alias is not None:
            paired[urn] = old[alias]
            taken.add(alias)
    return paired


def _compare(old: RecordedResource, new: RecordedResource) -> Change | None:
    rules = rules_for(new.type)
    diffs = tuple(
        Diff(
            path,
            before,
            after,
            replaces=_replacing(rules, new.replace_on_changes, path),
            fixed=_fixed(rules, path),
        )
        for path, before, after in diff_values(_inputs(old), _inputs(new))
    )
    if not diffs:
        return None
    if any(d.replaces for d in diffs):
        return Change("replace", old, new, diffs, delete_first=_deletes_first(new))
    return Change("update", old, new, diffs)


def _inputs(resource: RecordedResource) -> dict[str, Any]:
    return {k: v for k, v in resource.inputs.items() if k != _PROVIDER}


def _deletes_first(resource: RecordedResource) -> bool:
    rules = rules_for(resource.type)
    return resource.delete_before_replace or (rules.delete_before_replace if rules else True)


def diff_values(old: Any, new: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(path, old, new) for each changed leaf; a value added or removed as a whole, or whose kind
    changed, is one entry (`ABSENT` on the missing side). Keys are sorted, items by index."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(old.keys() | new.keys()):
            yield from diff_values(old.get(key, ABSENT), new.get(key, ABSENT), path_key(path, key))
    elif isinstance(old, list) and isinstance(new, list):
        for index in range(max(len(old), len(new))):
            yield from diff_values(
                old[index] if index < len(old) else ABSENT,
                new[index] if index < len(new) else ABSENT,
                f"{path}[{index}]",
            )
    elif old != new or type(old) is not type(new):
        yield path, old, new


def path_key(path: str, key: str) -> str:
    """`path` extended by the mapping key `key`: ``a.key``, or ``a["odd.key"]`` when the key
    holds a dot, a bracket or a space."""
    if _PLAIN_KEY.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


def show_value(value: Any, *, limit: int = 80) -> str:
    """A value as a diff line shows it: JSON (strings quoted), shortened; ``(none)`` when absent."""
    if value is ABSENT:
        return "(none)"
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _replacing(rules: TypeRules | None, options: Sequence[str], path: str) -> str | None:
    if rules is not None:
        why = rules.replacing(path, below=True)
        if why is not None:
            return why
    for option in options:
        if _option_covers(option, path):
            fixed = _fixed(rules, path)
            prefix = f"{fixed}; so " if fixed else ""
            return f"{prefix}the program replaces the resource (replace_on_changes: {option})"
    return None


def _fixed(rules: TypeRules | None, path: str) -> str | None:
    return rules.fixed(path, below=True) if rules is not None else None


def _option_covers(option: str, path: str) -> bool:
    """Whether a ``replace_on_changes`` path (``*`` any key, ``[*]`` any item) covers `path`."""
    pattern = re.escape(option.replace("[*]", "[]")).replace(r"\*", r"[^.\[]+")
    return re.match(rf"{pattern}(?:$|[.\[])", re.sub(r"\[\d+\]", "[]", path)) is not None


def _dependent_replacements(
    found: Mapping[str, Change],
    new: Mapping[str, RecordedResource],
    paired: Mapping[str, RecordedResource],
) -> dict[str, Change]:
    """The resources replaced, first, because a delete-first replacement changes an input they
    take from it (transitively)."""
    dependents: dict[str, list[str]] = {urn: [] for urn in new}
    for urn, resource in new.items():
        for dependency in resource.dependencies:
            if dependency in dependents:
                dependents[dependency].append(urn)
    replaced: dict[str, Change] = {}
    queue = sorted(u for u, c in found.items() if c.op == "replace" and c.delete_first)
    while queue:
        source = new[queue.pop(0)]
        for urn in sorted(dependents[source.urn]):
            current = replaced.get(urn) or found.get(urn)
            if urn not in paired or (current is not None and current.delete_first):
                continue
            why = _taken_from(source, new[urn])
            if why is None:
                continue
            old = paired[urn]
            diffs = current.diffs if current is not None else ()
            replaced[urn] = Change("replace", old, new[urn], diffs, delete_first=True, because=why)
            queue.append(urn)
    return replaced


def _taken_from(source: RecordedResource, dependent: RecordedResource) -> str | None:
    """Why `dependent` is replaced with `source`: one of its replacing inputs holds the source's
    ARM id (or an id below it) or its name. None when no such input replaces it."""
    rules = rules_for(dependent.type)
    ids = [v for v in (source.outputs.get("id"),) if isinstance(v, str) and v]
    names = [v for v in (source.outputs.get("name"),) if isinstance(v, str) and len(v) > 2]
    for path, value in _leaves(_inputs(dependent)):
        if not isinstance(value, str):
            continue
        refers = value in names or any(value == i or value.startswith(f"{i}/") for i in ids)
        if not refers:
            continue
        why = _replacing(rules, dependent.replace_on_changes, path)
        if why is not None:
            return f"its {path} is {source.name}'s, which is deleted and re-created first"
    return None


def _leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key in sorted(value):
            yield from _leaves(value[key], path_key(path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}[{index}]")
    else:
        yield path, value


def _steps(
    found: Mapping[str, Change],
    new: Mapping[str, RecordedResource],
    removed: Mapping[str, RecordedResource],
    old: Mapping[str, RecordedResource],
) -> list[Step]:
    order = dependency_order({u: r.dependencies for u, r in new.items()})
    position = {urn: index for index, urn in enumerate(order)}
    waits_for = transitive_dependencies({u: r.dependencies for u, r in new.items()}, order)
    steps: list[Step] = []
    deleted: set[str] = set()
    last: list[Change] = []
    for urn in order:
        change = found.get(urn)
        if change is None:
            continue
        if change.op == "replace" and change.delete_first:
            if urn not in deleted:
                first = [
                    u
                    for u, c in found.items()
                    if c.op == "replace" and c.delete_first and u not in deleted
                    if urn in waits_for[u]
                ]
                for dependent in sorted(first, key=position.__getitem__, reverse=True):
                    steps.append(Step("delete", found[dependent]))
                    deleted.add(dependent)
                steps.append(Step("delete", change))
                deleted.add(urn)
            steps.append(Step("create", change))
        elif change.op == "replace":
            steps.append(Step("create", change))
            last.append(change)
        else:
            steps.append(Step("create" if change.op == "create" else "update", change))
    gone = {urn: Change("delete", resource, None) for urn, resource in removed.items()}
    gone |= {c.old.urn: c for c in last if c.old is not None}
    for urn in reversed(dependency_order({u: r.dependencies for u, r in old.items()})):
        if urn in gone:
            steps.append(Step("delete", gone[urn]))
    return steps

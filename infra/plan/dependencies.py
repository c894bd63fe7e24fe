"""The order resources can be created in: each after everything it waits for.

`dependency_order` is the engine's walk of a program's resources (Kahn's algorithm, one wave at a
time: a wave is every resource whose dependencies are all in earlier waves, in URN order), linear
in resources and dependencies. A cycle has no order: `DependencyCycleError` shows one.
`transitive_dependencies` is, along that order, everything each resource waits for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from infra.plan.errors import DependencyCycleError

__all__ = ["dependency_order", "transitive_dependencies"]


def dependency_order(
    dependencies: Mapping[str, Iterable[str]], *, where: str = "the plan"
) -> list[str]:
    """The keys of `dependencies` (URN -> the URNs it waits for), each after those it waits for;
    dependencies that are not keys are ignored. Raises `DependencyCycleError` (naming `where`)
    when there is no such order."""
    waiting = {urn: set(deps) & dependencies.keys() for urn, deps in dependencies.items()}
    dependents: dict[str, list[str]] = {urn: [] for urn in waiting}
    for urn, deps in waiting.items():
        for dependency in deps:
            dependents[dependency].append(urn)
    remaining = {urn: len(deps) for urn, deps in waiting.items()}
    wave = sorted(urn for urn, count in remaining.items() if count == 0)
    order: list[str] = []
    while wave:
        order += wave
        following: list[str] = []
        for urn in wave:
            for dependent in dependents[urn]:
                remaining[dependent] -= 1
                if remaining[dependent] == 0:
                    following.append(dependent)
        wave = sorted(following)
    if len(order) != len(waiting):
        done = set(order)
        raise DependencyCycleError(
            _find_cycle({urn: deps - done for urn, deps in waiting.items() if urn not in done}),
            where=where,
        )
    return order


def transitive_dependencies(
    dependencies: Mapping[str, Iterable[str]], order: Sequence[str] | None = None
) -> dict[str, set[str]]:
    """URN -> every URN it waits for, directly or through others (dependencies that are not keys
    are ignored). `order` is `dependency_order(dependencies)`, for a caller that has it already;
    raises `DependencyCycleError` when there is none."""
    reach: dict[str, set[str]] = {}
    for urn in dependency_order(dependencies) if order is None else order:
        direct = set(dependencies[urn]) & dependencies.keys()
        reach[urn] = direct.union(*(reach[d] for d in direct))
    return reach


def _find_cycle(waiting: Mapping[str, set[str]]) -> list[str]:
    """One cycle of a non-empty graph in which every node waits for another of its nodes (what
    is left when no order exists): ``[a, b, ..., a]``, each waiting for the next; the same graph
    gives the same cycle."""
    graph = {urn: sorted(deps) for urn, deps in waiting.items()}
    path = [min(graph)]
    seen = {path[0]: 0}
    while True:
        following = graph[path[-1]][0]
        if following in seen:
            return [*path[seen[following] :], following]
        seen[following] = len(path)
        path.append(following)

"""`dependency_order`: every resource after what it waits for, one wave at a time in URN order;
a cycle is refused with one real cycle of the graph. `transitive_dependencies`: all it waits for."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra.plan.dependencies import dependency_order, transitive_dependencies
from infra.plan.errors import DependencyCycleError

graphs = st.dictionaries(
    st.sampled_from([f"u{i}" for i in range(8)]),
    st.sets(st.sampled_from([f"u{i}" for i in range(10)]), max_size=3),  # u8, u9: outside
    max_size=8,
)


def waves(graph: dict[str, set[str]]) -> list[str]:
    """The engine's order the slow, obvious way: all that is ready, sorted, then again."""
    waiting = {urn: deps & graph.keys() for urn, deps in graph.items()}
    order: list[str] = []
    while waiting:
        ready = sorted(urn for urn, deps in waiting.items() if not deps)
        if not ready:
            raise DependencyCycleError(["?"])
        for urn in ready:
            del waiting[urn]
        for deps in waiting.values():
            deps.difference_update(ready)
        order += ready
    return order


@given(graphs)
def test_the_order_is_the_engines_waves_or_a_real_cycle(graph: dict[str, set[str]]) -> None:
    try:
        expected = waves(graph)
    except DependencyCycleError:
        with pytest.raises(DependencyCycleError) as caught:
            dependency_order(graph)
        cycle = caught.value.cycle
        assert cycle[0] == cycle[-1]
        assert len(set(cycle)) == len(cycle) - 1
        assert all(after in graph[before] for before, after in itertools.pairwise(cycle))
        return
    order = dependency_order(graph)
    assert order == expected
    position = {urn: index for index, urn in enumerate(order)}
    assert all(position[d] < position[u] for u, deps in graph.items() for d in deps & graph.keys())


def test_a_cycle_names_the_plan_and_the_chain() -> None:
    with pytest.raises(DependencyCycleError) as caught:
        dependency_order({"a": ["b"], "b": ["a"], "c": ["a"], "d": []}, where="--since x.json")
    assert caught.value.cycle == ("a", "b", "a")
    assert str(caught.value) == (
        "dependency cycle in --since x.json: a -> b -> a (each waits for the next); expected "
        "resources that wait only for resources created before them"
    )


def test_a_resource_waiting_for_itself_is_a_cycle() -> None:
    with pytest.raises(DependencyCycleError) as caught:
        dependency_order({"a": ["a"]})
    assert caught.value.cycle == ("a", "a")


def reachable(graph: dict[str, set[str]], urn: str) -> set[str]:
    """What `urn` waits for the slow, obvious way: follow dependencies until nothing is new."""
    found: set[str] = set()
    todo = list(graph[urn] & graph.keys())
    while todo:
        dependency = todo.pop()
        if dependency not in found:
            found.add(dependency)
            todo += graph[dependency] & graph.keys()
    return found


@given(graphs)
def test_transitive_dependencies_are_everything_waited_for(graph: dict[str, set[str]]) -> None:
    try:
        order = dependency_order(graph)
    except DependencyCycleError:
        with pytest.raises(DependencyCycleError):
            transitive_dependencies(graph)
        return
    expected = {urn: reachable(graph, urn) for urn in graph}
    assert transitive_dependencies(graph) == expected
    assert transitive_dependencies(graph, order) == expected

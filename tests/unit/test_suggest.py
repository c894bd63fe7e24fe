"""Pure helpers of the readable messages and graph: suggestions, the transitive reduction."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from components.args import item_key
from components.suggest import did_you_mean
from infra.plan.graph import transitive_reduction

names = st.text(alphabet="abcdefghij-", min_size=1, max_size=12)


@given(choices=st.lists(names, min_size=1, max_size=8), pick=st.integers(min_value=0))
def test_a_known_name_suggests_itself(choices: list[str], pick: int) -> None:
    value = choices[pick % len(choices)]
    assert did_you_mean(value, choices) == f"did you mean {value!r}? "


@given(value=names)
def test_nothing_to_suggest_from_nothing(value: str) -> None:
    assert did_you_mean(value, []) == ""


def test_typos_get_the_closest_name_case_aside() -> None:
    assert did_you_mean("stagin", ["dev", "prod", "staging"]) == "did you mean 'staging'? "
    assert did_you_mean("cpu-clustr", ["cpu-cluster", "gpu-cluster"]).startswith(
        "did you mean 'cpu-cluster'"
    )
    assert did_you_mean("PROD", ["dev", "prod"]) == "did you mean 'prod'? "
    assert did_you_mean("zzz", ["dev", "prod"]) == ""


def test_list_items_are_named_by_their_name_key() -> None:
    assert item_key({"name": "vision"}, 3) == "[vision]"
    assert item_key({"rule": "x"}, 3) == "[3]"
    assert item_key({"name": ""}, 0) == "[0]"
    assert item_key(None, 1) == "[1]"


def reachable(edges: set[tuple[int, int]], start: int) -> set[int]:
    seen: set[int] = set()
    stack = [b for a, b in edges if a == start]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack += [b for a, b in edges if a == node]
    return seen


@given(
    pairs=st.lists(
        st.tuples(st.integers(0, 9), st.integers(0, 9)).filter(lambda p: p[0] < p[1]),
        max_size=30,
    )
)
def test_the_reduction_keeps_reachability_and_drops_every_implied_edge(
    pairs: list[tuple[int, int]],
) -> None:
    edges = {(f"n{a}", f"n{b}") for a, b in pairs}
    reduced = transitive_reduction(edges)
    numbered = {(int(a[1:]), int(b[1:])) for a, b in edges}
    kept = {(int(a[1:]), int(b[1:])) for a, b in reduced}
    assert kept <= numbered
    for node in range(10):
        assert reachable(kept, node) == reachable(numbered, node)
    for a, b in kept:
        assert b not in reachable(kept - {(a, b)}, a)

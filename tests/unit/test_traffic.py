"""Traffic rules (plain functions, property tests) and how config errors name them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from components.endpoint import OnlineEndpointArgs
from components.errors import ConfigError
from components.traffic import (
    MAX_MIRROR_PERCENT,
    complete_split,
    mirror_problems,
    traffic_problems,
)

names = st.lists(
    st.from_regex(r"[a-z][a-z0-9-]{1,10}[a-z0-9]", fullmatch=True),
    min_size=1,
    max_size=5,
    unique=True,
)


@st.composite
def valid_splits(draw: st.DrawFn) -> tuple[list[str], dict[str, int]]:
    """Deployments and a split of 100 over some of them (those left out get 0)."""
    deployments = draw(names)
    chosen = draw(st.lists(st.sampled_from(deployments), min_size=1, unique=True))
    cuts = sorted(
        draw(st.lists(st.integers(0, 100), min_size=len(chosen) - 1, max_size=len(chosen) - 1))
    )
    shares = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    return deployments, dict(zip(chosen, shares, strict=True))


@given(valid_splits())
def test_every_split_of_100_is_accepted(case: tuple[list[str], dict[str, int]]) -> None:
    deployments, traffic = case
    assert traffic_problems(traffic, deployments) == []
    complete = complete_split(traffic, deployments)
    assert list(complete) == deployments
    assert sum(complete.values()) == 100


@given(valid_splits(), st.integers(-100, 100))
def test_a_split_that_does_not_sum_to_100_is_refused(
    case: tuple[list[str], dict[str, int]], delta: int
) -> None:
    deployments, traffic = case
    name = next(iter(traffic))
    assume(delta != 0 and 0 <= traffic[name] + delta <= 100)
    wrong = {**traffic, name: traffic[name] + delta}
    [problem] = traffic_problems(wrong, deployments)
    assert f"these sum to {100 + delta}" in problem


@given(valid_splits(), st.from_regex(r"[a-z]{3,8}", fullmatch=True))
def test_naming_a_missing_deployment_is_refused(
    case: tuple[list[str], dict[str, int]], ghost: str
) -> None:
    deployments, traffic = case
    assume(ghost not in deployments)
    problems = traffic_problems({**traffic, ghost: 0}, deployments)
    assert problems == [
        f"{ghost!r} is not a deployment of this endpoint (deployments: {', '.join(deployments)})"
    ]


@pytest.mark.parametrize("share", [-1, 101, 1.5, True, "10"])
def test_shares_are_integers_from_0_to_100(share: Any) -> None:
    [problem] = traffic_problems({"blue": share}, ["blue"])
    assert "must be an integer from 0 to 100" in problem


def test_no_deployments_means_no_traffic() -> None:
    assert traffic_problems({}, []) == []
    assert traffic_problems({}, ["blue"]) == [
        "percentages must sum to 100 across blue; these sum to 0"
    ]


@given(valid_splits(), st.integers(0, MAX_MIRROR_PERCENT), st.data())
def test_mirror_to_one_idle_deployment_up_to_50_is_accepted(
    case: tuple[list[str], dict[str, int]], share: int, data: st.DataObject
) -> None:
    deployments, traffic = case
    idle = [d for d in deployments if not traffic.get(d)]
    assume(idle)
    target = data.draw(st.sampled_from(idle))
    assert mirror_problems({target: share}, traffic, deployments) == []


@given(valid_splits(), st.integers(1, 50), st.data())
def test_mirror_to_a_deployment_with_live_traffic_is_refused(
    case: tuple[list[str], dict[str, int]], share: int, data: st.DataObject
) -> None:
    deployments, traffic = case
    live = data.draw(st.sampled_from([d for d, s in traffic.items() if s]))
    [problem] = mirror_problems({live: share}, traffic, deployments)
    assert "mirror only to a deployment with 0% live traffic" in problem


def test_mirror_is_at_most_50_and_to_one_deployment() -> None:
    deployments, traffic = ["blue", "green", "red"], {"blue": 100}
    assert mirror_problems({"green": 51}, traffic, deployments) == [
        "'green': 51 must be an integer from 0 to 50"
    ]
    assert mirror_problems({"green": 10, "red": 10}, traffic, deployments) == [
        "mirror to one deployment only, not green, red"
    ]
    assert mirror_problems({"ghost": 10}, traffic, deployments)[0].startswith("'ghost' is not")


def endpoint(**overrides: Any) -> dict[str, Any]:
    deployment = {"name": "blue", "model": "azureml:m:1"}
    return {
        "name": "credit",
        "deployments": [deployment, {**deployment, "name": "green"}],
        "traffic": {"blue": 100},
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "field", "value", "fragment"),
    [
        ({"traffic": {"blue": 90}}, "traffic", {"blue": 90}, "these sum to 90"),
        (
            {"traffic": {"blue": 90, "grene": 10}},
            "traffic",
            {"blue": 90, "grene": 10},
            "'grene' is not a deployment of this endpoint (deployments: blue, green)",
        ),
        ({"traffic": {"blue": "100"}}, "traffic.blue", "100", "valid integer"),
        ({"mirrorTraffic": {"green": 60}}, "mirrorTraffic", {"green": 60}, "from 0 to 50"),
        (
            {"mirrorTraffic": {"blue": 10}},
            "mirrorTraffic",
            {"blue": 10},
            "'blue' gets 100% live traffic",
        ),
    ],
)
def test_config_errors_name_the_key_the_value_and_what_is_allowed(
    overrides: dict[str, Any], field: str, value: object, fragment: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        OnlineEndpointArgs.parse(endpoint(**overrides), at="endpoints[0]")
    [problem] = caught.value.problems
    assert (problem.field, problem.value) == (f"endpoints[0].{field}", value)
    assert fragment in problem.allowed

"""Shared checks of the arguments: a path inside the project (either separator), and a
``Literal``'s values in any spelling."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.args import Args, check_project_path, spelt_as
from components.errors import ConfigError


@pytest.mark.parametrize("value", ["/etc/x", "\\share\\x", "../x", "a/../x", "a\\..\\x", ".."])
def test_paths_out_of_the_project_are_refused_with_what_was_expected(value: str) -> None:
    with pytest.raises(ValueError, match=r"^expected a file inside the project, relative to Pul"):
        check_project_path(value, "a file")


@given(st.text(alphabet="ab./\\", max_size=12))
def test_either_separator_splits_the_path(value: str) -> None:
    parts = value.replace("\\", "/").split("/")
    refused = value.startswith(("/", "\\")) or ".." in parts
    try:
        assert check_project_path(value, "a folder") == value
    except ValueError:
        assert refused
    else:
        assert not refused


_Level = Literal["Debug", "SummaryOnly"]


class _Spelt(Args):
    any_case: Annotated[_Level, spelt_as(_Level)] | None = None
    no_underscores: Annotated[_Level, spelt_as(_Level, ignoring="_")] | None = None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("debug", "Debug"), ("DEBUG", "Debug"), ("Debug", "Debug"), ("SUMMARYonly", "SummaryOnly")],
)
def test_a_literal_value_is_taken_in_any_case(value: str, expected: str) -> None:
    spelt = _Spelt(any_case=value, no_underscores=value)
    assert (spelt.any_case, spelt.no_underscores) == (expected, expected)


def test_underscores_are_ignored_only_where_asked() -> None:
    assert _Spelt(no_underscores="summary_only").no_underscores == "SummaryOnly"
    with pytest.raises(ConfigError, match="anyCase"):
        _Spelt(any_case="summary_only")

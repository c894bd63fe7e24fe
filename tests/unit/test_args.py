"""The shared path check of the arguments: a path inside the project, either separator."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.args import check_project_path


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

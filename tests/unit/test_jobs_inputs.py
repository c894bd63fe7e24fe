"""The jobs CLI's input rules (jobs/inputs.py): names, versions, output paths, seconds."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.inputs import (
    check_asset_name,
    check_folder,
    check_model_version,
    check_output_name,
    check_output_path,
    check_seconds,
)

SEGMENT = st.from_regex(r"[A-Za-z0-9_.-]{1,12}", fullmatch=True).filter(
    lambda s: s not in {".", ".."}
)


@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,254}", fullmatch=True))
def test_azure_asset_names_are_accepted(name: str) -> None:
    assert check_asset_name(name) == name


@given(st.text(min_size=1, max_size=20), st.sampled_from(" ./:!@"))
def test_names_with_other_characters_are_refused(name: str, bad: str) -> None:
    with pytest.raises(ValueError, match="letters, digits, '-' or '_'"):
        check_asset_name(name + bad)


def test_asset_names_start_with_a_letter_or_digit_and_stop_at_255() -> None:
    for name in ("", "_train", "-train", "a" * 256):
        with pytest.raises(ValueError, match="starting with a letter or digit"):
            check_asset_name(name)


@given(st.integers(min_value=1, max_value=10**6))
def test_model_versions_are_positive_whole_numbers(version: int) -> None:
    assert check_model_version(str(version)) == str(version)


@pytest.mark.parametrize("version", ["0", "v1", "1.0", "-1", "", "latest"])
def test_other_model_versions_are_refused(version: str) -> None:
    with pytest.raises(ValueError, match="positive whole number"):
        check_model_version(version)


@pytest.mark.parametrize("name", ["artifacts", "model_dir", "_private", "out2"])
def test_output_names(name: str) -> None:
    assert check_output_name(name) == name
    for bad in (f"2{name}", f"{name}/x", f"{name} x", f"{name}-x"):
        with pytest.raises(ValueError, match="job output name"):
            check_output_name(bad)


@given(st.lists(SEGMENT, max_size=4))
def test_relative_paths_inside_an_output_are_accepted(parts: list[str]) -> None:
    path = "/".join(parts)
    assert check_output_path(path) == path


@given(st.lists(SEGMENT, max_size=3), st.lists(SEGMENT, max_size=3), st.sampled_from(["/", "\\"]))
def test_paths_leaving_the_output_are_refused(
    before: list[str], after: list[str], sep: str
) -> None:
    with pytest.raises(ValueError, match="inside the job output"):
        check_output_path(sep.join([*before, "..", *after]))
    with pytest.raises(ValueError, match="inside the job output"):
        check_output_path("/" + "/".join(before))


@given(st.floats(min_value=1e-3, max_value=1e9))
def test_positive_seconds_are_accepted(seconds: float) -> None:
    assert check_seconds(repr(seconds)) == seconds


@given(st.one_of(st.floats(max_value=0), st.just(math.inf), st.just(math.nan)))
def test_other_seconds_are_refused(seconds: float) -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        check_seconds(repr(seconds))
    with pytest.raises(ValueError, match="greater than 0"):
        check_seconds("1h")


def test_a_destination_folder_may_be_new_but_not_a_file(tmp_path: Path) -> None:
    assert check_folder(str(tmp_path / "new")) == tmp_path / "new"
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="this is a file"):
        check_folder(str(tmp_path / "file"))

"""Snapshots people can trust: the run's tags say which commit its code came from, whether the
code folder had uncommitted changes and a hash of them; a dirty submission warns."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.git import COMMIT_TAG, DIFF_HASH_TAG, DIRTY_TAG, git_state, parse_porcelain
from jobs.specs import load_spec
from jobs.submit import SubmitOptions, dry_run
from tests.jobs_support import dev_context

CONTEXT = dev_context()
paths = st.text(
    st.characters(codec="utf-8", exclude_characters="\0"),
    min_size=1,
    max_size=20,
)
statuses = st.sampled_from([" M", "M ", "A ", " D", "??", "R ", "C ", "MM"])


@given(st.lists(st.tuples(statuses, paths, paths), max_size=8))
def test_porcelain_entries_parse_to_their_paths(entries: list[tuple[str, str, str]]) -> None:
    output = b"".join(
        f"{status} {path}\0".encode() + (f"{source}\0".encode() if status[0] in "RC" else b"")
        for status, path, source in entries
    )
    changed, untracked = parse_porcelain(output)
    assert changed == [path for _, path, _ in entries]
    assert untracked == [path for status, path, _ in entries if status == "??"]


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text("print('training')\n")
    (tmp_path / "notes.md").write_text("notes\n")
    (tmp_path / "job.yml").write_text(
        "command: python train.py\ncode: src\nenvironment: azureml:train@latest\n"
        "compute: azureml:cpu\nexperiment_name: churn\n"
    )
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "first")
    return tmp_path


def tags(repo: Path) -> dict[str, str]:
    body = dry_run(load_spec(repo / "job.yml"), CONTEXT, SubmitOptions()).body
    found: dict[str, str] = body["properties"]["tags"]
    return found


def test_a_clean_tree_records_its_commit(repo: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="amlstack.jobs"):
        found = tags(repo)
    assert found[COMMIT_TAG] == git(repo, "rev-parse", "HEAD")
    assert found[DIRTY_TAG] == "false"
    assert DIFF_HASH_TAG not in found
    assert "uncommitted" not in caplog.text


def test_changes_outside_the_code_folder_do_not_make_it_dirty(repo: Path) -> None:
    (repo / "notes.md").write_text("more notes\n")
    assert tags(repo)[DIRTY_TAG] == "false"


def test_a_dirty_code_folder_is_tagged_with_its_diff_hash_and_warns(
    repo: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (repo / "src" / "train.py").write_text("print('training v2')\n")
    with caplog.at_level(logging.WARNING, logger="amlstack.jobs"):
        first = tags(repo)
    assert first[DIRTY_TAG] == "true"
    assert len(first[DIFF_HASH_TAG]) == 64
    assert "the code has uncommitted changes (1: src/train.py)" in caplog.text
    (repo / "src" / "train.py").write_text("print('training v3')\n")
    assert tags(repo)[DIFF_HASH_TAG] != first[DIFF_HASH_TAG]


def test_untracked_files_count_by_content(repo: Path) -> None:
    (repo / "src" / "extra.py").write_text("x = 1\n")
    state = git_state(repo, [repo / "src"])
    assert state is not None
    assert state.changed == ("src/extra.py",)
    (repo / "src" / "extra.py").write_text("x = 2\n")
    again = git_state(repo, [repo / "src"])
    assert again is not None
    assert again.diff_hash != state.diff_hash


def test_outside_a_repository_there_are_no_git_tags(tmp_path: Path) -> None:
    assert git_state(tmp_path, [tmp_path]) is None

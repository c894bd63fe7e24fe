"""The git state of the code a job uploads: the commit, whether the code differs from it, and how.

A code snapshot is named by its content hash (`jobs.snapshot`), which says *that* two runs ran
the same code but not *which* code. The run's tags say it: ``amlstack.gitCommit`` (the commit
checked out where the spec lives), ``amlstack.gitDirty`` (``true`` when a code folder has
uncommitted changes: modified, staged, deleted or untracked files, ignored ones aside) and, when
dirty, ``amlstack.gitDiffHash``: the SHA-256 of those changes (``git diff HEAD`` of the code
folders and the untracked files' names and contents), so two runs from the same dirty tree can be
told apart from two runs from different ones. Outside a git repository there are no such tags.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "COMMIT_TAG",
    "DIFF_HASH_TAG",
    "DIRTY_TAG",
    "GitState",
    "git_state",
    "parse_porcelain",
]

COMMIT_TAG = "amlstack.gitCommit"
"""Job tag: the git commit checked out where the spec lives."""
DIRTY_TAG = "amlstack.gitDirty"
"""Job tag: ``true`` when the job's code folders have uncommitted changes, else ``false``."""
DIFF_HASH_TAG = "amlstack.gitDiffHash"
"""Job tag, when dirty: the SHA-256 of the uncommitted changes in the code folders."""


@dataclass(frozen=True)
class GitState:
    """Where the code of a job stands in git."""

    commit: str
    changed: tuple[str, ...]
    """Paths (relative to the repository root) with uncommitted changes in the code folders."""
    diff_hash: str | None
    """SHA-256 of the changes; None when there are none."""

    @property
    def dirty(self) -> bool:
        return bool(self.changed)

    def tags(self) -> dict[str, str]:
        tags = {COMMIT_TAG: self.commit, DIRTY_TAG: "true" if self.dirty else "false"}
        if self.diff_hash is not None:
            tags[DIFF_HASH_TAG] = self.diff_hash
        return tags


def parse_porcelain(output: bytes) -> tuple[list[str], list[str]]:
    """``git status --porcelain=v1 -z`` -> (changed paths, untracked paths among them).

    Entries are ``XY path\\0``; a rename or copy is followed by its source path, which is
    skipped (the new path is the one in the tree).
    """
    changed: list[str] = []
    untracked: list[str] = []
    fields = output.decode("utf-8", "surrogateescape").split("\0")
    index = 0
    while index < len(fields):
        entry = fields[index]
        index += 1
        if len(entry) < 4:
            continue
        status, path = entry[:2], entry[3:]
        changed.append(path)
        if status == "??":
            untracked.append(path)
        if "R" in status or "C" in status:
            index += 1  # the source path of a rename or copy
    return changed, untracked


def git_state(directory: Path, code_paths: Sequence[Path]) -> GitState | None:
    """The git state of `code_paths` in the repository holding `directory` (None outside one).

    Only code paths inside that repository count; without any, the state is the commit alone.
    """
    root_text = _git(directory, "rev-parse", "--show-toplevel")
    commit = _git(directory, "rev-parse", "HEAD")
    if root_text is None or commit is None:
        return None
    root = Path(root_text.decode().strip()).resolve()
    inside = sorted({str(p.resolve().relative_to(root)) for p in code_paths if _below(p, root)})
    if not inside:
        return GitState(commit.decode().strip(), (), None)
    status = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *inside)
    changed, untracked = parse_porcelain(status or b"")
    if not changed:
        return GitState(commit.decode().strip(), (), None)
    digest = hashlib.sha256(_git(root, "diff", "HEAD", "--binary", "--", *inside) or b"")
    for path in sorted(untracked):
        digest.update(b"\0untracked\0" + path.encode() + b"\0")
        file = root / path
        if file.is_file():
            digest.update(file.read_bytes())
    return GitState(commit.decode().strip(), tuple(sorted(changed)), digest.hexdigest())


def _below(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except ValueError:
        return False
    return True


def _git(directory: Path, *args: str) -> bytes | None:
    """``git -C directory args...``'s stdout, or None when git fails or is missing."""
    try:
        result = subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None

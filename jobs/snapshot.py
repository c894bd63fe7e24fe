"""Code snapshots: what of a ``code:`` folder is uploaded, how big it is, and its content hash.

The files are chosen exactly as azure-ai-ml chooses them (``.amlignore`` in the folder, else its
``.gitignore``), and the hash is azure-ai-ml's content hash, so the code asset a job uses is named
after its content: the same code, the same asset, never uploaded twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from azure.ai.ml._utils._asset_utils import (
    get_content_hash,
    get_ignore_file,
    get_upload_files_from_folder,
)

from jobs.errors import MissingPathError

__all__ = ["LARGE_SNAPSHOT_BYTES", "LARGE_SNAPSHOT_FILES", "Snapshot", "take_snapshot"]

LARGE_SNAPSHOT_BYTES = 100 * 1024 * 1024
"""Above this many bytes a snapshot gets a warning: every run uploads and stores it."""
LARGE_SNAPSHOT_FILES = 2000
"""Above this many files a snapshot gets a warning."""

log = logging.getLogger("amlstack.jobs")


@dataclass(frozen=True)
class Snapshot:
    """The files of a code folder that a job would upload."""

    path: Path
    files: int
    size: int
    digest: str
    ignore_file: Path | None
    """The ``.amlignore`` or ``.gitignore`` that filtered the files, if any."""

    @property
    def large(self) -> bool:
        return self.size > LARGE_SNAPSHOT_BYTES or self.files > LARGE_SNAPSHOT_FILES


def take_snapshot(path: Path, *, where: str) -> Snapshot:
    """Snapshot `path` (a folder or one file); warns when it is large. No upload."""
    if not path.exists():
        raise MissingPathError(f"{where}: code folder {str(path)!r} does not exist", str(path))
    ignore = get_ignore_file(path if path.is_dir() else path.parent)
    if path.is_dir():
        uploads: list[tuple[str, str]] = get_upload_files_from_folder(path, ignore_file=ignore)  # type: ignore[assignment]
        files = [Path(local) for local, _ in uploads]
    else:
        files = [path]
    digest = get_content_hash(path, ignore)
    if digest is None:
        raise MissingPathError(f"{where}: cannot read code at {str(path)!r}", str(path))
    ignore_path = ignore._path if ignore.exists() else None
    snapshot = Snapshot(
        path=path,
        files=len(files),
        size=sum(f.stat().st_size for f in files),
        digest=digest,
        ignore_file=ignore_path,
    )
    if snapshot.large:
        hint = (
            f"filtered by {ignore_path.name}"
            if ignore_path
            else "add a .amlignore (gitignore syntax)"
        )
        log.warning(
            "%s: the code snapshot of %s is large (%d files, %.1f MB); every run uploads it; %s",
            where,
            path,
            snapshot.files,
            snapshot.size / 1e6,
            hint,
        )
    return snapshot

"""Entries of amlstack's cache: a result, valid while what it was computed from is unchanged.

An entry is one file: a JSON header line (the layout `FORMAT`, the entry's key, the
`infra.file_reads.fingerprint` of the files its computation read, the SHA-256 of the payload),
then the payload. `EntryStore.read` gives the payload only when the key is the one asked for,
every file of the fingerprint is unchanged and the payload matches its checksum; anything else
(no entry, another key, a changed file, a corrupt or foreign file) is a miss, and the next write
replaces it. The cache lives in ``$XDG_CACHE_HOME/amlstack`` (``~/.cache/amlstack`` without it);
nothing fails when it cannot be written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from infra.file_reads import Reads, environment_digest, fingerprint, program_digest, unchanged

__all__ = ["FORMAT", "PROGRAM", "EntryStore", "cache_directory", "entry_key", "sources_digest"]

FORMAT = 1
"""Version of the entry layout; entries of another version are misses."""

PROGRAM = tuple(
    Path(__file__).resolve().parent.parent / name for name in ("components", "infra", "jobs")
)
"""amlstack's packages: the components, the program and the job resolution it uses."""


def cache_directory(environ: Mapping[str, str] = os.environ) -> Path:
    """amlstack's cache: ``$XDG_CACHE_HOME/amlstack``, else ``~/.cache/amlstack``."""
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "amlstack"


def sources_digest(program: Iterable[Path] = PROGRAM) -> str:
    """What every key covers besides the entry's own parts: amlstack's sources (`PROGRAM`) in
    the current Python environment (version and installed distributions). Reading them takes
    milliseconds: work it out once for the keys of one run."""
    return f"{program_digest(program)}\0{environment_digest()}"


def entry_key(kind: str, *parts: str, sources: str) -> str:
    """The key of an entry of `kind` computed from `parts` by the program whose
    `sources_digest` is `sources`."""
    everything = (kind, str(FORMAT), *parts, sources)
    return hashlib.sha256("\0".join(everything).encode()).hexdigest()


@dataclass(frozen=True)
class EntryStore:
    """Entries by name in `directory`: one entry per name, replaced when written again."""

    directory: Path

    def read(self, name: str, key: str) -> bytes | None:
        """The payload of entry `name` if it holds `key` and is still valid, else None."""
        try:
            head, _, payload = self._path(name).read_bytes().partition(b"\n")
            header = json.loads(head)
        except (OSError, ValueError):
            return None
        if not (
            isinstance(header, dict)
            and header.get("format") == FORMAT
            and header.get("key") == key
            and header.get("payload") == hashlib.sha256(payload).hexdigest()
        ):
            return None
        reads = header.get("reads")
        if not isinstance(reads, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in reads.items()
        ):
            return None
        return payload if unchanged(reads) else None

    def write(self, name: str, key: str, reads: Reads, payload: bytes) -> None:
        """Store `payload` as entry `name` under `key`, with the fingerprint of `reads`."""
        header = {
            "format": FORMAT,
            "key": key,
            "reads": fingerprint(reads),
            "payload": hashlib.sha256(payload).hexdigest(),
        }
        path = self._path(name)
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
            partial.write_bytes(json.dumps(header, sort_keys=True).encode() + b"\n" + payload)
            partial.replace(path)

    @contextlib.contextmanager
    def locked(self, name: str) -> Iterator[None]:
        """Hold entry `name`'s lock: a process computing it makes the others wait for it
        instead of computing it too (POSIX; elsewhere, or when the cache cannot be written,
        they may compute it twice)."""
        try:
            import fcntl  # noqa: PLC0415 (POSIX only)

            self.directory.mkdir(parents=True, exist_ok=True)
            lock = self._path(name).with_suffix(".lock").open("w")
        except (ImportError, OSError):
            yield
            return
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _path(self, name: str) -> Path:
        return self.directory / f"{hashlib.sha256(name.encode()).hexdigest()[:32]}.entry"

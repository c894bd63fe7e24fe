"""The files a computation reads, and whether they are still what they were: what a cached
result depends on.

`watching` records, through Python's audit hooks (PEP 578: every ``open`` and directory
listing raises an audit event, whoever calls it), the files opened for reading and the
directories listed under a project directory while it is active (the program and its libraries
are keyed separately: `program_digest`, `environment_digest`).
`fingerprint` then gives each one's state (a file's SHA-256, a directory's sorted entries, or
missing) and `unchanged` tells whether they all still are. A result computed while watching is
valid exactly as long as `unchanged` holds for its fingerprint: whatever the computation read,
through whichever library, is in it, including files it looked for in a folder it listed.

This module imports nothing of amlstack's program, Pulumi or azure-ai-ml: a cache hit costs no
more than reading what it depends on.
"""

from __future__ import annotations

import hashlib
import os
import sys
import sysconfig
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "MISSING",
    "Reads",
    "environment_digest",
    "fingerprint",
    "program_digest",
    "unchanged",
    "watching",
]

MISSING = "missing"
"""The state of a path that does not exist (any more)."""

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


@dataclass(eq=False)
class Reads:
    """What was read under `roots` while watching: absolute paths of the files opened and the
    directories listed."""

    roots: tuple[str, ...]
    files: set[str] = field(default_factory=set)
    directories: set[str] = field(default_factory=set)

    def add(self, path: str, real: str, *, directory: bool) -> None:
        if any(p.startswith(self.roots) for p in (path, real)):
            (self.directories if directory else self.files).add(path)


def _installation() -> tuple[str, ...]:
    """Where Python and its environment live (the standard library, site-packages): modules
    and their data, keyed by `environment_digest`, never by what is read."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, *sysconfig.get_paths().values()}
    return tuple(sorted(os.path.join(os.path.abspath(r), "") for r in roots if r))


_INSTALLATION = _installation()
_active: list[Reads] = []
_lock = threading.Lock()
_installed = False


def _event_path(value: Any) -> tuple[str, str] | None:
    """The absolute path an audit event names, and where it really is (links resolved); None
    for a file descriptor, bytecode, or a file of the Python installation."""
    if isinstance(value, int):
        return None
    try:
        path = os.path.abspath(os.fsdecode(value if value is not None else "."))
    except (TypeError, ValueError):
        return None
    if "__pycache__" in path or path.startswith(_INSTALLATION):
        return None
    return path, os.path.realpath(path)


_EVENTS = frozenset({"open", "os.listdir", "os.scandir"})


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event not in _EVENTS or not _active:  # every audit event of the process comes here
        return
    if event == "open":
        name, mode, flags = (*args, None, None)[:3]
        if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS
        ):
            return
        directory = False
    else:
        name, directory = (args[0] if args else None), True
    found = _event_path(name)
    if found is not None:
        for reads in list(_active):
            reads.add(*found, directory=directory)


def _roots(root: Path) -> tuple[str, ...]:
    """`root` as given and resolved, and the targets of the links directly in it (a project
    may hold its folders as links): everything read there belongs to the project."""
    roots = {os.path.abspath(root), os.path.realpath(root)}
    with suppress(OSError):
        roots |= {os.path.realpath(e) for e in os.scandir(root) if e.is_symlink()}
    return tuple(sorted(os.path.join(r, "") for r in roots))


@contextmanager
def watching(root: Path) -> Iterator[Reads]:
    """Record the files opened for reading and the directories listed under `root` inside the
    block (any thread; blocks may nest). The audit hook is installed on first use and stays
    (Python cannot remove one); outside a block it returns at once."""
    global _installed  # noqa: PLW0603 (one hook per process)
    reads = Reads(_roots(root))
    with _lock:
        if not _installed:
            sys.addaudithook(_hook)
            _installed = True
        _active.append(reads)
    try:
        yield reads
    finally:
        with _lock:
            _active.remove(reads)


def _state(path: str, *, directory: bool) -> str:
    try:
        if directory:
            return "dir:" + _digest("\0".join(sorted(os.listdir(path))).encode())
        with open(path, "rb") as file:
            return "file:" + hashlib.file_digest(file, "sha256").hexdigest()
    except (FileNotFoundError, NotADirectoryError):
        return MISSING
    except IsADirectoryError:
        return "is a directory"
    except OSError as error:
        return f"unreadable: {error.errno}"


def fingerprint(reads: Reads) -> dict[str, str]:
    """Every path of `reads` with its state now: ``file:<sha256>``, ``dir:<sha256 of its sorted
    entries>`` or `MISSING`. Directories are keyed with a trailing ``/``."""
    states = {path: _state(path, directory=False) for path in sorted(reads.files)}
    states.update({f"{path}/": _state(path, directory=True) for path in sorted(reads.directories)})
    return states


def unchanged(states: Mapping[str, str]) -> bool:
    """Whether every path of a `fingerprint` is in the same state now."""
    return all(
        _state(path.removesuffix("/"), directory=path.endswith("/")) == state
        for path, state in states.items()
    )


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tree_files(root: Path) -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py") or name.endswith(".json") or name.endswith(".yaml"):
                yield Path(directory, name)


def program_digest(packages: Iterable[Path]) -> str:
    """SHA-256 of the Python sources (and data files: ``.json``, ``.yaml``) of `packages`, by
    path and content."""
    digest = hashlib.sha256()
    for package in packages:
        for path in _tree_files(package):
            digest.update(f"{path.relative_to(package.parent).as_posix()}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def environment_digest() -> str:
    """SHA-256 of the Python version and the installed distributions (the ``.dist-info``
    directories of every ``site-packages`` on the path, which name each one's version)."""
    installed: list[str] = []
    for entry in sorted({p for p in sys.path if p.endswith("site-packages")}):
        try:
            installed += sorted(n for n in os.listdir(entry) if n.endswith(".dist-info"))
        except OSError:
            continue
    return _digest("\n".join([sys.version, *installed]).encode())

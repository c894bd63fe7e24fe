"""What a local path in a job spec must be: a folder, a file, or a folder with an MLTable file.

Azure ML reads a local ``uri_folder`` input as a folder, a ``uri_file`` input as one file and an
``mltable`` input as a folder holding an ``MLTable`` file; ``code:`` is a folder (or one file),
components and conda files are files. azure-ai-ml checks the kind only for absolute paths and
only when it uploads; here every local path is checked, relative or not, before anything is
sent, and a wrong one fails naming the spec field, the path and what it must be. Pure functions:
no azure-ai-ml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from jobs.errors import MissingPathError

__all__ = ["MLTABLE_FILE", "Expects", "check_local_path", "expects_for_input"]

MLTABLE_FILE = "MLTable"
"""The file that makes a folder an ``mltable`` input."""

Expects = Literal["folder", "file", "mltable", "code", "any"]
"""What a local path must be: a folder, a file, a folder with an MLTable file, code (a folder,
or one file) or either."""

_BY_INPUT_TYPE: dict[str, Expects] = {
    "uri_folder": "folder",
    "uri_file": "file",
    "mltable": "mltable",
}


def expects_for_input(input_type: str | None) -> Expects:
    """What a local input of `input_type` must be (models and untyped inputs: either)."""
    return _BY_INPUT_TYPE.get(str(input_type or ""), "any")


def check_local_path(path: Path, expects: Expects, *, where: str, input_type: str = "") -> None:
    """Raise `MissingPathError` unless `path` is what `expects` says (see module doc).

    `input_type` (``uri_folder``, ...) is named in the message when the path is an input's.
    """
    shown = repr(str(path))
    role = f"a {input_type} input" if input_type else "it"
    noun = {"folder": "folder", "file": "file", "mltable": "folder", "code": "folder"}.get(
        expects, "path"
    )
    if not path.exists():
        raise MissingPathError(
            f"{where}: {noun} {shown} does not exist; expected a {noun} relative to the file that "
            "names it",
            str(path),
        )
    if expects == "file" and not path.is_file():
        raise MissingPathError(
            f"{where}: {shown} is a folder; {role} expects one file (use type uri_folder for a "
            "folder)",
            str(path),
        )
    if expects in ("folder", "mltable") and not path.is_dir():
        other = "uri_file" if expects == "folder" else "uri_file, or point at its folder"
        raise MissingPathError(
            f"{where}: {shown} is a file; {role} expects a folder (use type {other})",
            str(path),
        )
    if expects == "mltable" and not (path / MLTABLE_FILE).is_file():
        raise MissingPathError(
            f"{where}: folder {shown} has no {MLTABLE_FILE} file; an mltable input expects a "
            f"folder with an {MLTABLE_FILE} file (or use type uri_folder)",
            str(path),
        )

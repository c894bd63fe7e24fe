"""Where every ``amlstack`` command prints: results on stdout, notes and errors on stderr.

Both command groups (``infra.cli``: plan, policies; ``jobs.cli``: job, model) print through these
two consoles and end on an error with `fail`, so that output looks and exits the same everywhere;
`ProjectDir` is the one option both take.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from components.exit_codes import ExitCode

__all__ = ["ProjectDir", "err", "fail", "out"]

out = Console(width=None if Console().is_terminal else 160)
"""Results, on stdout (160 columns when it is not a terminal, so piped tables do not wrap)."""
err = Console(stderr=True)
"""Notes and errors, on stderr."""

ProjectDir = Annotated[
    Path, typer.Option("--project-dir", "-C", help="Directory with Pulumi.yaml (or below it).")
]
"""``--project-dir``/``-C`` (default: the working directory)."""


def fail(message: str, code: ExitCode) -> NoReturn:
    """Print `message` as an error (no traceback) and exit with `code`."""
    err.print(f"[red]error:[/] {escape(message)}", soft_wrap=True, highlight=False)
    raise typer.Exit(code)

"""What the jobs CLI accepts as names, versions, paths and durations, checked before anything runs.

Pure functions: each returns the value (parsed) or raises ValueError saying what is allowed; the
CLI shows it with the option and the value (`option_parser`). Name rules are Azure's (the ARM
``name`` pattern of jobs and models, azure-ai-ml's rule for job output names).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TypeVar

import typer

__all__ = [
    "check_asset_name",
    "check_folder",
    "check_model_version",
    "check_output_name",
    "check_output_path",
    "check_seconds",
    "option_parser",
]

_ASSET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,254}")
_OUTPUT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

T = TypeVar("T")


def check_asset_name(value: str) -> str:
    """A job, experiment or model name: Azure's ``^[a-zA-Z0-9][a-zA-Z0-9\\-_]{0,254}$``."""
    if not _ASSET_NAME.fullmatch(value):
        raise ValueError(
            "expected 1-255 letters, digits, '-' or '_', starting with a letter or digit"
        )
    return value


def check_model_version(value: str) -> str:
    """A workspace model version: Azure ML numbers them 1, 2, 3, ..."""
    if not value.isdigit() or int(value) < 1:
        raise ValueError("expected a positive whole number like '3' (workspace model versions)")
    return value


def check_output_name(value: str) -> str:
    """A job output's name, as azure-ai-ml accepts it (``artifacts``, ``model_dir``)."""
    if not _OUTPUT_NAME.fullmatch(value):
        raise ValueError(
            "expected a job output name: letters, digits and '_', not starting with a digit "
            "(like 'artifacts' or 'model_dir')"
        )
    return value


def check_output_path(value: str) -> str:
    """A path inside a job output: relative, never leaving the output (``model``, ``a/b``)."""
    path = PurePosixPath(value.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts:
        raise ValueError("expected a relative path inside the job output, like 'model'")
    return value


def check_seconds(text: str) -> float:
    """A number of seconds greater than 0 (``600``, ``2.5``)."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError("expected a number of seconds greater than 0, like 600")
    return seconds


def check_folder(value: str) -> Path:
    """A folder to write into: it may not exist yet, but must not be a file."""
    path = Path(value)
    if path.exists() and not path.is_dir():
        raise ValueError("expected a folder; this is a file")
    return path


def option_parser(check: Callable[[str], T]) -> Callable[[str], T]:
    """A typer ``parser`` from `check`: a bad value exits 2 with the option, the value and
    what is allowed, before the command runs."""

    def parse(value: str) -> T:
        try:
            return check(value)
        except ValueError as error:
            raise typer.BadParameter(f"{value!r} is not allowed; {error}") from None

    return parse

"""What the jobs CLI accepts as names, versions, paths and durations, checked before anything runs.

Pure functions: each returns the value (parsed) or raises ValueError saying what is allowed; the
CLI shows it with the option and the value (`option_parser`). Name rules are Azure's (the ARM
``name`` pattern of jobs and models, azure-ai-ml's rule for job output names).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import TypeVar

import typer

__all__ = [
    "check_asset_name",
    "check_folder",
    "check_limit",
    "check_metric_name",
    "check_model_version",
    "check_output_name",
    "check_output_path",
    "check_seconds",
    "check_since",
    "check_status",
    "option_parser",
    "parse_since",
]

_ASSET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,254}")
_OUTPUT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RELATIVE = re.compile(r"(\d+)([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
STATUS_CHOICES = ("queued", "running", "completed", "failed", "canceled")
"""``--status`` values: the Azure ML statuses the tracking server tells apart."""
MAX_LIMIT = 10_000

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


def check_status(value: str) -> str:
    """A run status to filter by, any case: ``completed`` -> ``Completed``."""
    if value.lower() not in STATUS_CHOICES:
        raise ValueError(f"expected one of {', '.join(STATUS_CHOICES)}")
    return value.lower().capitalize()


def parse_since(value: str, now: datetime) -> int:
    """``2025-06-01``, ``2025-06-01T08:30`` (UTC unless it says), or ``7d`` / ``12h`` / ``30m``
    before `now` -> milliseconds since the epoch."""
    relative = _RELATIVE.fullmatch(value.strip())
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        moment = now - timedelta(**{_UNITS[unit]: amount})
    else:
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                "expected a date (2025-06-01), a time (2025-06-01T08:30, UTC unless it says) or "
                "an age (7d, 12h, 30m)"
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def check_since(value: str) -> int:
    """`parse_since` relative to the current time."""
    return parse_since(value, datetime.now(UTC))


def check_limit(value: str | int) -> int:
    """How many runs to list: a whole number from 1 to 10000."""
    value = str(value)
    if not value.strip().isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise ValueError(f"expected a whole number from 1 to {MAX_LIMIT}")
    return int(value)


def check_metric_name(value: str) -> str:
    """An MLflow metric name: not empty, no surrounding spaces (``accuracy``, ``val/loss``)."""
    if not value or value.strip() != value:
        raise ValueError("expected a metric name as the run logged it, like 'accuracy'")
    return value


def option_parser(check: Callable[[str], T]) -> Callable[[str], T]:
    """A typer ``parser`` from `check`: a bad value exits 2 with the option, the value and
    what is allowed, before the command runs."""

    def parse(value: str) -> T:
        try:
            return check(value)
        except ValueError as error:
            raise typer.BadParameter(f"{value!r} is not allowed; {error}") from None

    return parse

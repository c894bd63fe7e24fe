"""Start/stop schedules of compute instances: cron expressions and time zones, checked offline.

Azure ML evaluates a schedule's cron expression with NCrontab (five fields: minute, hour,
day of month, month, day of week) in a *Windows* time zone ("W. Europe Standard Time"). Config
may name the zone the IANA way (``Europe/Amsterdam``, checked with ``zoneinfo``) or the Windows
way; either way Azure receives the Windows name (CLDR mapping, from ``tzlocal``).
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime
from typing import Literal

from pydantic import field_validator
from tzlocal.windows_tz import tz_win, win_tz

from components.args import Args

__all__ = ["ScheduleArgs", "check_cron", "windows_time_zone"]

_NAMES = {
    3: {
        m: i
        for i, m in enumerate(
            ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1
        )
    },
    4: {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])},
}
_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 6),
)
_ITEM = re.compile(r"(?P<range>\*|(?P<low>\w+)(?:-(?P<high>\w+))?)(?:/(?P<step>\d+))?")


class ScheduleArgs(Args):
    """Start or stop a compute instance at the times a cron expression names."""

    action: Literal["Start", "Stop"]
    """``Start`` or ``Stop`` the instance."""
    cron: str
    """When: five NCrontab fields, minute hour day-of-month month day-of-week (``0 19 * * 1-5``
    is 19:00 on weekdays). Names (``MON-FRI``, ``JAN``) work too."""
    time_zone: str = "UTC"
    """Time zone of `cron`: IANA (``Europe/Amsterdam``) or Windows (``W. Europe Standard Time``).
    Default UTC. Azure receives the Windows name."""
    start_time: datetime | None = None
    """When the schedule takes effect (local time in `time_zone`). Default: now."""
    enabled: bool = True
    """Whether the schedule runs. Default on."""

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        return check_cron(value)

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        windows_time_zone(value)
        return value

    @property
    def windows_time_zone(self) -> str:
        """`time_zone` as the Windows name Azure ML expects."""
        return windows_time_zone(self.time_zone)


def check_cron(expression: str) -> str:
    """Return `expression` normalized to single spaces, or raise ValueError saying what is wrong."""
    fields = expression.split()
    if len(fields) != len(_FIELDS):
        raise ValueError(
            f"expected 5 cron fields (minute hour day-of-month month day-of-week), got "
            f"{len(fields)}; for example '0 19 * * 1-5' (19:00 on weekdays)"
        )
    for index, (text, (label, low, high)) in enumerate(zip(fields, _FIELDS, strict=True)):
        for item in text.split(","):
            problem = _item_problem(item, low, high, _NAMES.get(index, {}))
            if problem:
                raise ValueError(f"{label} field {text!r}: {problem}")
    return " ".join(fields)


def _item_problem(item: str, low: int, high: int, names: dict[str, int]) -> str | None:
    match = _ITEM.fullmatch(item)
    if match is None:
        return f"{item!r} is not '*', a value, a range 'a-b' or a step '*/n' or 'a-b/n'"
    values = [match.group("low"), match.group("high")]
    numbers = []
    for value in values:
        if value is None:
            continue
        number = names.get(value.upper()) if not value.isdigit() else int(value)
        if number is None:
            known = f"; names allowed: {', '.join(names)}" if names else ""
            return f"{value!r} is not a number{known}"
        if not low <= number <= high:
            return f"{value} is outside {low}-{high}"
        numbers.append(number)
    if len(numbers) == 2 and numbers[0] > numbers[1]:
        return f"range {item!r} runs backwards"
    step = match.group("step")
    if step is not None and not 1 <= int(step) <= high - low + 1:
        return f"step {step} is outside 1-{high - low + 1}"
    return None


def windows_time_zone(name: str) -> str:
    """The Windows time zone for `name` (IANA or Windows), or ValueError naming what is allowed."""
    if name in win_tz:
        return name
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            "expected an IANA time zone like 'Europe/Amsterdam' or a Windows time zone like "
            "'W. Europe Standard Time'"
        ) from None
    windows = tz_win.get(name)
    if windows is None:
        raise ValueError(
            f"{name!r} has no Windows equivalent, which Azure ML needs; use a Windows time zone "
            "name like 'W. Europe Standard Time'"
        )
    return windows

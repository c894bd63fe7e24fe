"""Durations as Azure wants them: ISO 8601 (``PT2M``, ``P1DT12H``, ``PT1.5S``), written, read
back and checked against a range.

Config accepts what pydantic's ``timedelta`` accepts (``PT30M``, ``P3D``, ``01:30:00`` or a
number of seconds); Azure receives the ISO 8601 text azure-ai-ml itself sends for the same value.
"""

from __future__ import annotations

import re
from datetime import timedelta

__all__ = ["check_duration", "iso_duration", "parse_duration"]

_MILLISECOND = timedelta(milliseconds=1)
_ISO_DURATION = re.compile(
    r"P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?"
)


def iso_duration(value: timedelta) -> str:
    """`value` (to the millisecond) as ISO 8601 like ``isodate.duration_isoformat``, which
    azure-ai-ml uses: ``PT2M``, ``P1DT1H``, ``PT1.5S``, ``P0D``."""
    seconds, millis = divmod(value // _MILLISECOND, 1000)
    days, seconds = divmod(seconds, 86_400)
    hours, seconds = divmod(seconds, 3_600)
    minutes, seconds = divmod(seconds, 60)
    fraction = f".{millis:03d}".rstrip("0") if millis else ""
    date = f"{days}D" if days else ""
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if seconds or millis:
        time += f"{seconds}{fraction}S"
    if not date and not time:
        return "P0D"
    return f"P{date}" + (f"T{time}" if time else "")


def parse_duration(text: str) -> timedelta | None:
    """An ISO 8601 duration of whole days, hours, minutes and seconds (``PT15M``, ``P1DT12H``);
    None for anything else (weeks, fractions, signs, an empty ``P``)."""
    match = _ISO_DURATION.fullmatch(text)
    if match is None or text in ("P", "PT") or text.endswith("T"):
        return None
    parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    return timedelta(**parts)


def check_duration(
    value: timedelta, *, minimum: timedelta, maximum: timedelta, unit: timedelta
) -> timedelta:
    """Return `value` when it lies in [minimum, maximum] and is a whole number of `unit`s."""
    if not minimum <= value <= maximum:
        raise ValueError(
            f"expected a duration from {iso_duration(minimum)} to {iso_duration(maximum)} "
            f"(ISO 8601 like 'PT30M', or seconds); got {iso_duration(value)}"
        )
    if value % unit:
        raise ValueError(f"expected whole {_unit_name(unit)}; got {value.total_seconds():g} s")
    return value


def _unit_name(unit: timedelta) -> str:
    return {timedelta(seconds=1): "seconds", timedelta(minutes=1): "minutes"}.get(
        unit, f"multiples of {iso_duration(unit)}"
    )

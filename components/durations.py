"""Durations as Azure wants them: ISO 8601 (``PT2M``, ``P1DT12H``), checked against a range.

Config accepts what pydantic's ``timedelta`` accepts (``PT30M``, ``P3D``, ``01:30:00`` or a
number of seconds); Azure receives the ISO 8601 text azure-ai-ml itself sends for the same value.
"""

from __future__ import annotations

from datetime import timedelta

__all__ = ["check_duration", "iso_duration"]


def iso_duration(value: timedelta) -> str:
    """`value` as ISO 8601 (``PT2M``, ``P1DT1H``, ``P0D``), like ``isodate.duration_isoformat``.

    Sub-second parts are not representable here: callers pass whole seconds (`check_duration`).
    """
    days, rest = divmod(int(value.total_seconds()), 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    date = f"{days}D" if days else ""
    time = "".join(
        f"{amount}{unit}"
        for amount, unit in ((hours, "H"), (minutes, "M"), (seconds, "S"))
        if amount
    )
    if not date and not time:
        return "P0D"
    return f"P{date}" + (f"T{time}" if time else "")


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

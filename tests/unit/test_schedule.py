"""Schedules and durations: cron syntax, time zones Azure understands, ISO 8601 like azure-ai-ml."""

from __future__ import annotations

import re
import zoneinfo
from datetime import timedelta

import isodate
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tzlocal.windows_tz import tz_win, win_tz

from components.durations import check_duration, iso_duration, parse_duration
from components.schedule import check_cron, windows_time_zone

BOUNDS = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 6)]


@st.composite
def cron_field(draw: st.DrawFn, low: int, high: int) -> str:
    kind = draw(st.sampled_from(["star", "value", "range", "step", "list"]))
    a, b = sorted(draw(st.lists(st.integers(low, high), min_size=2, max_size=2)))
    step = draw(st.integers(1, high - low + 1))
    return {
        "star": "*",
        "value": str(a),
        "range": f"{a}-{b}",
        "step": f"{a}-{b}/{step}" if draw(st.booleans()) else f"*/{step}",
        "list": f"{a},{b}",
    }[kind]


valid_crons = st.tuples(*(cron_field(low, high) for low, high in BOUNDS)).map(" ".join)


@given(expression=valid_crons, spaces=st.sampled_from([" ", "  ", "\t"]))
def test_every_well_formed_expression_is_accepted_and_normalized(
    expression: str, spaces: str
) -> None:
    assert check_cron(expression.replace(" ", spaces)) == expression


@given(
    position=st.integers(0, 4),
    offset=st.integers(1, 100),
    above=st.booleans(),
)
def test_a_value_outside_its_field_is_rejected_naming_the_field(
    position: int, offset: int, above: bool
) -> None:
    low, high = BOUNDS[position]
    if not above and low - offset < 0:
        return  # negative numbers are not even syntax; covered below
    value = high + offset if above else low - offset
    fields = ["*"] * 5
    fields[position] = str(value)
    with pytest.raises(ValueError, match=f"outside {low}-{high}"):
        check_cron(" ".join(fields))


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("0 19 * *", "expected 5 cron fields"),
        ("0 19 * * 1-5 2026", "expected 5 cron fields"),
        ("0 19 * * FOO", "'FOO' is not a number; names allowed: SUN, MON"),
        ("0 19 * * 5-1", "runs backwards"),
        ("*/0 * * * *", "step 0 is outside 1-60"),
        ("0 -1 * * *", "is not '*', a value"),
        ("0 19 L * *", "'L' is not a number"),
    ],
)
def test_malformed_expressions_say_what_is_wrong(expression: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        check_cron(expression)


def test_month_and_day_names_are_ncrontab_syntax() -> None:
    assert check_cron("30 8 * JAN-MAR mon-fri") == "30 8 * JAN-MAR mon-fri"


@given(zone=st.sampled_from(sorted(zone for zone in tz_win if zone)))
def test_iana_zones_become_the_windows_zone_azure_ml_expects(zone: str) -> None:
    zoneinfo.ZoneInfo(zone)  # the IANA name is real
    assert windows_time_zone(zone) in win_tz


def test_windows_names_pass_unchanged_and_unknown_names_are_refused() -> None:
    assert windows_time_zone("Pacific Standard Time") == "Pacific Standard Time"
    assert windows_time_zone("Europe/Amsterdam") == "W. Europe Standard Time"
    assert windows_time_zone("UTC") == "UTC"
    with pytest.raises(ValueError, match="IANA time zone like 'Europe/Amsterdam'"):
        windows_time_zone("Mars/Olympus_Mons")


@given(seconds=st.integers(0, 10 * 86_400))
def test_iso_durations_are_what_azure_ai_ml_sends(seconds: int) -> None:
    value = timedelta(seconds=seconds)
    assert iso_duration(value) == isodate.duration_isoformat(value)
    assert isodate.parse_duration(iso_duration(value)) == value
    assert parse_duration(iso_duration(value)) == value


@given(st.integers(min_value=1, max_value=10**10))
def test_iso_durations_match_azure_ai_ml_to_the_millisecond(milliseconds: int) -> None:
    value = timedelta(milliseconds=milliseconds)
    assert iso_duration(value) == isodate.duration_isoformat(value)


@given(
    days=st.integers(0, 9),
    hours=st.integers(0, 30),
    minutes=st.integers(0, 90),
    seconds=st.integers(0, 90),
)
def test_parse_duration_reads_what_iso_8601_writes(
    days: int, hours: int, minutes: int, seconds: int
) -> None:
    time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    text = "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")
    if text == "P":
        assert parse_duration(text) is None
    else:
        assert parse_duration(text) == timedelta(
            days=days, hours=hours, minutes=minutes, seconds=seconds
        )


@pytest.mark.parametrize("text", ["", "P", "PT", "P1DT", "30M", "PT-5M", "P1W", "pt15m"])
def test_parse_duration_rejects_what_is_not_a_duration(text: str) -> None:
    assert parse_duration(text) is None


@given(minutes=st.integers(0, 5 * 24 * 60))
def test_duration_bounds_are_inclusive(minutes: int) -> None:
    value = timedelta(minutes=minutes)
    low, high, unit = timedelta(minutes=15), timedelta(days=3), timedelta(minutes=1)
    if low <= value <= high:
        assert check_duration(value, minimum=low, maximum=high, unit=unit) == value
    else:
        with pytest.raises(ValueError, match="from PT15M to P3D"):
            check_duration(value, minimum=low, maximum=high, unit=unit)


def test_durations_must_be_whole_units() -> None:
    with pytest.raises(ValueError, match="whole minutes"):
        check_duration(
            timedelta(minutes=20, seconds=30),
            minimum=timedelta(minutes=15),
            maximum=timedelta(days=3),
            unit=timedelta(minutes=1),
        )

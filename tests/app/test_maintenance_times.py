"""The times `maintenance` commands accept: local wall-clock time, ISO 8601 with an offset,
today/tomorrow, and the nights clocks change."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from incidentctl.app.maintenance_times import TimeError, parse_when

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 2, 22, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-05 02:00", datetime(2026, 12, 5, 1, 0, tzinfo=UTC)),
        ("2026-12-05T02:00", datetime(2026, 12, 5, 1, 0, tzinfo=UTC)),
        ("2026-07-05 02:00", datetime(2026, 7, 5, 0, 0, tzinfo=UTC)),  # summer: UTC+2
        ("2026-12-05T02:00+01:00", datetime(2026, 12, 5, 1, 0, tzinfo=UTC)),
        ("2026-12-05T02:00:00-05:00", datetime(2026, 12, 5, 7, 0, tzinfo=UTC)),
        ("2026-12-05T01:00Z", datetime(2026, 12, 5, 1, 0, tzinfo=UTC)),
        ("tomorrow 02:00", datetime(2026, 12, 4, 1, 0, tzinfo=UTC)),
        ("Tomorrow  02:00", datetime(2026, 12, 4, 1, 0, tzinfo=UTC)),
        ("today 23:45", datetime(2026, 12, 3, 22, 45, tzinfo=UTC)),
        ("demain 2h30", datetime(2026, 12, 4, 1, 30, tzinfo=UTC)),
        ("demain 2h", datetime(2026, 12, 4, 1, 0, tzinfo=UTC)),
        ("demain 2 h", datetime(2026, 12, 4, 1, 0, tzinfo=UTC)),
        ("demain 14h", datetime(2026, 12, 4, 13, 0, tzinfo=UTC)),
        ("demain 2\u00a0h\u00a030", datetime(2026, 12, 4, 1, 30, tzinfo=UTC)),
        ("2026-12-05 2h", datetime(2026, 12, 5, 1, 0, tzinfo=UTC)),
        ("aujourd'hui 23:45", datetime(2026, 12, 3, 22, 45, tzinfo=UTC)),
    ],
)
def test_accepted_forms(text: str, expected: datetime) -> None:
    now = datetime(2026, 12, 3, 22, 30, tzinfo=UTC)  # 23:30 on 3 December in Paris
    assert parse_when(text, PARIS, now) == expected


def test_tomorrow_is_the_organizations_tomorrow_not_utcs() -> None:
    # 23:30 UTC on the 2nd is already 00:30 on the 3rd in Paris
    late = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)
    assert parse_when("tomorrow 02:00", PARIS, late) == datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
    assert parse_when("tomorrow 02:00", NEW_YORK, late) == datetime(2026, 12, 3, 7, 0, tzinfo=UTC)


def test_tomorrow_across_the_night_summer_time_starts() -> None:
    eve = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    # 04:00 on 29 March in Paris is already summer time (UTC+2)
    assert parse_when("tomorrow 04:00", PARIS, eve) == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)


def test_a_time_skipped_by_summer_time_is_refused() -> None:
    with pytest.raises(TimeError, match="does not exist in Europe/Paris"):
        parse_when("2026-03-29 02:30", PARIS, NOW)
    with pytest.raises(TimeError, match="does not exist in America/New_York"):
        parse_when("2026-03-08 02:30", NEW_YORK, NOW)


def test_a_time_repeated_when_summer_time_ends_asks_for_the_offset() -> None:
    with pytest.raises(TimeError) as caught:
        parse_when("2026-10-25 02:30", PARIS, NOW)
    message = str(caught.value)
    assert "happens twice" in message
    assert "2026-10-25T02:30+02:00 or 2026-10-25T02:30+01:00" in message
    # with the offset it names one instant, either one
    first = parse_when("2026-10-25T02:30+02:00", PARIS, NOW)
    second = parse_when("2026-10-25T02:30+01:00", PARIS, NOW)
    assert (second - first).total_seconds() == 3600


@pytest.mark.parametrize(
    "text",
    ["", "soon", "2026-13-01 02:00", "2026-12-05 25:00", "tomorrow", "2026-12-05T02:00+25:00"],
)
def test_unreadable_times_say_what_to_write(text: str) -> None:
    with pytest.raises(TimeError, match=r"2026-12-05 02:00|02:00 or 23:30"):
        parse_when(text, PARIS, NOW)


def test_a_french_playbooks_error_suggests_french_forms() -> None:
    with pytest.raises(TimeError, match='or "demain 2h"'):
        parse_when("jeudi", PARIS, NOW, "fr")
    with pytest.raises(TimeError, match='or "tomorrow 02:00"'):
        parse_when("thursday", PARIS, NOW)

"""Uptime against hand-computed cases: midnight, overlap, a new component, DST in Paris."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from incidentctl.app.site.uptime import availability, days_of, segments
from incidentctl.model.records import ComponentStatus, EventKind, Incident, Stage, TimelineEvent

MAJOR = ComponentStatus.MAJOR_OUTAGE
PARTIAL = ComponentStatus.PARTIAL_OUTAGE
DEGRADED = ComponentStatus.DEGRADED_PERFORMANCE
WEIGHTS = {MAJOR: 1.0, PARTIAL: 0.5, DEGRADED: 0.0}
UTC_TZ = ZoneInfo("UTC")
PARIS = ZoneInfo("Europe/Paris")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def incident(
    iid: str, start: str, end: str | None, components: dict[str, ComponentStatus]
) -> tuple[Incident, list[TimelineEvent]]:
    opened = at(start)
    closed = at(end) if end else None
    record = Incident(
        iid,
        "t",
        "sev1",
        Stage.RESOLVED if closed else Stage.INVESTIGATING,
        opened,
        opened,
        components=dict(components),
        resolved_at=closed,
    )
    events = [
        TimelineEvent(
            iid,
            EventKind.DECLARED,
            opened,
            data={"components": {k: v.value for k, v in components.items()}},
        )
    ]
    if closed:
        events.append(TimelineEvent(iid, EventKind.RESOLVED, closed, message="fixed"))
    return record, events


def span(first: date, count: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(count)]


def test_an_outage_across_midnight_splits_between_the_two_days() -> None:
    found = segments(
        *incident("A", "2026-11-10T23:00", "2026-11-11T01:30", {"api": MAJOR}),
        now=at("2026-11-12T00:00"),
    )
    days = days_of("api", found, span(date(2026, 11, 10), 2), UTC_TZ, at("2026-11-12T00:00"))
    assert [d.minutes for d in days if d] == [{MAJOR: 60.0}, {MAJOR: 90.0}]
    assert days[0] and days[0].uptime(WEIGHTS) == pytest.approx(100 * (1 - 60 / 1440))
    assert availability(days, WEIGHTS) == pytest.approx(100 * (1 - 150 / 2880))
    assert [d.incidents for d in days if d] == [["A"], ["A"]]


def test_overlapping_incidents_count_the_worst_status_once() -> None:
    now = at("2026-11-11T00:00")
    found = segments(
        *incident("A", "2026-11-10T10:00", "2026-11-10T12:00", {"api": PARTIAL}), now=now
    )
    found += segments(
        *incident("B", "2026-11-10T11:00", "2026-11-10T11:30", {"api": MAJOR}), now=now
    )
    (day,) = days_of("api", found, [date(2026, 11, 10)], UTC_TZ, now)
    assert day is not None
    # 10:00-11:00 partial, 11:00-11:30 major (worst wins), 11:30-12:00 partial
    assert day.minutes == {PARTIAL: 90.0, MAJOR: 30.0}
    assert day.status is MAJOR
    assert day.down(WEIGHTS) == 30 + 45
    assert day.incidents == ["A", "B"]


def test_a_component_change_moves_the_status_and_resolution_ends_it() -> None:
    record, events = incident("A", "2026-11-10T10:00", "2026-11-10T13:00", {"api": MAJOR})
    events.insert(
        1,
        TimelineEvent(
            "A",
            EventKind.COMPONENT_CHANGE,
            at("2026-11-10T11:00"),
            data={"component": "api", "from": "major_outage", "to": "degraded_performance"},
        ),
    )
    events.insert(
        2,
        TimelineEvent(
            "A",
            EventKind.COMPONENT_CHANGE,
            at("2026-11-10T12:00"),
            data={"component": "api", "from": "degraded_performance", "to": "operational"},
        ),
    )
    found = segments(record, events, now=at("2026-11-11T00:00"))
    (day,) = days_of("api", found, [date(2026, 11, 10)], UTC_TZ, at("2026-11-11T00:00"))
    assert day is not None and day.minutes == {MAJOR: 60.0, DEGRADED: 60.0}
    # degraded counts as up (weight 0) but colours the day
    assert day.uptime(WEIGHTS) == pytest.approx(100 * (1 - 60 / 1440))


def test_an_open_incident_runs_until_now_and_today_counts_up_to_now() -> None:
    now = at("2026-11-10T12:00")
    found = segments(*incident("A", "2026-11-10T11:00", None, {"api": PARTIAL}), now=now)
    (day,) = days_of("api", found, [date(2026, 11, 10)], UTC_TZ, now)
    assert day is not None and day.total == 720 and day.minutes == {PARTIAL: 60.0}
    assert day.uptime(WEIGHTS) == pytest.approx(100 * (1 - 30 / 720))


def test_a_component_added_ten_days_ago_counts_only_the_days_it_existed() -> None:
    now = at("2026-11-30T12:00")
    since = date(2026, 11, 20)
    found = segments(
        *incident("A", "2026-11-25T10:00", "2026-11-25T12:24", {"api": MAJOR}), now=now
    )
    days = days_of("api", found, span(date(2026, 9, 2), 90), UTC_TZ, now, since=since)
    counted = [d for d in days if d is not None]
    assert len(counted) == 11 and counted[0].day == since
    # ten whole days and half of today: 15,120 minutes, 144 of them down
    assert availability(days, WEIGHTS) == pytest.approx(100 * (1 - 144 / 15120))
    assert availability(days[-30:], WEIGHTS) == availability(days, WEIGHTS)


def test_dst_days_in_paris_have_23_and_25_hours() -> None:
    now = at("2026-11-01T00:00")
    spring = segments(
        *incident("A", "2026-03-28T23:00", "2026-03-29T22:00", {"api": MAJOR}), now=now
    )
    days = days_of("api", spring, span(date(2026, 3, 28), 3), PARIS, now)
    assert [d.total for d in days if d] == [1440, 1380, 1440]
    # the whole local day of 29 March (00:00 CET to 00:00 CEST) is down, nothing else
    assert [d.minutes for d in days if d] == [{}, {MAJOR: 1380.0}, {}]
    assert days[1] and days[1].uptime(WEIGHTS) == 0
    # 01:30 CEST to 03:30 CET on 25 October: three hours, on a 25-hour day
    autumn = segments(
        *incident("B", "2026-10-24T23:30", "2026-10-25T02:30", {"api": PARTIAL}), now=now
    )
    (day,) = days_of("api", autumn, [date(2026, 10, 25)], PARIS, now)
    assert day is not None and day.total == 1500 and day.minutes == {PARTIAL: 180.0}
    assert day.uptime(WEIGHTS) == pytest.approx(100 * (1 - 90 / 1500))


def test_no_counted_day_has_no_availability() -> None:
    days = days_of(
        "api",
        [],
        span(date(2026, 11, 1), 3),
        UTC_TZ,
        at("2026-11-30T00:00"),
        since=date(2026, 12, 1),
    )
    assert days == [None, None, None] and availability(days, WEIGHTS) is None

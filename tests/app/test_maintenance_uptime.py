"""Planned maintenance is not downtime on the status site; the time it overran is."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from incidentctl.app.site.uptime import availability, days_of, maintenance_segments
from incidentctl.model.maintenance import Maintenance, MaintenanceStatus
from incidentctl.model.records import ComponentStatus

PARIS = ZoneInfo("Europe/Paris")
WEIGHTS = {ComponentStatus.MAJOR_OUTAGE: 1.0, ComponentStatus.UNDER_MAINTENANCE: 0.0}


def window(
    start: datetime, end: datetime, ended: datetime, overran: datetime | None
) -> Maintenance:
    return Maintenance(
        id="MNT-20261205-01",
        title="Works",
        status=MaintenanceStatus.COMPLETED,
        scheduled_for=start,
        scheduled_until=end,
        components=["api"],
        created_at=start - timedelta(days=1),
        updated_at=ended,
        started_at=start,
        ended_at=ended,
        overran_at=overran,
    )


def test_works_within_their_window_cost_no_uptime() -> None:
    start = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    item = window(start, start + timedelta(hours=2), start + timedelta(hours=2), None)
    found = maintenance_segments([item], start + timedelta(days=2))
    assert [(s.status, s.end - s.start) for s in found] == [
        (ComponentStatus.UNDER_MAINTENANCE, timedelta(hours=2))
    ]
    (day,) = days_of("api", found, [date(2026, 12, 5)], PARIS, start + timedelta(days=2))
    assert day is not None and day.minutes == {ComponentStatus.UNDER_MAINTENANCE: 120.0}
    assert availability([day], WEIGHTS) == 100.0


def test_the_overrun_counts_as_downtime_on_the_day_it_happened() -> None:
    # 25 October 2026 has 25 hours in Paris: 1500 minutes, 36 of them past the window's end
    start = datetime(2026, 10, 25, 2, 0, tzinfo=UTC)
    end = start + timedelta(hours=1)
    item = window(start, end, end + timedelta(minutes=36), end)
    found = maintenance_segments([item], start + timedelta(days=1))
    assert [s.status for s in found] == [
        ComponentStatus.UNDER_MAINTENANCE,
        ComponentStatus.MAJOR_OUTAGE,
    ]
    (day,) = days_of("api", found, [date(2026, 10, 25)], PARIS, start + timedelta(days=1))
    assert day is not None and day.total == 1500.0
    assert day.minutes[ComponentStatus.MAJOR_OUTAGE] == 36.0
    assert availability([day], WEIGHTS) == 100.0 * (1 - 36 / 1500)


def test_a_window_that_never_started_leaves_no_trace() -> None:
    start = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    item = window(start, start + timedelta(hours=2), start, None)
    item.started_at = None
    assert maintenance_segments([item], start + timedelta(days=1)) == []

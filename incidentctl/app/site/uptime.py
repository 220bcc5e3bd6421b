"""Component-status history and uptime: what the timeline says each component went through.

Pure functions over recorded incidents: the declared event's components, `component_change`
events and the resolution (every component back to operational) give, per incident, segments
of time a component spent in a status. Overlapping incidents on one component count the worst
status at each moment. Days are calendar days in the organization's timezone, so a DST day
has 23 or 25 hours.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from incidentctl.model.maintenance import Maintenance
from incidentctl.model.records import ComponentStatus, EventKind, Incident, TimelineEvent

# worst last; maintenance is planned, so it ranks below any unplanned trouble
RANK = {
    ComponentStatus.OPERATIONAL: 0,
    ComponentStatus.UNDER_MAINTENANCE: 1,
    ComponentStatus.DEGRADED_PERFORMANCE: 2,
    ComponentStatus.PARTIAL_OUTAGE: 3,
    ComponentStatus.MAJOR_OUTAGE: 4,
}
BY_RANK = sorted(RANK, key=RANK.__getitem__)


def worst(statuses: Iterable[ComponentStatus]) -> ComponentStatus:
    return max(statuses, key=RANK.__getitem__, default=ComponentStatus.OPERATIONAL)


class Segment(NamedTuple):
    """A stretch of time one incident held one component in a status other than operational
    (a tuple: a large build makes tens of thousands)."""

    component: str
    start: datetime
    end: datetime
    status: ComponentStatus
    incident_id: str


def segments(incident: Incident, events: Sequence[TimelineEvent], now: datetime) -> list[Segment]:
    """The non-operational stretches of each component the incident touched; an open incident
    runs until `now`."""
    found: list[Segment] = []
    current: dict[str, tuple[ComponentStatus, datetime]] = {}

    def close(component: str, at: datetime) -> None:
        held = current.pop(component, None)
        if held and held[0] is not ComponentStatus.OPERATIONAL and at > held[1]:
            found.append(Segment(component, held[1], at, held[0], incident.id))

    def set_status(component: str, status: ComponentStatus, at: datetime) -> None:
        close(component, at)
        current[component] = (status, at)

    for event in events:
        if event.kind is EventKind.DECLARED:
            for name, value in (event.data.get("components") or {}).items():
                set_status(str(name), ComponentStatus(value), event.at)
        elif event.kind is EventKind.COMPONENT_CHANGE:
            set_status(str(event.data["component"]), ComponentStatus(event.data["to"]), event.at)
        elif event.kind is EventKind.RESOLVED:
            for name in list(current):
                close(name, event.at)
    end = incident.resolved_at if incident.resolved_at is not None else now
    for name in list(current):
        close(name, end)
    return found


class Day:
    """One calendar day of one component: minutes in each non-operational status."""

    __slots__ = ("day", "incidents", "minutes", "total")

    def __init__(self, day: date, total: float) -> None:
        self.day = day
        self.total = total
        self.minutes: dict[ComponentStatus, float] = {}
        self.incidents: list[str] = []

    @property
    def status(self) -> ComponentStatus:
        """The worst status of the day (its bar's colour)."""
        return worst(s for s, m in self.minutes.items() if m > 0)

    @property
    def operational(self) -> float:
        return max(0.0, self.total - sum(self.minutes.values()))

    def down(self, weights: Mapping[ComponentStatus, float]) -> float:
        return sum(m * weights.get(s, 0.0) for s, m in self.minutes.items())

    def uptime(self, weights: Mapping[ComponentStatus, float]) -> float | None:
        """Percent of the day up; None for a day with no minute counted."""
        return 100.0 * (1 - self.down(weights) / self.total) if self.total > 0 else None


@lru_cache(maxsize=4096)
def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The day's start, in UTC: arithmetic between two times of one zone ignores DST. (Kept:
    every component's bars walk the same days.)"""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def days_of(
    component: str,
    found: Iterable[Segment],
    days: Sequence[date],
    tz: ZoneInfo,
    now: datetime,
    since: date | None = None,
) -> list[Day | None]:
    """Per day of `days` (consecutive, oldest first): the minutes `component` spent in each
    status, worst status winning where incidents overlap. None for a day before `since`; today
    counts up to `now` only."""
    if not days:
        return []
    starts = [local_midnight(d, tz) for d in days]
    window_end = min(local_midnight(days[-1] + timedelta(days=1), tz), now)
    # sweep over every start and end: between two of them the worst open status holds
    marks: list[tuple[datetime, int, ComponentStatus, str]] = []
    for seg in found:
        if seg.component != component or seg.end <= starts[0] or seg.start >= window_end:
            continue
        marks.append((max(seg.start, starts[0]), 1, seg.status, seg.incident_id))
        marks.append((min(seg.end, window_end), -1, seg.status, seg.incident_id))
    marks.sort(key=lambda m: (m[0], m[1]))
    result: list[Day | None] = []
    open_count = dict.fromkeys(RANK, 0)
    open_incidents: dict[str, int] = {}
    index = 0
    for i, day in enumerate(days):
        begin = starts[i]
        end = min(starts[i + 1] if i + 1 < len(days) else window_end, window_end)
        record = Day(day, max(0.0, (end - begin).total_seconds() / 60))
        record.incidents.extend(open_incidents)  # still open from the day before
        at = begin
        while True:
            next_at = marks[index][0] if index < len(marks) and marks[index][0] < end else end
            if next_at > at:
                status = next((s for s in reversed(BY_RANK) if open_count[s] > 0), None)
                if status is not None:
                    minutes = (next_at - at).total_seconds() / 60
                    record.minutes[status] = record.minutes.get(status, 0.0) + minutes
                at = next_at
            if next_at >= end or index >= len(marks):
                break
            _, step, status, incident = marks[index]
            open_count[status] += step
            held = open_incidents.get(incident, 0) + step
            if held:
                open_incidents[incident] = held
            else:  # closed: the days after do not walk past every incident ever seen
                del open_incidents[incident]
            if step > 0 and incident not in record.incidents:
                record.incidents.append(incident)
            index += 1
        result.append(None if since is not None and day < since else record)
    return result


def availability(
    days: Iterable[Day | None], weights: Mapping[ComponentStatus, float]
) -> float | None:
    """Percent of the counted minutes up, over the days that count (None: none do)."""
    counted = [d for d in days if d is not None and d.total > 0]
    total = sum(d.total for d in counted)
    if not total:
        return None
    return 100.0 * (1 - sum(d.down(weights) for d in counted) / total)


def maintenance_segments(items: Sequence[Maintenance], now: datetime) -> list[Segment]:
    """Under maintenance from the start to the end (or the overrun); the overrun itself as a
    major outage: customers were told it would be over."""
    found: list[Segment] = []
    for item in items:
        if item.started_at is None:
            continue
        until = item.ended_at or now
        overrun = item.overran_at
        planned_end = min(until, overrun) if overrun is not None else until
        for name in item.components:
            if planned_end > item.started_at:
                found.append(
                    Segment(
                        name,
                        item.started_at,
                        planned_end,
                        ComponentStatus.UNDER_MAINTENANCE,
                        item.id,
                    )
                )
            if overrun is not None and until > overrun:
                found.append(Segment(name, overrun, until, ComponentStatus.MAJOR_OUTAGE, item.id))
    return found

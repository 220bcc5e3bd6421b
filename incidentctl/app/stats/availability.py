"""Availability per component over 30, 90 and 365 days and per month: the status site's own
computation (`app/site/uptime.py`: segments, minutes per local day, the playbook's weights),
over the same incidents and maintenance windows the site counts, so both say the same
figure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from incidentctl.app.site.uptime import Day, Segment, availability, days_of
from incidentctl.model.records import ComponentStatus
from incidentctl.playbook.schema import Playbook

WINDOWS = (30, 90, 365)


@dataclass(frozen=True)
class ComponentAvailability:
    component: str
    name: str
    # days -> percent up (None: no day counted, e.g. before the component's `since`)
    windows: dict[int, float | None]
    # YYYY-MM -> percent up, for the months the longest window covers
    months: dict[str, float | None]


def weights_of(playbook: Playbook) -> dict[ComponentStatus, float]:
    return {ComponentStatus(k): v for k, v in playbook.site.weights.by_status().items()}


def component_availability(
    playbook: Playbook, found: Sequence[Segment], today: date, now: datetime
) -> list[ComponentAvailability]:
    """Each playbook component's availability over the windows ending `today` (local)."""
    tz = playbook.organization.tz
    weights = weights_of(playbook)
    longest = max(WINDOWS)
    days = [today - timedelta(days=longest - 1 - i) for i in range(longest)]
    by_component: dict[str, list[Segment]] = {}
    for seg in found:
        by_component.setdefault(seg.component, []).append(seg)
    months = [f"{day:%Y-%m}" for day in days]  # every component walks the same days
    result = []
    for name, spec in playbook.components.items():
        counted = days_of(name, by_component.get(name, []), days, tz, now, spec.since)
        windows = {w: availability(counted[-w:], weights) for w in WINDOWS}
        result.append(
            ComponentAvailability(name, spec.name, windows, _monthly(months, counted, weights))
        )
    return result


def _monthly(
    months: Sequence[str],
    counted: Sequence[Day | None],
    weights: Mapping[ComponentStatus, float],
) -> dict[str, float | None]:
    """Per month (`months`: each day's `YYYY-MM`), the availability of its days."""
    found: dict[str, list[Day | None]] = {}
    for month, record in zip(months, counted, strict=True):
        found.setdefault(month, []).append(record)
    return {month: availability(records, weights) for month, records in found.items()}

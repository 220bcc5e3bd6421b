"""Figures of many incidents: mean, median and p90 side by side (means mislead with few).

p90 is the nearest-rank percentile: the smallest value at least 90 % of the values are at or
below (of one value, that value; of ten, the ninth smallest). The median of an even count is
the mean of the two middle values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from incidentctl.app.stats.figures import IncidentFigures, Postmortem


@dataclass(frozen=True)
class Summary:
    """Of the incidents that have the figure (an open one has no time to resolve yet)."""

    count: int
    mean: timedelta | None
    median: timedelta | None
    p90: timedelta | None


def percentile(ordered: Sequence[timedelta], share: float) -> timedelta:
    """Nearest rank over values sorted ascending (not empty)."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summarize(values: Iterable[timedelta | None]) -> Summary:
    found = sorted(v for v in values if v is not None)
    if not found:
        return Summary(0, None, None, None)
    n = len(found)
    middle = found[n // 2] if n % 2 else (found[n // 2 - 1] + found[n // 2]) / 2
    return Summary(n, sum(found, timedelta(0)) / n, middle, percentile(found, 0.9))


@dataclass(frozen=True)
class Group:
    """A month's, a severity's or the whole window's incidents, summed up."""

    key: str
    incidents: int
    majors: int
    first_communication: Summary
    identify: Summary
    mitigate: Summary
    resolve: Summary
    # updates within the cadence / gaps, over every incident of the group
    cadence_gaps: int
    cadence_on_time: int
    longest_silence: timedelta | None
    postmortems_required: int  # those whose deadline passed or that were written
    postmortems_on_time: int
    reports: int

    @property
    def cadence_share(self) -> float | None:
        return self.cadence_on_time / self.cadence_gaps if self.cadence_gaps else None

    @property
    def postmortem_share(self) -> float | None:
        return (
            self.postmortems_on_time / self.postmortems_required
            if self.postmortems_required
            else None
        )


# a postmortem still due is neither on time nor late yet
JUDGED = (Postmortem.ON_TIME, Postmortem.LATE, Postmortem.MISSING)


def aggregate(key: str, figures: Sequence[IncidentFigures]) -> Group:
    """One walk over the group's figures (a report sums ten thousand incidents three ways)."""
    first: list[timedelta] = []
    identify: list[timedelta] = []
    mitigate: list[timedelta] = []
    resolve: list[timedelta] = []
    majors = gaps = on_time = judged = postmortems_on_time = reports = 0
    longest: timedelta | None = None
    for f in figures:
        majors += f.major
        if f.first_communication is not None:
            first.append(f.first_communication)
        if f.identify is not None:
            identify.append(f.identify)
        if f.mitigate is not None:
            mitigate.append(f.mitigate)
        if f.resolve is not None:
            resolve.append(f.resolve)
        cadence = f.cadence
        gaps += cadence.gaps
        on_time += cadence.on_time
        silence = cadence.longest_silence
        if silence and (longest is None or silence > longest):
            longest = silence
        judged += f.postmortem in JUDGED
        postmortems_on_time += f.postmortem is Postmortem.ON_TIME
        reports += f.reports
    return Group(
        key=key,
        incidents=len(figures),
        majors=majors,
        first_communication=summarize(first),
        identify=summarize(identify),
        mitigate=summarize(mitigate),
        resolve=summarize(resolve),
        cadence_gaps=gaps,
        cadence_on_time=on_time,
        longest_silence=longest,
        postmortems_required=judged,
        postmortems_on_time=postmortems_on_time,
        reports=reports,
    )


def months_between(first: date, last: date) -> list[str]:
    """Every `YYYY-MM` from `first`'s month to `last`'s, both included."""
    months: list[str] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def by_month(figures: Sequence[IncidentFigures], months: Sequence[str]) -> list[Group]:
    """One group per month of `months` (a month without incidents too), oldest first."""
    found: dict[str, list[IncidentFigures]] = {m: [] for m in months}
    for item in figures:
        found.setdefault(item.month, []).append(item)
    return [aggregate(m, found[m]) for m in sorted(found)]


def by_severity(figures: Sequence[IncidentFigures], order: Sequence[str]) -> list[Group]:
    """One group per severity that had incidents, in the playbook's order."""
    found: dict[str, list[IncidentFigures]] = {}
    for item in figures:
        found.setdefault(item.incident.severity, []).append(item)
    ranked = sorted(found, key=lambda s: (order.index(s) if s in order else len(order), s))
    return [aggregate(s, found[s]) for s in ranked]

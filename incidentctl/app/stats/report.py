"""The whole report: incidents, months, severities, availability, each key figure against its
target (`targets:` in the playbook). Pure: built from figures already measured.

A duration target compares the mean (MTTR is a mean by name; the median and p90 stand beside
it), and is met under it; majors per month are met when every month has fewer than the target,
and the figure shown is the worst month; availability is met when every component's 30-day
availability is at least the target, and the figure shown is the lowest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from incidentctl.app.stats.aggregate import Group, aggregate, by_month, by_severity
from incidentctl.app.stats.availability import ComponentAvailability
from incidentctl.app.stats.figures import IncidentFigures
from incidentctl.model.durations import parse_duration
from incidentctl.playbook.schema import Playbook


@dataclass(frozen=True)
class TargetCheck:
    """One key figure against its target; durations in minutes, availability in percent."""

    key: str  # mttr | first_communication | majors_per_month | availability
    unit: str  # minutes | count | percent
    value: float | None
    target: float | None
    met: bool | None  # None: no target, or nothing to compare yet
    # (month, value) oldest first: the trend the sparkline draws
    monthly: list[tuple[str, float | None]]


@dataclass(frozen=True)
class Report:
    organization: str
    language: str
    timezone: str
    generated_at: datetime
    since: datetime | None
    until: datetime | None
    incidents: list[IncidentFigures]  # oldest impact start first
    overall: Group
    months: list[Group]
    severities: list[Group]
    availability: list[ComponentAvailability]
    targets: list[TargetCheck]


def minutes(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds() / 60


def _duration_check(
    key: str,
    target: str | None,
    overall: Group,
    months: Sequence[Group],
    pick: Callable[[Group], timedelta | None],
) -> TargetCheck:
    limit = minutes(parse_duration(target)) if target else None
    value = minutes(pick(overall))
    met = None if limit is None or value is None else value < limit
    return TargetCheck(
        key, "minutes", value, limit, met, [(g.key, minutes(pick(g))) for g in months]
    )


def target_checks(
    playbook: Playbook,
    overall: Group,
    months: Sequence[Group],
    availability: Sequence[ComponentAvailability],
) -> list[TargetCheck]:
    targets = playbook.targets
    checks = [
        _duration_check("mttr", targets.mttr, overall, months, lambda g: g.resolve.mean),
        _duration_check(
            "first_communication",
            targets.first_communication,
            overall,
            months,
            lambda g: g.first_communication.mean,
        ),
    ]
    worst_month = max((g.majors for g in months), default=None)
    majors = targets.majors_per_month
    checks.append(
        TargetCheck(
            "majors_per_month",
            "count",
            None if worst_month is None else float(worst_month),
            None if majors is None else float(majors),
            None if majors is None or worst_month is None else worst_month < majors,
            [(g.key, float(g.majors)) for g in months],
        )
    )
    lowest = min((v for a in availability if (v := a.windows[30]) is not None), default=None)
    goal = targets.availability
    month_keys = sorted({m for a in availability for m in a.months})
    checks.append(
        TargetCheck(
            "availability",
            "percent",
            lowest,
            goal,
            None if goal is None or lowest is None else lowest >= goal,
            [
                (
                    m,
                    min(
                        (v for a in availability if (v := a.months.get(m)) is not None),
                        default=None,
                    ),
                )
                for m in month_keys
            ],
        )
    )
    return checks


def build_report(
    playbook: Playbook,
    figures: Sequence[IncidentFigures],
    months: Sequence[str],
    availability: Sequence[ComponentAvailability],
    *,
    generated_at: datetime,
    since: datetime | None,
    until: datetime | None,
) -> Report:
    """The report of `figures` over `months` (every month of the window, oldest first)."""
    ordered = sorted(figures, key=lambda f: (f.incident.impact_start, f.incident.id))
    overall = aggregate("all", ordered)
    monthly = by_month(ordered, months)
    order = [s.id for s in playbook.severities]
    return Report(
        organization=playbook.organization.name,
        language=playbook.organization.language,
        timezone=playbook.organization.timezone,
        generated_at=generated_at,
        since=since,
        until=until,
        incidents=list(ordered),
        overall=overall,
        months=monthly,
        severities=by_severity(ordered, order),
        availability=list(availability),
        targets=target_checks(playbook, overall, monthly, availability),
    )

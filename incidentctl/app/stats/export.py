"""The report as plain data: JSON for scripts, CSV rows (one per incident) for spreadsheets.
Durations are minutes (floats), shares and availability percents; None where there is no
figure (an open incident's time to resolve)."""

from __future__ import annotations

from typing import Any

from incidentctl.app.stats.aggregate import Group, Summary
from incidentctl.app.stats.figures import IncidentFigures
from incidentctl.app.stats.report import Report, minutes


def _percent(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 2)


def summary_data(summary: Summary) -> dict[str, Any]:
    return {
        "count": summary.count,
        "mean_minutes": minutes(summary.mean),
        "median_minutes": minutes(summary.median),
        "p90_minutes": minutes(summary.p90),
    }


def group_data(group: Group) -> dict[str, Any]:
    return {
        "key": group.key,
        "incidents": group.incidents,
        "majors": group.majors,
        "time_to_first_communication": summary_data(group.first_communication),
        "time_to_identify": summary_data(group.identify),
        "time_to_mitigate": summary_data(group.mitigate),
        "time_to_resolve": summary_data(group.resolve),
        "cadence_kept_percent": _percent(group.cadence_share),
        "longest_silence_minutes": minutes(group.longest_silence),
        "postmortems_judged": group.postmortems_required,
        "postmortems_on_time": group.postmortems_on_time,
        "customer_reports": group.reports,
    }


def incident_data(item: IncidentFigures) -> dict[str, Any]:
    incident = item.incident
    return {
        "id": incident.id,
        "title": incident.title,
        "severity": incident.severity,
        "major": item.major,
        "month": item.month,
        "impact_start": incident.impact_start.isoformat(),
        "declared_at": incident.declared_at.isoformat(),
        "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
        "time_to_first_communication_minutes": minutes(item.first_communication),
        "time_to_identify_minutes": minutes(item.identify),
        "time_to_mitigate_minutes": minutes(item.mitigate),
        "time_to_resolve_minutes": minutes(item.resolve),
        "cadence_kept_percent": _percent(item.cadence.share),
        "longest_silence_minutes": minutes(item.cadence.longest_silence),
        "postmortem": item.postmortem.value,
        "customer_reports": item.reports,
    }


def report_data(report: Report) -> dict[str, Any]:
    return {
        "organization": report.organization,
        "timezone": report.timezone,
        "generated_at": report.generated_at.isoformat(),
        "since": report.since.isoformat() if report.since else None,
        "until": report.until.isoformat() if report.until else None,
        "overall": group_data(report.overall),
        "months": [group_data(g) for g in report.months],
        "severities": [group_data(g) for g in report.severities],
        "availability": [
            {
                "component": a.component,
                "name": a.name,
                **{f"days_{w}_percent": v for w, v in a.windows.items()},
                "months": a.months,
            }
            for a in report.availability
        ],
        "targets": [
            {
                "figure": t.key,
                "unit": t.unit,
                "value": t.value,
                "target": t.target,
                "met": t.met,
                "monthly": dict(t.monthly),
            }
            for t in report.targets
        ],
        "incidents": [incident_data(i) for i in report.incidents],
    }


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "id",
    "title",
    "severity",
    "major",
    "month",
    "impact_start",
    "declared_at",
    "resolved_at",
    "time_to_first_communication_minutes",
    "time_to_identify_minutes",
    "time_to_mitigate_minutes",
    "time_to_resolve_minutes",
    "cadence_kept_percent",
    "longest_silence_minutes",
    "postmortem",
    "customer_reports",
)


def csv_rows(report: Report) -> list[list[str]]:
    """A header, then one row per incident (empty cells where there is no figure)."""

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float):
            return f"{value:.2f}"
        text = str(value)
        # a title a spreadsheet would read as a formula stays text
        return "'" + text if text[:1] in FORMULA_STARTS else text

    rows = [list(CSV_COLUMNS)]
    for item in report.incidents:
        data = incident_data(item)
        rows.append([cell(data[c]) for c in CSV_COLUMNS])
    return rows

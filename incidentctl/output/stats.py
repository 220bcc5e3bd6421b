"""`stats` in the terminal: each key figure against its target (green met, red missed) with a
sparkline of its months, then the months, the severities, availability and the latest
incidents; `--json` and `--csv` for scripts and spreadsheets."""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from incidentctl.output.shown import literal

if TYPE_CHECKING:
    from incidentctl.app.stats.aggregate import Group, Summary
    from incidentctl.app.stats.report import Report, TargetCheck

SPARKS = "▁▂▃▄▅▆▇█"
LATEST = 10
LABELS = {
    "mttr": "Time to resolve (MTTR, mean)",
    "first_communication": "Time to first communication (mean)",
    "majors_per_month": "Major incidents a month (worst month)",
    "availability": "Availability, 30 days (lowest component)",
}


def sparkline(
    values: Sequence[float | None], low: float | None = None, high: float | None = None
) -> str:
    """One character per value, scaled between `low` and `high` (else the lowest and the
    highest value); a space for a month without the figure."""
    found = [v for v in values if v is not None]
    if not found:
        return ""
    low = min(found) if low is None else min(low, *found)
    high = max(found) if high is None else max(high, *found)
    span = high - low
    return "".join(
        " "
        if v is None
        else SPARKS[0 if span == 0 else min(len(SPARKS) - 1, int((v - low) / span * len(SPARKS)))]
        for v in values
    )


# a pipe or a file gets the tables at this width rather than rich's 80 columns, which would
# fold every figure of the monthly table onto several lines
PIPE_WIDTH = 150


def _trend(check: TargetCheck) -> str:
    values = [v for _, v in check.monthly[-24:]]
    if check.unit == "percent":
        return sparkline(values, low=check.target if check.target is not None else 99.0, high=100)
    # counts and durations from zero: a flat line of equal months is low, not full
    return sparkline(values, low=0.0)


def _console() -> Any:
    from rich.console import Console

    return Console(
        highlight=False,
        emoji=False,
        soft_wrap=False,
        width=None if sys.stdout.isatty() else PIPE_WIDTH,
    )


def _stat(summary: Summary) -> str:
    from incidentctl.app.stats.report import minutes
    from incidentctl.app.stats.wording import duration_text

    values = (summary.mean, summary.median, summary.p90)
    return " / ".join(duration_text(minutes(v), "en") for v in values)


def _share(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f} %"


def _groups_table(title: str, first: str, groups: Sequence[Group]) -> Any:
    from rich.table import Table

    from incidentctl.app.stats.report import minutes
    from incidentctl.app.stats.wording import duration_text

    table = Table(
        title=title,
        title_justify="left",
        caption="times from the impact start: mean / median / p90",
        caption_justify="left",
    )
    for header in (
        first,
        "INC",
        "MAJOR",
        "FIRST COMMS",
        "IDENTIFY",
        "MITIGATE",
        "RESOLVE",
        "CADENCE",
        "LONGEST SILENCE",
        "POSTMORTEMS",
        "REPORTS",
    ):
        table.add_column(header, justify="left" if header == first else "right")
    for g in groups:
        table.add_row(
            literal(g.key),
            str(g.incidents),
            str(g.majors),
            _stat(g.first_communication),
            _stat(g.identify),
            _stat(g.mitigate),
            _stat(g.resolve),
            _share(g.cadence_share),
            duration_text(minutes(g.longest_silence), "en"),
            f"{g.postmortems_on_time}/{g.postmortems_required} on time"
            if g.postmortems_required
            else "—",
            str(g.reports),
        )
    return table


def print_stats(report: Report) -> None:
    """The report for a person at a terminal (or a pipe: the same tables without colour)."""
    from rich.table import Table
    from rich.text import Text

    from incidentctl.app.stats.report import minutes
    from incidentctl.app.stats.wording import duration_text, figure_text, target_text

    console = _console()
    span = []
    if report.since:
        span.append(f"since {report.since:%Y-%m-%d %H:%M %Z}")
    if report.until:
        span.append(f"before {report.until:%Y-%m-%d %H:%M %Z}")
    header = Text()
    header.append_text(literal(report.organization, "bold"))
    header.append(
        f" · {report.overall.incidents} incident(s) whose impact started "
        f"{' and '.join(span) or 'at any time'} · months in {report.timezone}"
    )
    console.print(header)

    table = Table(title="Against the targets", title_justify="left")
    for header_text in ("FIGURE", "VALUE", "TARGET", "", "PER MONTH"):
        table.add_column(header_text)
    for check in report.targets:
        verdict = {True: Text("met", "bold green"), False: Text("missed", "bold red")}
        table.add_row(
            LABELS[check.key],
            Text(
                figure_text(check.unit, check.value, "en"),
                {True: "green", False: "red", None: ""}[check.met],
            ),
            "—"
            if check.target is None
            else target_text(check.unit, check.target, "en").replace("\u00a0", " "),
            verdict.get(check.met, Text("")) if check.met is not None else Text(""),
            _trend(check),
        )
    console.print(table)
    if not report.incidents:
        console.print("no incident in this period")
    else:
        console.print(_groups_table("Per month", "MONTH", report.months[-24:]))
        console.print(_groups_table("Per severity", "SEVERITY", report.severities))
    goal = next(t.target for t in report.targets if t.key == "availability")
    if report.availability:
        avail = Table(title="Availability (as on the status site)", title_justify="left")
        for header_text in ("COMPONENT", "30 DAYS", "90 DAYS", "365 DAYS", "PER MONTH"):
            avail.add_column(header_text, justify="left" if "DAYS" not in header_text else "right")
        for item in report.availability:
            cells: list[Any] = [literal(item.name)]
            for value in item.windows.values():
                shown = "—" if value is None else f"{value:.2f} %"
                style = (
                    "" if goal is None or value is None else ("green" if value >= goal else "red")
                )
                cells.append(Text(shown, style))
            # against the target (or 99 %) up to 100: a full bar is a month without downtime
            floor = goal if goal is not None else 99.0
            cells.append(sparkline(list(item.months.values())[-12:], low=floor, high=100.0))
            avail.add_row(*cells)
        console.print(avail)
    if report.incidents:
        latest = Table(
            title=f"Latest {min(LATEST, len(report.incidents))} incidents", title_justify="left"
        )
        for header_text in (
            "ID",
            "SEV",
            "TITLE",
            "FIRST COMMS",
            "IDENTIFY",
            "MITIGATE",
            "RESOLVE",
            "CADENCE",
            "REPORTS",
        ):
            latest.add_column(
                header_text, overflow="fold" if header_text == "TITLE" else "ellipsis"
            )
        for row in report.incidents[-LATEST:][::-1]:
            latest.add_row(
                literal(row.incident.id),
                literal(row.incident.severity),
                literal(row.incident.title, one_line=True),
                *(
                    duration_text(minutes(v), "en")
                    for v in (
                        row.first_communication,
                        row.identify,
                        row.mitigate,
                        row.resolve,
                    )
                ),
                _share(row.cadence.share),
                str(row.reports),
            )
        console.print(latest)


def print_stats_json(report: Report) -> None:
    from incidentctl.app.stats.export import report_data
    from incidentctl.output.tables import print_json

    print_json(report_data(report))


def print_stats_csv(report: Report) -> None:
    from incidentctl.app.stats.export import csv_rows
    from incidentctl.model.text import visible

    writer = csv.writer(sys.stdout, lineterminator="\n")
    for row in csv_rows(report):
        writer.writerow([visible(cell, one_line=True) for cell in row])


def print_written(path: Path) -> None:
    from incidentctl.model.text import visible

    print(visible(f"report written to {path}", one_line=True), file=sys.stderr)

"""`stats`: the figures the team tracks, against the playbook's targets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from incidentctl.cli.options import JsonOption, PlaybookOption

WHEN = (
    "a duration ago (30d, 12h), a date or time (2026-11-01, 2026-11-01 08:00: the "
    "organization's timezone) or ISO 8601 with offset"
)


def stats(
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help=f"Only incidents whose impact started then or later: {WHEN}.",
            show_default=False,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            help=f"Only incidents whose impact started before: {WHEN}.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="One CSV row per incident.")] = False,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help="Also write a one-page HTML report with charts to FILE.",
            show_default=False,
        ),
    ] = None,
    playbook: PlaybookOption = None,
) -> None:
    """Time to first communication, identify, mitigate and resolve; cadence kept; majors per
    month; postmortems on time; availability; each against the playbook's targets."""
    import gc
    import os
    from datetime import UTC, datetime

    from incidentctl.app.stats.command import open_for_stats, write_html
    from incidentctl.app.stats.command import stats as read_stats
    from incidentctl.cli.runtime import CURRENT
    from incidentctl.errors import UsageError
    from incidentctl.output import stats as shown

    if as_json and as_csv:
        raise UsageError("--json and --csv: choose one")
    runtime = CURRENT.get()
    env = dict(os.environ) if runtime is None or runtime.env is None else dict(runtime.env)
    book, store = open_for_stats(env, playbook)
    # a short process that builds a few hundred thousand objects and drops none of them: the
    # collector's passes over them would cost a fifth of the run (`main` freezes it at exit)
    gc.disable()
    try:
        report = read_stats(book, store, datetime.now(UTC), since, until)
    finally:
        store.close()
        gc.enable()
    if html is not None:
        write_html(report, html)
    if as_json:
        shown.print_stats_json(report)
    elif as_csv:
        shown.print_stats_csv(report)
    else:
        shown.print_stats(report)
    if html is not None:
        shown.print_written(html)

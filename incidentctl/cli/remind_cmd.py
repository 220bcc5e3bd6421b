"""`remind`: tell the internal channels an update is due or overdue (run it every minute)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from incidentctl.cli.options import PlaybookOption


def _moment(text: str) -> datetime:
    from incidentctl.errors import UsageError

    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"--now {text!r}: give an ISO 8601 time such as 2026-12-02T14:05:00+01:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def remind(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would go out now; send and store nothing.")
    ] = False,
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            hidden=True,
            help="Act as if it were this ISO 8601 time (UTC without an offset): to catch up, "
            "or to rehearse a later time with --dry-run.",
            show_default=False,
        ),
    ] = None,
    playbook: PlaybookOption = None,
) -> None:
    """Remind the internal channels of updates due soon or overdue; quiet when none is.

    Meant to run every minute (cron, systemd timer, CronJob, CI schedule): each reminder goes
    out once however often, and on however many machines, it runs. Exit 3 when a reminder
    or an automatic update could not be delivered (`incidentctl retry` re-sends it).
    """
    from incidentctl.app.publish import raise_if_undelivered
    from incidentctl.app.rehearsal import act_as_of
    from incidentctl.app.reminders.run import remind as run_remind
    from incidentctl.cli.runtime import open_workspace
    from incidentctl.output.reminders import print_reminders

    ws = open_workspace(playbook)
    if now is not None:
        act_as_of(ws, _moment(now), now, dry_run=dry_run)
    report = run_remind(ws, dry_run=dry_run)
    print_reminders(report)
    raise_if_undelivered(report.sent)

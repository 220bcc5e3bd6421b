"""`maintenance schedule|list|show|start|extend|complete|cancel|remind|retry|ics`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from incidentctl.cli import prompts
from incidentctl.cli.options import DryRunOption, PlaybookOption, YesOption
from incidentctl.errors import ExitCode

if TYPE_CHECKING:
    from incidentctl.app.maintenance import MaintenancePlan
    from incidentctl.app.workspace import Workspace

app = typer.Typer(no_args_is_help=True, help="Scheduled maintenance windows.")

IdArgument = Annotated[
    str | None,
    typer.Argument(
        help="Maintenance id, e.g. MNT-20261205-01 (default: the only one scheduled or running).",
        show_default=False,
    ),
]
MessageOption = Annotated[
    str, typer.Option("--message", "-m", help="A sentence of your own in the notices.")
]


def _publish(
    playbook: Path | None,
    make_plan: Callable[[Workspace], MaintenancePlan],
    *,
    yes: bool,
    dry_run: bool,
) -> None:
    """Preview, confirm, store, send, report: as `declare` does for an incident."""
    from incidentctl.app.maintenance import execute
    from incidentctl.app.publish import raise_if_undelivered
    from incidentctl.cli.runtime import open_workspace
    from incidentctl.output import messages
    from incidentctl.output.maintenance import print_done, print_plan_preview

    ws = open_workspace(playbook)
    plan = make_plan(ws)
    print_plan_preview(plan)
    if dry_run:
        messages.print_note("dry run: nothing was sent or stored")
        return
    count = len(plan.notices)
    if count:
        prompts.require_consent(yes, f"sending to {count} channel(s)")
        if not yes and not prompts.confirm(f"Send to {count} channel(s)?", default=True):
            messages.print_note("cancelled: nothing was sent or stored")
            raise typer.Exit(ExitCode.CANCELLED)
    with messages.live_progress([n.delivery for n in plan.notices]) as progress:
        done = execute(ws, plan, progress)
    print_done(done, ws.playbook.organization.tz)
    raise_if_undelivered(done.report)


@app.command("schedule")
def schedule(
    title: Annotated[str, typer.Option("--title", "-t", help="What the works are.")],
    start: Annotated[
        str,
        typer.Option(
            "--start",
            help='When they start: "2026-12-05 02:00" (organization time), ISO 8601 with an '
            'offset, or "tomorrow 02:00".',
        ),
    ],
    end: Annotated[str, typer.Option("--end", help="When they end (same forms as --start).")],
    component: Annotated[
        list[str],
        typer.Option("--component", "-c", help="Component under maintenance, repeatable."),
    ],
    impact: Annotated[str, typer.Option("--impact", help="What customers will notice.")] = "",
    severity_if_overrun: Annotated[
        str | None,
        typer.Option(
            "--severity-if-overrun",
            help="Declare an incident of this severity if the works run past their end.",
            show_default=False,
        ),
    ] = None,
    message: MessageOption = "",
    yes: YesOption = False,
    dry_run: DryRunOption = False,
    playbook: PlaybookOption = None,
) -> None:
    """Schedule a maintenance window and announce it."""
    from incidentctl.app.maintenance import plan_schedule

    _publish(
        playbook,
        lambda ws: plan_schedule(
            ws,
            title=title,
            start=start,
            end=end,
            components=component,
            impact=impact,
            severity_if_overrun=severity_if_overrun,
            message=message,
        ),
        yes=yes,
        dry_run=dry_run,
    )


@app.command("start")
def start(
    maintenance_id: IdArgument = None,
    message: MessageOption = "",
    yes: YesOption = False,
    dry_run: DryRunOption = False,
    playbook: PlaybookOption = None,
) -> None:
    """The works begin: components go under maintenance."""
    from incidentctl.app.maintenance import plan_start

    _publish(playbook, lambda ws: plan_start(ws, maintenance_id, message), yes=yes, dry_run=dry_run)


@app.command("extend")
def extend(
    until: Annotated[str, typer.Option("--until", help="The new end (same forms as --start).")],
    maintenance_id: IdArgument = None,
    message: MessageOption = "",
    yes: YesOption = False,
    dry_run: DryRunOption = False,
    playbook: PlaybookOption = None,
) -> None:
    """The works take longer: announce the new end."""
    from incidentctl.app.maintenance import plan_extend

    _publish(
        playbook,
        lambda ws: plan_extend(ws, maintenance_id, until, message),
        yes=yes,
        dry_run=dry_run,
    )


@app.command("complete")
def complete(
    maintenance_id: IdArgument = None,
    message: MessageOption = "",
    yes: YesOption = False,
    dry_run: DryRunOption = False,
    playbook: PlaybookOption = None,
) -> None:
    """The works are over: components go back to their status before them."""
    from incidentctl.app.maintenance import plan_complete

    _publish(
        playbook, lambda ws: plan_complete(ws, maintenance_id, message), yes=yes, dry_run=dry_run
    )


@app.command("cancel")
def cancel(
    maintenance_id: IdArgument = None,
    message: MessageOption = "",
    yes: YesOption = False,
    dry_run: DryRunOption = False,
    playbook: PlaybookOption = None,
) -> None:
    """The works will not happen: announce it."""
    from incidentctl.app.maintenance import plan_cancel

    _publish(
        playbook, lambda ws: plan_cancel(ws, maintenance_id, message), yes=yes, dry_run=dry_run
    )


@app.command("list")
def list_windows(playbook: PlaybookOption = None) -> None:
    """Maintenance windows, soonest first."""
    import os

    from incidentctl.app.maintenance_queries import windows
    from incidentctl.cli.runtime import CURRENT
    from incidentctl.output.maintenance import print_list

    runtime = CURRENT.get()
    env = runtime.env if runtime is not None and runtime.env is not None else os.environ
    items, tz = windows(env, playbook)
    print_list(items, tz)


@app.command("show")
def show(maintenance_id: IdArgument = None, playbook: PlaybookOption = None) -> None:
    """One window: times, components, history, deliveries."""
    import os

    from incidentctl.app.maintenance_queries import window
    from incidentctl.cli.runtime import CURRENT, open_workspace
    from incidentctl.output.maintenance import print_window

    runtime = CURRENT.get()
    env = runtime.env if runtime is not None and runtime.env is not None else os.environ
    found = window(env, playbook, maintenance_id)
    if found is None:  # no playbook identity to read: the whole playbook, and its errors
        from incidentctl.app.maintenance import find_maintenance

        ws = open_workspace(playbook)
        item = find_maintenance(ws, maintenance_id)
        notices = ws.store.maintenance_notices(maintenance_id=item.id)
        found = item, notices, ws.playbook.organization.tz
    print_window(*found)


@app.command("remind")
def remind(
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            help="Act as if it were this time (same forms as --start): catch up, or rehearse "
            "a later time with --dry-run.",
            show_default=False,
        ),
    ] = None,
    yes: YesOption = False,
    dry_run: DryRunOption = False,
    playbook: PlaybookOption = None,
) -> None:
    """Send the reminders due now (once each) and notice overruns: run it from cron."""
    from incidentctl.app.maintenance import remind as send_reminders
    from incidentctl.app.maintenance import when
    from incidentctl.app.publish import raise_if_undelivered
    from incidentctl.app.rehearsal import act_as_of
    from incidentctl.app.send import DeliveryReport
    from incidentctl.cli.runtime import open_workspace
    from incidentctl.output import messages
    from incidentctl.output.maintenance import print_done, print_plan_preview, print_would_overrun

    # --yes: run unattended from cron; reminders are never asked about
    del yes
    ws = open_workspace(playbook)
    if now is not None:
        act_as_of(ws, when(ws, now, "--now"), now, dry_run=dry_run)
    result = send_reminders(ws, dry_run=dry_run)
    tz = ws.playbook.organization.tz
    if dry_run:
        for plan in result.planned:
            print_plan_preview(plan)
        print_would_overrun(result.would_overrun, tz)
        if not result.planned and not result.would_overrun:
            messages.print_note("no reminder due")
        messages.print_note("dry run: nothing was sent or stored")
        return
    for done in [*result.done, *result.overruns]:
        print_done(done, tz)
    if not result.done and not result.overruns:
        messages.print_note("no reminder due")
    raise_if_undelivered(DeliveryReport([d for x in result.done for d in x.report.deliveries]))


@app.command("retry")
def retry(maintenance_id: IdArgument = None, playbook: PlaybookOption = None) -> None:
    """Re-send maintenance notices that failed."""
    from incidentctl.app.maintenance_send import notice_engine, retry_notices
    from incidentctl.app.publish import raise_if_undelivered
    from incidentctl.cli.runtime import open_workspace
    from incidentctl.output import messages

    ws = open_workspace(playbook)
    if maintenance_id:
        from incidentctl.app.maintenance import find_maintenance

        maintenance_id = find_maintenance(ws, maintenance_id).id
    report = retry_notices(ws, maintenance_id, notice_engine(ws))
    messages.print_retry(report)
    raise_if_undelivered(report)


@app.command("ics")
def ics(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="File to write (default: standard output).", show_default=False
        ),
    ] = None,
    playbook: PlaybookOption = None,
) -> None:
    """Write the maintenance windows as an iCalendar file customers subscribe to."""
    import os
    import sys
    from datetime import UTC, datetime

    from incidentctl.app.maintenance_ics import Heading, calendar
    from incidentctl.app.maintenance_queries import calendar_file
    from incidentctl.cli.runtime import CURRENT, open_workspace

    runtime = CURRENT.get()
    env = runtime.env if runtime is not None and runtime.env is not None else os.environ
    now = runtime.clock() if runtime is not None and runtime.clock is not None else None
    data = calendar_file(env, playbook, now or datetime.now(UTC))
    if data is None:  # no playbook identity to read: the whole playbook, and its errors
        ws = open_workspace(playbook)
        data = calendar(ws.store, Heading.of_playbook(ws.playbook), ws.now())
    if out is None:
        sys.stdout.write(data.decode("utf-8"))
        return
    try:
        out.write_bytes(data)
    except OSError as exc:
        from incidentctl.errors import StateError

        raise StateError(f"cannot write {out}: {exc.strerror or exc}") from exc
    from incidentctl.output import messages  # rich: only to say where it went

    messages.print_note(f"calendar: {out}")

"""Human output of the sending commands: header, preview, live progress, delivery report."""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from incidentctl.output.shown import json_text, literal, quoted

if TYPE_CHECKING:
    from incidentctl.app.plan import Plan
    from incidentctl.app.publish import Preview, Published
    from incidentctl.app.scaffold import ScaffoldResult
    from incidentctl.app.send import DeliveryReport
    from incidentctl.app.targets import Target
    from incidentctl.app.workspace import Workspace
    from incidentctl.delivery.engine import ProgressCallback
    from incidentctl.model.records import Delivery, DeliveryState, Incident
    from incidentctl.playbook.schema import Playbook

# piped output (logs, CI) is not squeezed into 80 columns: paths and sentences stay whole;
# no `:name:` becomes an emoji: a title typed `API :fire: down` is shown as it is sent
out = Console(highlight=False, emoji=False, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, emoji=False)

STATE_STYLE = {
    "sent": "green",
    "failed": "red",
    "uncertain": "yellow",
    "sending": "cyan",
    "pending": "dim",
    "superseded": "dim",
    "disabled": "dim",
}


def print_note(text: str) -> None:
    out.print(literal(text))


def print_warning(text: str) -> None:
    out.print(Text.assemble(("!", "bold yellow"), " ", literal(text)))


def print_notices(plan: Plan) -> None:
    for notice in plan.notices:
        print_warning(notice)


def print_severities(playbook: Playbook) -> None:
    """The severities to choose from, most severe first, with what each one means."""
    out.print("[bold]Severities[/] (most severe first)")
    for severity in playbook.severities:
        out.print(f"  [bold]{quoted(severity.id)}[/] {quoted(severity.name)}")
        for criterion in severity.criteria:
            out.print(f"      • {quoted(criterion)}")


def publication_data(published: Published) -> dict[str, Any]:
    """`declare/update/resolve --json`: the incident id and what became of each delivery."""
    plan = published.preview.plan
    incident = published.incident or plan.incident
    report = published.report
    deliveries = report.deliveries + report.held if report is not None else plan.deliveries
    return {
        "id": incident.id,
        "status": incident.status.value,
        "severity": incident.severity,
        "dry_run": published.preview.dry_run,
        "cancelled": published.cancelled,
        "next_update_due": (
            incident.next_update_due.isoformat() if incident.next_update_due else None
        ),
        "deliveries": [
            {
                "channel": d.channel,
                "type": d.channel_type,
                "stage": d.stage.value,
                "state": d.state.value if report is not None else "not sent",
                "remote_id": d.remote_id,
                "link": d.link,
                "error": d.error,
            }
            for d in sorted(deliveries, key=lambda d: d.id or 0)
        ],
        "missing_variables": published.preview.missing,
        "notes": published.notes,
        "warnings": published.preview.hidden,
    }


def print_declare_header(ws: Workspace, plan: Plan) -> None:
    playbook = ws.playbook
    print_notices(plan)
    if playbook.values:
        out.print("[bold]Our values during an incident[/]")
        for value in playbook.values:
            out.print(f"  • [bold]{quoted(value.name)}[/] — {quoted(value.in_practice)}")
    if playbook.roles:
        out.print("[bold]Roles[/]")
        for role_id, role in playbook.roles.items():
            held = plan.incident.roles.get(role_id)
            who = quoted(held) if held else "[red]unassigned[/]"
            duties = "; ".join(role.responsibilities[:2])
            out.print(
                f"  • {quoted(role.name)}: {who}"
                + (f"  [dim]{quoted(duties)}[/]" if duties else "")
            )
    out.print()


def _gauge(length: int, limit: int | None) -> Text:
    if limit is None:
        return Text(f"{length} chars", style="dim")
    ratio = length / limit
    style = "red" if ratio > 1 else "yellow" if ratio > 0.9 else "green"
    return Text(f"{length}/{limit}", style=style)


def print_step(label: str) -> None:
    out.rule(quoted(label))


# a preview shows this much of each body: a megabyte pasted by mistake must not take seconds
# to draw (the length gauge still counts all of it, and the channel gets what is sent)
PREVIEW_CHARS = 8000


def _clipped(text: str) -> str:
    if len(text) <= PREVIEW_CHARS:
        return text
    rest = len(text) - PREVIEW_CHARS
    return f"{text[:PREVIEW_CHARS]}\n… {rest} more characters, not shown in this preview"


def print_preview(plan: Plan, *, full: bool = False) -> None:
    """Exactly what each channel will receive, with its length against the channel's limit."""
    incident = plan.incident
    out.print(
        f"[bold]{quoted(incident.id)}[/] · {quoted(incident.severity)} · {plan.stage.value} · "
        f"{quoted(incident.title, one_line=True)}"
    )
    print_preview_messages(plan, full=full)


# a panel's title names this many of the channels that get the same message, then counts
PANEL_NAMES = 3


def print_preview_messages(plan: Plan, *, full: bool = False) -> None:
    """One panel per message: channels of one type that get the same one share it (50
    webhooks of one playbook, one panel: what differs is what a reader must see), each of
    them named (the first in its title, the others under it)."""
    panels: dict[tuple[Any, ...], list[Delivery]] = {}
    for delivery in plan.deliveries:
        message = delivery.message
        shown = (
            delivery.channel_type,
            message.subject,
            message.text,
            message.html,
            plan.rendered.lengths.get(delivery.channel, (len(message.text), None)),
            plan.rendered.notes.get(delivery.channel),
            plan.rendered.kept.get(delivery.channel),
        )
        panels.setdefault(shown, []).append(delivery)
    for (kind, subject, text, html, (length, limit), note, kept), sharing in panels.items():
        parts: list[Any] = []
        if subject is not None:
            parts.append(literal(f"Subject: {subject}\n", "bold"))
        parts.append(literal(_clipped(text)))
        if html and full:
            parts.append(literal("\n--- HTML part ---\n" + _clipped(html), "dim"))
        elif html:
            parts.append(Text(f"\n+ HTML part ({len(html)} bytes)", style="dim"))
        names = ", ".join(d.channel for d in sharing[:PANEL_NAMES])
        if len(sharing) > PANEL_NAMES:
            names += f" and {len(sharing) - PANEL_NAMES} more"
        each = f", {len(sharing)} channels" if len(sharing) > 1 else ""
        title = Text.assemble(
            literal(f"{names} ({kind}{each}) "),
            _gauge(length, limit),
            literal(f" · {note}", "dim") if note else "",
            literal(f" · {kept}", "cyan") if kept else "",
        )
        out.print(Panel(Group(*parts), title=title, title_align="left", expand=False))
        if len(sharing) > PANEL_NAMES:  # every channel is named before the question
            rest = ", ".join(d.channel for d in sharing[PANEL_NAMES:])
            out.print(literal(f"  the {len(sharing) - PANEL_NAMES} more: {rest}", "dim"))
    for target in plan.disabled:
        out.print(literal(f"{target.channel} ({target.type}): disabled in the playbook", "dim"))
    if not plan.deliveries:
        out.print("[yellow]no enabled channel receives this stage: recorded only[/]")


def print_publish_preview(preview: Preview) -> None:
    """The preview of a sending command: messages, missing variables, and for a dry run the
    request bodies."""
    print_preview(preview.plan, full=preview.dry_run)
    for warning in preview.hidden:
        print_warning(warning)
    if preview.provisional:
        out.print(
            "[dim]times in these messages are for now: if the minute changes before you "
            "answer, they are computed again for the moment of sending[/]"
        )
    print_missing_variables(preview.missing)
    if preview.dry_run:
        print_payloads(preview.payloads)


def print_document(title: str, text: str) -> None:
    """A document as it will go out (the public postmortem), literally, in a panel."""
    out.print(Panel(Text(_clipped(text)), title=literal(title), title_align="left", expand=False))


def print_missing_variables(missing: dict[str, list[str]]) -> None:
    """Channels whose delivery will fail for want of an environment variable."""
    for channel, names in missing.items():
        variables = ", ".join(names)
        out.print(
            f"[bold red]![/] {quoted(channel)}: {quoted(variables)} not set in the environment: "
            "this delivery will fail (`incidentctl retry` re-sends it once set)"
        )


def print_payloads(payloads: dict[str, Any]) -> None:
    """The JSON bodies as they would be posted (blocks, cards, webhook documents)."""
    for channel, body in payloads.items():
        title = literal(f"{channel}: request body")
        shown = Text(_clipped(json_text(body)))
        out.print(Panel(shown, title=title, title_align="left", expand=False))


# the live progress table on screen, if any: a question must not be drawn under it
_live: list[Any] = []


@contextmanager
def paused_progress() -> Iterator[None]:
    """Take the live progress table off the screen while the user answers a question."""
    live = _live[-1] if _live else None
    if live is None or not live.is_started:
        yield
        return
    live.stop()
    try:
        yield
    finally:
        live.start()


@contextmanager
def live_progress(deliveries: Sequence[Delivery]) -> Iterator[ProgressCallback | None]:
    """A live table (channel, state, attempt, elapsed) on a terminal; nothing otherwise."""
    if not err.is_terminal:
        yield None
        return
    from rich.live import Live

    lock = threading.Lock()
    started = time.monotonic()

    # channel -> (state, attempt, seconds taken once settled; None while still going)
    rows: dict[str, tuple[str, int, float | None]] = {
        d.channel: ("pending", 0, None) for d in deliveries
    }

    class Board:
        """Drawn anew at every refresh, so the elapsed time of a slow send keeps counting."""

        def __rich__(self) -> Table:
            now = time.monotonic() - started
            table = Table(title="Sending", title_justify="left")
            for column in ("channel", "state", "attempt", "elapsed"):
                table.add_column(column)
            with lock:
                current = list(rows.items())
            for channel, (state, attempt, took) in current:
                table.add_row(
                    literal(channel),
                    Text(state, style=STATE_STYLE.get(state, "")),
                    str(attempt),
                    f"{now if took is None else took:.1f}s",
                )
            return table

    # the console channel prints on stdout: on the same terminal it must appear above the
    # table, not be drawn over by it
    redirect = sys.stdout.isatty()
    with Live(
        Board(),
        console=err,
        refresh_per_second=8,
        transient=True,
        redirect_stdout=redirect,
        redirect_stderr=False,
    ) as live:

        def progress(
            delivery: Delivery, state: DeliveryState, attempt: int, error: str | None
        ) -> None:
            settled = state.value in ("sent", "failed", "uncertain")
            with lock:
                rows[delivery.channel] = (
                    state.value,
                    attempt,
                    time.monotonic() - started if settled else None,
                )

        _live.append(live)
        try:
            yield progress
        finally:
            _live.remove(live)


def _delivery_table(
    deliveries: Sequence[Delivery], disabled: Sequence[Target], *, retried: bool = False
) -> Table:
    """One row per delivery; a retry spans incidents and stages, so it shows both."""
    table = Table(title="Deliveries", title_justify="left")
    leading = ("incident", "stage") if retried else ()
    for column in (*leading, "channel", "type", "state", "tries", "where / why"):
        table.add_column(column, overflow="fold")
    for d in deliveries:
        detail = d.error if d.error else (d.link or d.remote_id or "")
        table.add_row(
            *((literal(d.incident_id), d.stage.value) if retried else ()),
            literal(d.channel),
            literal(d.channel_type),
            Text(d.state.value, style=STATE_STYLE.get(d.state.value, "")),
            str(d.attempts),
            literal(detail),
        )
    for target in disabled:
        table.add_row(
            literal(target.channel),
            literal(target.type),
            Text("disabled", style="dim"),
            "0",
            "enabled: false in the playbook",
        )
    return table


def print_delivery_table(report: DeliveryReport, disabled: Sequence[Target]) -> None:
    out.print(_delivery_table(report.deliveries, disabled))


def print_report(
    ws: Workspace,
    incident: Incident,
    report: DeliveryReport,
    disabled: Sequence[Target],
    closing: str = "resolved: write the review with `incidentctl postmortem`",
) -> None:
    from incidentctl.model.durations import format_duration

    print_delivery_table(report, disabled)
    out.print(f"incident [bold]{quoted(incident.id)}[/] · {incident.status.value}")
    if incident.next_update_due is not None:
        tz = ws.playbook.organization.tz
        due = incident.next_update_due.astimezone(tz)
        # a countdown rounds up: "in 1h00m", not "in 59m", right after sending
        seconds = math.ceil((incident.next_update_due - ws.now()).total_seconds() / 60) * 60
        left = format_duration(timedelta(seconds=seconds))
        out.print(
            f"next update due by [bold]{due:%H:%M}[/] ({ws.playbook.organization.timezone}"
            f", in {left}) — send one even if nothing changed"
        )
    else:
        out.print(literal(closing))
    sys.stdout.flush()


def print_unsettled(deliveries: Sequence[Delivery]) -> None:
    """What `retry` would do, for --dry-run."""
    if not deliveries:
        out.print("nothing to retry: every delivery is settled")
        return
    table = Table(title="Would retry", title_justify="left")
    for column in ("incident", "channel", "stage", "state", "tries", "last error"):
        table.add_column(column, overflow="fold")
    for d in deliveries:
        table.add_row(
            literal(d.incident_id),
            literal(d.channel),
            d.stage.value,
            d.state.value,
            str(d.attempts),
            literal(d.error or ""),
        )
    out.print(table)


def print_retry(report: DeliveryReport) -> None:
    if not report.deliveries and not report.held:
        out.print("nothing to retry: every delivery is settled")
        return
    if report.deliveries:
        done = sorted(report.deliveries, key=lambda d: d.id or 0)  # as recorded
        out.print(_delivery_table(done, [], retried=True))
    for d in report.held:
        out.print(
            f"[yellow]uncertain[/] {quoted(d.incident_id)} {quoted(d.channel)}: "
            f"{quoted(d.error or '')} — "
            "check the channel, then `incidentctl retry --resend-uncertain` if it is not "
            "there"
        )


def print_scaffold(result: ScaffoldResult) -> None:
    for path in result.written:
        out.print(f"wrote {quoted(path)}")
    for path in result.skipped:
        out.print(f"[yellow]kept[/] {quoted(path)} (exists)")
    out.print(
        "next: edit incidentctl.yaml, then `incidentctl lint` and "
        "`incidentctl declare <severity> --title …`"
    )

"""Maintenance windows on the terminal: the notices' preview, the list, one window."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from incidentctl.output.shown import literal, quoted
from incidentctl.output.tables import _table

if TYPE_CHECKING:
    from incidentctl.app.maintenance import MaintenanceDone, MaintenancePlan
    from incidentctl.model.maintenance import Maintenance, MaintenanceNotice


def _time(moment: datetime | None, tz: tzinfo) -> str:
    return "" if moment is None else f"{moment.astimezone(tz):%Y-%m-%d %H:%M %Z}"


def print_plan_preview(plan: MaintenancePlan) -> None:
    """Exactly what each channel will receive, with its length against the channel's limit."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    from incidentctl.output.messages import _clipped, _gauge, out

    item = plan.item
    out.print(
        f"[bold]{quoted(item.id)}[/] · maintenance · {plan.stage.value} · "
        f"{quoted(item.title, one_line=True)}"
    )
    for notice in plan.notices:
        delivery = notice.delivery
        length, limit = plan.rendered.lengths.get(
            delivery.channel, (len(delivery.message.text), None)
        )
        parts: list[Any] = []
        if delivery.message.subject is not None:
            parts.append(literal(f"Subject: {delivery.message.subject}\n", "bold"))
        parts.append(literal(_clipped(delivery.message.text)))
        if delivery.message.html:
            parts.append(Text(f"\n+ HTML part ({len(delivery.message.html)} bytes)", style="dim"))
        title = Text.assemble(
            literal(f"{delivery.channel} ({delivery.channel_type}) "), _gauge(length, limit)
        )
        out.print(Panel(Group(*parts), title=title, title_align="left", expand=False))
    if not plan.notices:
        out.print("[yellow]no enabled channel receives this stage: recorded only[/]")


def print_done(done: MaintenanceDone, tz: ZoneInfo) -> None:
    from incidentctl.output.messages import _delivery_table, out

    if done.report.deliveries:
        out.print(_delivery_table(done.report.deliveries, []))
    item = done.item
    out.print(
        f"maintenance [bold]{quoted(item.id)}[/] · {item.status.value} · "
        f"{_time(item.scheduled_for, tz)} → {_time(item.scheduled_until, tz)}"
    )
    if done.overrun_incident:
        out.print(
            f"[red]the window overran its end[/]: incident [bold]{quoted(done.overrun_incident)}"
            "[/] declared (see `incidentctl show`)"
        )


def print_would_overrun(items: Sequence[Maintenance], tz: tzinfo) -> None:
    """A dry run's overruns: the windows `remind` would record as past their end."""
    from incidentctl.output.messages import out

    for item in items:
        declare = (
            f": would declare a {quoted(item.severity_if_overrun)} incident"
            if item.severity_if_overrun and not item.overrun_incident
            else ""
        )
        out.print(
            f"maintenance [bold]{quoted(item.id)}[/] would overrun its end "
            f"({_time(item.scheduled_until, tz)}){declare}"
        )


def print_list(items: Sequence[Maintenance], tz: tzinfo) -> None:
    """The windows, soonest first: plain columns when piped, a table on a terminal."""
    rows = [
        [
            item.id,
            item.status.value,
            _time(item.scheduled_for, tz),
            _time(item.scheduled_until, tz),
            ", ".join(item.components),
            item.title,
        ]
        for item in items
    ]
    _table(
        "Maintenance",
        ["ID", "STATUS", "START", "END", "COMPONENTS", "TITLE"],
        rows,
        "no maintenance windows (schedule one with `incidentctl maintenance schedule`)",
    )


def print_window(item: Maintenance, notices: Sequence[MaintenanceNotice], tz: tzinfo) -> None:
    """One window: its times, components, history and deliveries."""
    from rich.text import Text

    from incidentctl.output.messages import _delivery_table, out

    out.print(f"[bold]{quoted(item.id)}[/] · {item.status.value} · {quoted(item.title)}")
    rows = [
        ("window", f"{_time(item.scheduled_for, tz)} → {_time(item.scheduled_until, tz)}"),
        ("components", ", ".join(item.components)),
        ("impact", item.impact),
        ("started", _time(item.started_at, tz)),
        ("ended", _time(item.ended_at, tz)),
        ("overran since", _time(item.overran_at, tz)),
        ("overrun incident", item.overrun_incident),
        ("reminders sent", ", ".join(item.reminders_sent)),
        ("back to", ", ".join(f"{k}={v.value}" for k, v in item.previous.items())),
    ]
    for label, value in rows:
        if value:
            out.print(Text.assemble(Text(f"{label}: ", style="dim"), literal(value)))
    for entry in item.history:
        at = datetime.fromisoformat(entry["at"])
        line = f"{_time(at, tz)}  {entry['stage']}"
        if entry.get("message"):
            line += f"  {entry['message']}"
        out.print(literal(line))
    if notices:
        out.print(_delivery_table([n.delivery for n in notices], []))

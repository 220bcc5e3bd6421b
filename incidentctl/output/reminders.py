"""Output of `remind`: plain lines (cron mails them, CI logs keep them), nothing when nothing
was due."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from incidentctl.model.text import visible

if TYPE_CHECKING:
    from incidentctl.app.reminders.run import Reminded, RemindReport
    from incidentctl.model.records import Delivery

LABELS = {
    "due_soon": "update due soon",
    "overdue": "update overdue",
    "auto_update": "silent too long: automatic update",
}


def _channels(deliveries: Sequence[Delivery], dry_run: bool) -> str:
    if dry_run:
        return ", ".join(d.channel for d in deliveries) or "no channel"
    return ", ".join(f"{d.channel} {d.state.value}" for d in deliveries) or "no channel"


def reminder_lines(item: Reminded, dry_run: bool) -> list[str]:
    """What one reminder did (or would do), its message indented below."""
    verb = "would remind" if dry_run else "reminded"
    kind = item.due.kind.value
    lines = [
        f"{item.due.incident.id}: {LABELS.get(kind, kind)}: {verb} "
        f"{_channels(item.deliveries, dry_run)}"
    ]
    if item.update:
        posted = "would post" if dry_run else "posted"
        lines.append(f"  {posted} the update to {_channels(item.update, dry_run)}")
    if item.deliveries:
        lines += [
            f"  {line}" if line else "" for line in item.deliveries[0].message.text.split("\n")
        ]
    return [visible(line) for line in lines]


def print_reminders(report: RemindReport) -> None:
    for item in report.reminded:
        print("\n".join(reminder_lines(item, report.dry_run)))

"""What is due now: each reminder source lists the reminders it has for this moment.

A source is a function of the workspace and the moment; `SOURCES` is every one `remind` asks,
in order. Open incidents' cadence is the first; another kind of due reminder (a maintenance
window about to start) is one more function in the tuple.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from incidentctl.app.queries import update_timing
from incidentctl.app.workspace import Workspace
from incidentctl.model.records import Incident
from incidentctl.model.reminders import ReminderKind, ReminderMark
from incidentctl.playbook.schema import Playbook


@dataclass(frozen=True)
class DueReminder:
    """One reminder due now: of which incident, which kind, for which slot (see
    `ReminderMark`), and the incident as it stood when it was found due."""

    incident: Incident
    kind: ReminderKind
    slot: datetime

    def mark(self, at: datetime) -> ReminderMark:
        return ReminderMark(self.incident.id, self.kind, self.slot, at)


ReminderSource = Callable[[Workspace, datetime], list[DueReminder]]


def incident_due(playbook: Playbook, incident: Incident, now: datetime) -> DueReminder | None:
    """The reminder an open incident has at `now`, if any: a silence past the severity's
    `auto_update_after` (it beats the rest: the update it posts resets the cadence), else an
    update overdue (one per `reminders.every` after the due time), else due within
    `reminders.before`."""
    severity = playbook.severity(incident.severity)
    silence = severity.auto_update_delay if severity is not None else None
    if incident.is_open and silence is not None and now - incident.updated_at >= silence:
        return DueReminder(incident, ReminderKind.AUTO_UPDATE, incident.updated_at)
    settings = playbook.reminders
    timing = update_timing(incident, now)
    if timing.due is None or not settings.channels:
        return None
    if timing.overdue:
        slots = (now - timing.due) // settings.interval
        return DueReminder(incident, ReminderKind.OVERDUE, timing.due + slots * settings.interval)
    if timing.due - now <= settings.lead_time:
        return DueReminder(incident, ReminderKind.DUE_SOON, timing.due)
    return None


def open_incidents_due(ws: Workspace, now: datetime) -> list[DueReminder]:
    """The open incidents of the playbook's organization, oldest first, that have a reminder."""
    incidents = ws.store.list_incidents(open_only=True, organization=ws.organization)
    found = (incident_due(ws.playbook, i, now) for i in reversed(incidents))
    return [due for due in found if due is not None]


def whole_minutes(delta: timedelta, *, up: bool = False) -> timedelta:
    """In whole minutes, at least one: rounded up for what is still to come ("due in 5 min"
    right after the minute turns), down for what has passed ("overdue by 7 min")."""
    seconds = int(delta.total_seconds())
    minutes = -(-seconds // 60) if up else seconds // 60
    return timedelta(minutes=max(1, minutes))


SOURCES: tuple[ReminderSource, ...] = (open_incidents_due,)

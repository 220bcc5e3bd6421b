"""What `incidentctl remind` remembers: one row per incident, kind of reminder and due slot."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class ReminderKind(enum.StrEnum):
    # the next update is due soon (the playbook's `reminders.before`)
    DUE_SOON = "due_soon"
    # the next update is overdue: once per `reminders.every` slot after the due time
    OVERDUE = "overdue"
    # the commander stayed silent past the severity's `auto_update_after`: a "still working
    # on it" update went out, and the reminder channels were told
    AUTO_UPDATE = "auto_update"


@dataclass(frozen=True)
class ReminderMark:
    """A reminder that went out (or is going out): the store refuses a second one with the
    same incident, kind and slot, so two runs in the same minute, or on two machines, send one.

    `slot` is the instant the reminder is for: the due time (due soon), the due time plus a
    whole number of `every` (overdue), the last public update (auto-update: once per silence).
    """

    incident_id: str
    kind: ReminderKind
    slot: datetime
    at: datetime

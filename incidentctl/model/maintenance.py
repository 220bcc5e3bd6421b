"""Scheduled maintenance: a planned window of works on some components, announced ahead.

A window goes scheduled → in_progress → completed (or is cancelled before or while it runs);
each step, and each reminder before it starts, is a notice with its own message templates.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from incidentctl.model.records import ComponentStatus, Delivery, Stage


class MaintenanceStatus(enum.StrEnum):
    """Where a window stands (Statuspage's scheduled-incident statuses, plus cancelled)."""

    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class NoticeStage(enum.StrEnum):
    """What a maintenance message announces; each has its templates and its `notify:` list."""

    SCHEDULED = "scheduled"
    REMINDER = "reminder"
    IN_PROGRESS = "in_progress"
    EXTENDED = "extended"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    # the end moved before the works began (`extend` on a window not started)
    RESCHEDULED = "rescheduled"


# the incident stage a notice travels as, for what channels read of it without knowing
# maintenance (a webhook's `stage`, a chat colour): announced, under way, over
NOTICE_AS_STAGE = {
    NoticeStage.SCHEDULED: Stage.IDENTIFIED,
    NoticeStage.REMINDER: Stage.IDENTIFIED,
    NoticeStage.IN_PROGRESS: Stage.MONITORING,
    NoticeStage.EXTENDED: Stage.MONITORING,
    NoticeStage.COMPLETED: Stage.RESOLVED,
    NoticeStage.CANCELLED: Stage.RESOLVED,
    NoticeStage.RESCHEDULED: Stage.IDENTIFIED,
}


@dataclass
class Maintenance:
    """One maintenance window as it stands now; `history` lists its notices, oldest first."""

    id: str
    title: str
    status: MaintenanceStatus
    scheduled_for: datetime
    # the end as announced now (moved by `extend`)
    scheduled_until: datetime
    components: list[str]
    created_at: datetime
    updated_at: datetime
    impact: str = ""
    # an incident of this severity is declared when the window overruns ("": none)
    severity_if_overrun: str = ""
    started_at: datetime | None = None
    # when it ended (completed or cancelled)
    ended_at: datetime | None = None
    # the end that had passed while the works still ran: from then on it is downtime
    overran_at: datetime | None = None
    # the incident declared for the overrun
    overrun_incident: str = ""
    # component -> its status when the works started (what it goes back to)
    previous: dict[str, ComponentStatus] = field(default_factory=dict)
    # the reminders already sent, by lead time as the playbook writes it ("7d", "1h")
    reminders_sent: list[str] = field(default_factory=list)
    # [{"stage": …, "at": ISO time, "message": …}] oldest first
    history: list[dict[str, str]] = field(default_factory=list)
    threads: dict[str, str] = field(default_factory=dict)
    uid: str = ""
    organization: str = ""
    timezone: str = ""
    version: int = 0

    @property
    def is_over(self) -> bool:
        return self.status in (MaintenanceStatus.COMPLETED, MaintenanceStatus.CANCELLED)

    def overrun_end(self, now: datetime) -> datetime:
        """Until when the overrun lasted (or lasts)."""
        return self.ended_at if self.ended_at is not None else now


@dataclass(frozen=True)
class MaintenanceSnapshot:
    """The window as a notice announced it: what channels that know maintenance read."""

    id: str
    title: str
    stage: NoticeStage
    status: MaintenanceStatus
    scheduled_for: datetime
    scheduled_until: datetime
    components: tuple[str, ...] = ()
    impact: str = ""
    message: str = ""
    # the playbook's lead times of reminders: Statuspage reminds subscribers itself
    reminds: bool = False
    # Statuspage moves the window to in progress and completed by itself
    auto_transitions: bool = False
    uid: str = ""
    # component -> its status once the works are over (an open incident's, else operational)
    after: Mapping[str, ComponentStatus] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "stage": self.stage.value,
            "status": self.status.value,
            "scheduled_for": self.scheduled_for.isoformat(),
            "scheduled_until": self.scheduled_until.isoformat(),
            "components": list(self.components),
            "impact": self.impact,
            "message": self.message,
            "reminds": self.reminds,
            "auto_transitions": self.auto_transitions,
            "uid": self.uid,
            "after": {name: status.value for name, status in self.after.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MaintenanceSnapshot:
        """Read back `to_json()`'s dict; KeyError or ValueError for anything else."""
        return cls(
            id=str(data["id"]),
            title=str(data.get("title") or ""),
            stage=NoticeStage(data["stage"]),
            status=MaintenanceStatus(data["status"]),
            scheduled_for=datetime.fromisoformat(data["scheduled_for"]),
            scheduled_until=datetime.fromisoformat(data["scheduled_until"]),
            components=tuple(str(c) for c in data.get("components") or ()),
            impact=str(data.get("impact") or ""),
            message=str(data.get("message") or ""),
            reminds=bool(data.get("reminds")),
            auto_transitions=bool(data.get("auto_transitions")),
            uid=str(data.get("uid") or ""),
            after={str(k): ComponentStatus(v) for k, v in (data.get("after") or {}).items()},
        )


@dataclass
class MaintenanceNotice:
    """One notice × channel: the delivery (sent by the same engine as incidents'), the stage
    it announces and the window as it then stood."""

    delivery: Delivery
    stage: NoticeStage
    snapshot: MaintenanceSnapshot

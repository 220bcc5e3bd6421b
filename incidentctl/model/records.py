"""The records incidentctl keeps: incidents, timeline events and deliveries."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple


class Stage(enum.StrEnum):
    """The public status of an incident; each stage has its own message templates."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


OPEN_STAGES = (Stage.INVESTIGATING, Stage.IDENTIFIED, Stage.MONITORING)


class MessageStage(enum.StrEnum):
    """Messages that are no status of their own, with templates of their own beside the
    stages' (`correction.chat.j2`): a correction of a message that cannot be edited, and the
    notice that a resolved incident came back."""

    CORRECTION = "correction"
    REOPENED = "reopened"


# what a message's templates are named after
TemplateStage = Stage | MessageStage


class ComponentStatus(enum.StrEnum):
    OPERATIONAL = "operational"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"
    UNDER_MAINTENANCE = "under_maintenance"


class EventKind(enum.StrEnum):
    DECLARED = "declared"
    UPDATE = "update"
    STATUS_CHANGE = "status_change"
    SEVERITY_CHANGE = "severity_change"
    ROLE_CHANGE = "role_change"
    COMPONENT_CHANGE = "component_change"
    RESOLVED = "resolved"
    POSTMORTEM_WRITTEN = "postmortem_written"
    # an internal note: never sent
    NOTE = "note"
    # the last message on each channel corrected (edited in place, or a correction posted)
    CORRECTION = "correction"
    # a resolved incident came back
    REOPENED = "reopened"
    # `incidentctl remind` told the internal channels an update is due or overdue: internal,
    # never a message to the outside world
    REMINDER = "reminder"
    # a customer's ticket or call linked to the incident by the support desk: internal only
    CUSTOMER_REPORT = "customer_report"
    POSTMORTEM_PUBLISHED = "postmortem_published"


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNCERTAIN = "uncertain"
    # a later delivery on the same channel for the same incident replaces it: not sent (a
    # stale stage re-posted after the incident moved on would mislead)
    SUPERSEDED = "superseded"


@dataclass
class Incident:
    """One incident as it stands now; its history is the timeline."""

    id: str
    title: str
    severity: str
    status: Stage
    declared_at: datetime
    updated_at: datetime
    impact: str = ""
    workaround: str = ""
    eta: str = ""
    category: str = ""
    components: dict[str, ComponentStatus] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    next_update_due: datetime | None = None
    resolved_at: datetime | None = None
    # first remote id per channel, so updates thread under the first message
    threads: dict[str, str] = field(default_factory=dict)
    # globally unique key (ids are per store: two machines both have INC-…-0001); services
    # that keep metadata (Statuspage) are matched on it
    uid: str = ""
    # the playbook's organization that declared it, and its timezone for times shown
    organization: str = ""
    timezone: str = ""
    # what the responders confirmed about customers' data: True (nothing suggests it is
    # affected: messages may say so), False (it is, or may be), None (nobody knows yet). No
    # column holds it: the timeline does (`data_safe` in the data of the declared event and of
    # any update that changes it), read back by `recorded_data_safe`
    data_safe: bool | None = None
    # the stored row's version when this copy was read: every write of the row must name it
    # and fails when another writer stored a newer one meanwhile (`IncidentChanged`)
    version: int = 0
    # when users were first affected (`declare --started-at`); None: at the declaration. The
    # figures (`stats`) measure every duration from it
    impact_started_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status is not Stage.RESOLVED

    @property
    def impact_start(self) -> datetime:
        """When users were first affected: the recorded impact start, else the declaration."""
        return self.impact_started_at or self.declared_at


@dataclass
class TimelineEvent:
    """An append-only entry of an incident's history."""

    incident_id: str
    kind: EventKind
    at: datetime
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


# in the data of a `resolved` event whose severity requires a public postmortem
POSTMORTEM_REQUIRED_KEY = "postmortem_required"

# what the figures and the uptime read of an event's data, and in which kinds: a change's
# `to`, the declared severity and components, the changed component, a resolution's
# postmortem requirement (`Moment`'s fields)
MOMENT_KEYS: dict[str, tuple[EventKind, ...]] = {
    "to": (EventKind.STATUS_CHANGE, EventKind.SEVERITY_CHANGE, EventKind.COMPONENT_CHANGE),
    "severity": (EventKind.DECLARED,),
    "components": (EventKind.DECLARED,),
    "component": (EventKind.COMPONENT_CHANGE,),
    # whether the severity required a public postmortem (`status` lists those owed)
    POSTMORTEM_REQUIRED_KEY: (EventKind.RESOLVED,),
}


class Moment(NamedTuple):
    """A timeline event as `stats` reads a hundred thousand of them: its columns as stored, and
    of its data only what `MOMENT_KEYS` names for its kind, picked by the database (no message,
    no snapshot). Nothing is parsed: the reader parses the few it looks at."""

    incident_id: str
    kind: str  # an `EventKind` value
    at: str  # ISO 8601, in UTC with its offset
    to: str | None
    severity: str | None
    components: str | None  # a JSON object: component -> status
    component: str | None
    # JSON true as the database reads it out (SQLite 1, PostgreSQL 'true'); None when absent
    postmortem_required: str | int | None = None

    @property
    def requires_postmortem(self) -> bool:
        return self.postmortem_required in (1, "1", "true")


class IncidentHead(NamedTuple):
    """What a rebuild of the status site asks of every incident of the history before it reads
    any in full: enough to tell which changed, which are in the last 90 days and which are
    among the latest of a component, and to list it on a history page. Times are the stored
    text (ISO 8601, UTC, microseconds: they sort as the moments they name); nothing is
    parsed."""

    id: str
    version: int
    open: bool
    declared_at: str
    resolved_at: str | None
    components: tuple[str, ...]
    # with `declared_at`, the order incidents are listed in (`day` as stored: 2026-11-20)
    day: str
    seq: int
    # the store-wide counter its row had when last written (`Store.incident_revision`)
    revision: int = 0
    # its title and stage (`investigating` … `resolved`), as a history's line shows them
    title: str = ""
    stage: str = ""

    @property
    def rank(self) -> tuple[str, str, int]:
        """Sorts as `Store.list_incidents` lists: the most recently declared last."""
        return self.declared_at, self.day, self.seq


DATA_SAFE_KEY = "data_safe"


def recorded_data_safe(events: Sequence[TimelineEvent], default: bool | None = None) -> bool | None:
    """The data safety the latest event recording one says (`default` when none does)."""
    for event in reversed(events):
        if DATA_SAFE_KEY in event.data:
            value = event.data[DATA_SAFE_KEY]
            return value if isinstance(value, bool) else None
    return default


@dataclass
class RenderedMessage:
    """Exactly what goes out on one channel: the preview shows these bytes."""

    text: str
    subject: str | None = None
    html: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"subject": self.subject, "text": self.text, "html": self.html}


@dataclass
class Delivery:
    """One event × channel: written before sending so nothing meant to go out is lost."""

    incident_id: str
    channel: str
    channel_type: str
    stage: Stage
    message: RenderedMessage
    payload_hash: str
    state: DeliveryState = DeliveryState.PENDING
    attempts: int = 0
    remote_id: str | None = None
    link: str | None = None
    error: str | None = None
    event_id: int | None = None
    id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    sent_at: datetime | None = None
    # per-recipient progress of a multi-recipient send (SMS numbers, e-mail batches already
    # done), saved before moving on so a retry sends only to those not reached
    progress: dict[str, Any] = field(default_factory=dict)

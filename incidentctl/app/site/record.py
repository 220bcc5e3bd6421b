"""What the status site shows, read from the store: public incidents and their public updates.

An update is public when one of its deliveries went to a channel whose audience is `public`:
an update sent only to internal channels never reaches the site, nor does an incident none of
whose messages went to a public channel (its component history included).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from incidentctl.app.site.uptime import Segment, segments
from incidentctl.model.records import (
    ComponentStatus,
    EventKind,
    Incident,
    Stage,
    TimelineEvent,
)
from incidentctl.playbook.schema import Playbook
from incidentctl.store.base import Store

SPOKEN = (EventKind.DECLARED, EventKind.UPDATE, EventKind.RESOLVED)


@dataclass(frozen=True)
class Change:
    """A component's status as one update moved it."""

    component: str
    old: ComponentStatus
    new: ComponentStatus


@dataclass(frozen=True)
class PublicUpdate:
    id: int
    at: datetime
    stage: Stage
    message: str
    changes: tuple[Change, ...] = ()


@dataclass
class SiteIncident:
    incident: Incident
    # oldest first
    updates: list[PublicUpdate]
    segments: list[Segment]
    postmortem_url: str | None = None

    @property
    def id(self) -> str:
        return self.incident.id

    @property
    def updated_at(self) -> datetime:
        return self.updates[-1].at if self.updates else self.incident.declared_at


@dataclass
class SiteRecord:
    """Everything a build reads, taken once so every page agrees."""

    playbook: Playbook
    now: datetime
    # most recently declared first
    incidents: list[SiteIncident] = field(default_factory=list)

    @property
    def active(self) -> list[SiteIncident]:
        return [i for i in self.incidents if i.incident.is_open]

    def current_status(self) -> dict[str, ComponentStatus]:
        """Every playbook component's status now: the worst an open incident gives it."""
        from incidentctl.app.site.uptime import worst

        return {
            name: worst(
                i.incident.components.get(name, ComponentStatus.OPERATIONAL) for i in self.active
            )
            for name in self.playbook.components
        }


def public_channels(playbook: Playbook) -> set[str]:
    return {name for name, c in playbook.channels.items() if c.audience == "public"}


def public_updates(
    events: Sequence[TimelineEvent], said: dict[int, Stage], before: dict[str, ComponentStatus]
) -> list[PublicUpdate]:
    """The events that went to a public channel (`said`: event id -> the stage it announced),
    with the component changes recorded with them."""
    found: list[PublicUpdate] = []
    status = dict(before)
    pending: list[Change] = []
    for event in events:
        if event.kind is EventKind.DECLARED:
            for name, value in (event.data.get("components") or {}).items():
                new = ComponentStatus(value)
                pending.append(Change(str(name), ComponentStatus.OPERATIONAL, new))
                status[str(name)] = new
        elif event.kind is EventKind.COMPONENT_CHANGE:
            name = str(event.data["component"])
            new = ComponentStatus(event.data["to"])
            pending.append(Change(name, status.get(name, ComponentStatus.OPERATIONAL), new))
            status[name] = new
        elif event.kind is EventKind.RESOLVED:
            for name, old in status.items():
                if old is not ComponentStatus.OPERATIONAL:
                    pending.append(Change(name, old, ComponentStatus.OPERATIONAL))
            status = dict.fromkeys(status, ComponentStatus.OPERATIONAL)
        if event.kind in SPOKEN:
            if event.id is not None and event.id in said:
                found.append(
                    PublicUpdate(event.id, event.at, said[event.id], event.message, tuple(pending))
                )
            pending = []
    return found


def read_record(store: Store, playbook: Playbook, now: datetime) -> SiteRecord:
    """The public part of the organization's history, as the site shows it."""
    public = public_channels(playbook)
    said: dict[str, dict[int, Stage]] = {}
    for delivery in store.deliveries(organization=playbook.organization.name):
        if delivery.channel in public and delivery.event_id is not None:
            said.setdefault(delivery.incident_id, {})[delivery.event_id] = delivery.stage
    record = SiteRecord(playbook, now)
    for incident in store.list_incidents(organization=playbook.organization.name):
        if incident.id not in said:
            continue
        events = store.timeline(incident.id)
        updates = public_updates(events, said[incident.id], {})
        if not updates:
            continue
        postmortem = next(
            (
                str(e.data["url"])
                for e in reversed(events)
                if e.kind is EventKind.POSTMORTEM_WRITTEN and e.data.get("url")
            ),
            None,
        )
        record.incidents.append(
            SiteIncident(incident, updates, segments(incident, events, now), postmortem)
        )
    return record

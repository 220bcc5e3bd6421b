"""Incidents written straight into a store at exact times, for figures computed by hand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from incidentctl.model.records import (
    ComponentStatus,
    Delivery,
    DeliveryState,
    EventKind,
    Incident,
    RenderedMessage,
    Stage,
    TimelineEvent,
)
from incidentctl.store.base import Store


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Recorder:
    """Writes incidents, events and deliveries with the times a test gives."""

    store: Store
    organization: str = "Acme Cloud"
    seq: int = 0

    def declare(
        self,
        severity: str,
        at: datetime,
        *,
        started: datetime | None = None,
        components: Mapping[str, str] | None = None,
        told: Mapping[str, tuple[DeliveryState, datetime | None]] | None = None,
        title: str = "Calls fail",
    ) -> Incident:
        """A declared incident; `told`: channel -> (state, sent_at) of its first message."""
        self.seq += 1
        parts = {k: ComponentStatus(v) for k, v in (components or {}).items()}
        incident = Incident(
            id=f"INC-{at:%Y%m%d}-{self.seq:04d}",
            title=title,
            severity=severity,
            status=Stage.INVESTIGATING,
            declared_at=at,
            updated_at=at,
            components=parts,
            organization=self.organization,
            timezone="Europe/Paris",
            impact_started_at=started,
        )
        event = TimelineEvent(
            incident.id,
            EventKind.DECLARED,
            at,
            data={"severity": severity, "components": {k: v.value for k, v in parts.items()}},
        )
        deliveries = [self._delivery(incident, c, s, t) for c, (s, t) in (told or {}).items()]
        return self.store.create_incident(incident, event, deliveries, day=at.date(), seq=self.seq)

    def _delivery(
        self, incident: Incident, channel: str, state: DeliveryState, sent_at: datetime | None
    ) -> Delivery:
        return Delivery(
            incident_id=incident.id,
            channel=channel,
            channel_type="outbox" if channel == "outbox" else "console",
            stage=incident.status,
            message=RenderedMessage(text="We are on it."),
            payload_hash="x",
            state=state,
            sent_at=sent_at,
        )

    def event(
        self,
        incident: Incident,
        kind: EventKind,
        at: datetime,
        data: dict[str, Any] | None = None,
        told: Mapping[str, tuple[DeliveryState, datetime | None]] | None = None,
    ) -> Incident:
        event = TimelineEvent(incident.id, kind, at, data=dict(data or {}))
        incident.updated_at = at
        if kind is EventKind.RESOLVED:
            incident.status = Stage.RESOLVED
            incident.resolved_at = at
        deliveries = [self._delivery(incident, c, s, t) for c, (s, t) in (told or {}).items()]
        self.store.record(incident, [event], deliveries)
        return incident

    def update(self, incident: Incident, at: datetime, stage: Stage | None = None) -> Incident:
        """An update, moving the incident to `stage` first when given."""
        if stage is not None:
            before = incident.status
            incident.status = stage
            self.event(
                incident, EventKind.STATUS_CHANGE, at, {"from": before.value, "to": stage.value}
            )
        return self.event(incident, EventKind.UPDATE, at)

    def resolve(self, incident: Incident, at: datetime) -> Incident:
        return self.event(incident, EventKind.RESOLVED, at)

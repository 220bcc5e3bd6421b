"""The incident record as a file (`incidentctl-incident/1`): built from the store's records,
written as JSON with a fixed key order, and read back with every problem located.

Events and deliveries are numbered by their place in the incident (`n`, and a delivery's
`event`), not by the store's row ids: ids are per store, and a record imported into a store
that already holds other incidents must export byte for byte as it was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from incidentctl.model.records import (
    ComponentStatus,
    Delivery,
    DeliveryState,
    EventKind,
    Incident,
    Stage,
    TimelineEvent,
)
from incidentctl.model.text import json_controls_escaped
from incidentctl.store.rows import opt_text

RECORD_FORMAT = "incidentctl-incident/1"


@dataclass
class IncidentRecord:
    """One incident with everything kept about it, and the `(day, seq)` its id was made from."""

    incident: Incident
    timeline: list[TimelineEvent]
    deliveries: list[Delivery]
    day: date
    seq: int

    @property
    def postmortem(self) -> str | None:
        """Where the review was last written (the latest `postmortem_written` event says)."""
        for event in reversed(self.timeline):
            if event.kind is EventKind.POSTMORTEM_WRITTEN:
                path = event.data.get("path", event.message)
                return str(path) if path else None
        return None


def _incident_document(record: IncidentRecord) -> dict[str, Any]:
    incident = record.incident
    return {
        "id": incident.id,
        "uid": incident.uid,
        "version": incident.version,
        "day": record.day.isoformat(),
        "seq": record.seq,
        "organization": incident.organization,
        "timezone": incident.timezone,
        "title": incident.title,
        "severity": incident.severity,
        "status": Stage(incident.status).value,
        "category": incident.category,
        "impact": incident.impact,
        "workaround": incident.workaround,
        "eta": incident.eta,
        "declared_at": opt_text(incident.declared_at),
        "updated_at": opt_text(incident.updated_at),
        "next_update_due": opt_text(incident.next_update_due),
        "resolved_at": opt_text(incident.resolved_at),
        "components": {k: ComponentStatus(v).value for k, v in incident.components.items()},
        "roles": dict(incident.roles),
        "threads": dict(incident.threads),
    }


def _event_document(number: int, event: TimelineEvent) -> dict[str, Any]:
    return {
        "n": number,
        "kind": EventKind(event.kind).value,
        "at": opt_text(event.at),
        "message": event.message,
        "data": event.data,
    }


def _delivery_document(delivery: Delivery, event_number: int) -> dict[str, Any]:
    return {
        "event": event_number,
        "channel": delivery.channel,
        "type": delivery.channel_type,
        "stage": Stage(delivery.stage).value,
        "state": DeliveryState(delivery.state).value,
        "attempts": delivery.attempts,
        "remote_id": delivery.remote_id,
        "link": delivery.link,
        "error": delivery.error,
        "created_at": opt_text(delivery.created_at),
        "updated_at": opt_text(delivery.updated_at),
        "sent_at": opt_text(delivery.sent_at),
        "payload_hash": delivery.payload_hash,
        "message": delivery.message.as_dict(),
        "progress": delivery.progress,
    }


def record_document(record: IncidentRecord) -> dict[str, Any]:
    """The record as plain JSON values, keys in the order the file shows them."""
    numbers = {event.id: n for n, event in enumerate(record.timeline, start=1)}
    return {
        "format": RECORD_FORMAT,
        "incident": _incident_document(record),
        "postmortem": record.postmortem,
        "timeline": [_event_document(n, e) for n, e in enumerate(record.timeline, start=1)],
        "deliveries": [_delivery_document(d, numbers[d.event_id]) for d in record.deliveries],
    }


def record_json(record: IncidentRecord) -> str:
    """The record file: indented JSON, UTF-8 as written, DEL and C1 escaped, newline-ended."""
    text = json.dumps(record_document(record), ensure_ascii=False, indent=2)
    return json_controls_escaped(text) + "\n"

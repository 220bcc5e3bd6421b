"""Read-only views: list, status, show — plain data for tables and `--json`."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from incidentctl.core.models import Delivery, Incident, TimelineEvent
from incidentctl.durations import format_duration


def incident_row(incident: Incident, now: datetime) -> dict[str, Any]:
    since = now - incident.updated_at
    overdue = (
        incident.is_open and incident.next_update_due is not None and now > incident.next_update_due
    )
    return {
        "id": incident.id,
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status.value,
        "category": incident.category or None,
        "declared_at": incident.declared_at.isoformat(),
        "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
        "last_update_at": incident.updated_at.isoformat(),
        "since_last_update": format_duration(since),
        "next_update_due": (
            incident.next_update_due.isoformat() if incident.next_update_due else None
        ),
        "overdue": overdue,
        "overdue_by": (
            format_duration(now - incident.next_update_due)
            if overdue and incident.next_update_due
            else None
        ),
        "components": {k: v.value for k, v in incident.components.items()},
        "roles": dict(incident.roles),
    }


def event_row(event: TimelineEvent, tz: tzinfo) -> dict[str, Any]:
    data = {k: v for k, v in event.data.items() if k not in ("snapshot", "event")}
    return {
        "at": event.at.isoformat(),
        "local_time": event.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "kind": event.kind.value,
        "message": event.message,
        "data": data,
    }


def delivery_row(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "event_id": delivery.event_id,
        "channel": delivery.channel,
        "type": delivery.channel_type,
        "stage": delivery.stage.value,
        "state": delivery.state.value,
        "attempts": delivery.attempts,
        "remote_id": delivery.remote_id,
        "link": delivery.link,
        "error": delivery.error,
        "sent_at": delivery.sent_at.isoformat() if delivery.sent_at else None,
    }

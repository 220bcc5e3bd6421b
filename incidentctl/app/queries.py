"""Read-only views: list, status, show — plain data for tables and `--json`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from incidentctl.model.durations import format_duration
from incidentctl.model.records import Delivery, Incident, TimelineEvent
from incidentctl.store import open_store


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


def incident_rows(
    env: Mapping[str, str], *, open_only: bool = False, now: datetime | None = None
) -> list[dict[str, Any]]:
    """`list` and `status`: incidents as rows, most recent first (no playbook needed)."""
    store = open_store(None, env)
    moment = now or datetime.now(UTC)
    return [incident_row(i, moment) for i in store.list_incidents(open_only=open_only)]


def incident_details(
    env: Mapping[str, str], incident_id: str, playbook: Path | None, now: datetime | None = None
) -> dict[str, Any]:
    """`show`: the incident with its timeline in the playbook's timezone and its deliveries.

    Without a readable playbook times are shown in UTC, unless `playbook` was given explicitly.
    """
    from zoneinfo import ZoneInfo

    from incidentctl.app.lookup import find_incident
    from incidentctl.errors import PlaybookError
    from incidentctl.playbook.loader import find_playbook, load_playbook

    store = open_store(None, env)
    incident = find_incident(store, incident_id, open_only=False)
    tz: tzinfo = ZoneInfo("UTC")
    try:
        tz = load_playbook(find_playbook(playbook, env)).playbook.organization.tz
    except PlaybookError:
        if playbook is not None:
            raise
    data = incident_row(incident, now or datetime.now(UTC))
    data["timezone"] = str(tz)
    data["timeline"] = [event_row(e, tz) for e in store.timeline(incident.id)]
    data["deliveries"] = [delivery_row(d) for d in store.deliveries(incident_id=incident.id)]
    return data

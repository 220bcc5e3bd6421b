"""Records to column values and back, the same for every SQL backend.

Times are stored as UTC ISO-8601 text with microseconds (so they sort as text), mappings as
compact JSON, enums by value.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol

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

# the incident's own columns, besides `id` and the `(day, seq)` its id was made from
INCIDENT_COLUMNS = (
    "title",
    "severity",
    "status",
    "category",
    "impact",
    "workaround",
    "eta",
    "components",
    "roles",
    "threads",
    "declared_at",
    "updated_at",
    "next_update_due",
    "resolved_at",
    "uid",
    "organization",
    "timezone",
    "impact_started_at",
)
EVENT_COLUMNS = ("incident_id", "kind", "at", "message", "data")
DELIVERY_COLUMNS = (
    "event_id",
    "incident_id",
    "channel",
    "channel_type",
    "stage",
    "message",
    "payload_hash",
    "state",
    "attempts",
    "remote_id",
    "link",
    "error",
    "created_at",
    "updated_at",
    "sent_at",
    "progress",
)


class Row(Protocol):
    """A result row read by column name (`sqlite3.Row`, a DB-API dict row)."""

    def __getitem__(self, key: str, /) -> Any: ...


def to_text(value: datetime) -> str:
    """UTC ISO-8601 text with microseconds (naive datetimes are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def from_text(value: str) -> datetime:
    """Parse stored ISO-8601 text into a timezone-aware UTC datetime."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is UTC:  # as `to_text` writes: thousands are read at once
        return parsed
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def opt_text(value: datetime | None) -> str | None:
    return None if value is None else to_text(value)


def opt_time(value: str | None) -> datetime | None:
    return None if value is None else from_text(value)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def incident_values(incident: Incident) -> tuple[Any, ...]:
    """The values of `INCIDENT_COLUMNS`, in that order."""
    return (
        incident.title,
        incident.severity,
        Stage(incident.status).value,
        incident.category,
        incident.impact,
        incident.workaround,
        incident.eta,
        dumps({k: ComponentStatus(v).value for k, v in incident.components.items()}),
        dumps(incident.roles),
        dumps(incident.threads),
        to_text(incident.declared_at),
        to_text(incident.updated_at),
        opt_text(incident.next_update_due),
        opt_text(incident.resolved_at),
        incident.uid,
        incident.organization,
        incident.timezone,
        opt_text(incident.impact_started_at),
    )


# value -> member, looked up per row without an enum call (a site build reads 100,000s)
_KINDS = {kind.value: kind for kind in EventKind}
STAGES = {stage.value: stage for stage in Stage}
_STATUSES = {status.value: status for status in ComponentStatus}


def _object(text: str) -> dict[str, Any]:
    """A stored JSON object; most events and incidents carry none, so `{}` skips the parser."""
    if text == "{}":
        return {}
    value: dict[str, Any] = json.loads(text)
    return value


# the columns `incident_from_values` reads, in its order
INCIDENT_READ = ("id", *INCIDENT_COLUMNS, "version")


def incident_from_row(row: Row) -> Incident:
    return incident_from_values(tuple(row[name] for name in INCIDENT_READ))


@lru_cache(maxsize=1024)
def _component_statuses(text: str) -> tuple[tuple[str, ComponentStatus], ...]:
    """A stored components mapping, parsed once per distinct text: thousands of incidents
    share a few (each incident gets its own dict of them)."""
    return tuple((str(k), _STATUSES.get(v) or ComponentStatus(v)) for k, v in _object(text).items())


@lru_cache(maxsize=1024)
def component_names(text: str) -> tuple[str, ...]:
    """The components a stored components mapping names, parsed once per distinct text."""
    return tuple(name for name, _ in _component_statuses(text))


def incident_from_values(values: Sequence[Any]) -> Incident:
    """An incident from the values of `INCIDENT_READ`, in that order (the path of reading
    thousands as plain tuples)."""
    (
        id_, title, severity, status, category, impact, workaround, eta, components, roles,
        threads, declared_at, updated_at, next_update_due, resolved_at, uid, organization,
        timezone, impact_started_at, version,
    ) = values  # fmt: skip
    return Incident(
        id=id_,
        title=title,
        severity=severity,
        status=STAGES.get(status) or Stage(status),
        declared_at=from_text(declared_at),
        updated_at=from_text(updated_at),
        impact=impact,
        workaround=workaround,
        eta=eta,
        category=category,
        components=dict(_component_statuses(components)),
        roles=_object(roles),
        next_update_due=opt_time(next_update_due),
        resolved_at=opt_time(resolved_at),
        threads=_object(threads),
        uid=uid,
        organization=organization,
        timezone=timezone,
        version=version,
        impact_started_at=opt_time(impact_started_at),
    )


def event_values(incident_id: str, event: TimelineEvent) -> tuple[Any, ...]:
    """The values of `EVENT_COLUMNS`, in that order."""
    return (
        incident_id,
        EventKind(event.kind).value,
        to_text(event.at),
        event.message,
        dumps(event.data),
    )


def event_from_row(row: Row) -> TimelineEvent:
    return TimelineEvent(
        incident_id=row["incident_id"],
        kind=_KINDS.get(row["kind"]) or EventKind(row["kind"]),
        at=from_text(row["at"]),
        message=row["message"],
        data=_object(row["data"]),
        id=row["id"],
    )


KINDS = {kind.value: kind for kind in EventKind}


def event_from_values(
    incident_id: str, kind: str, at: str, message: str, data: str, event_id: int
) -> TimelineEvent:
    """An event from its columns as a plain tuple: the fast path of reading many timelines
    (no row object, no enum call, no JSON parse of an empty mapping)."""
    moment = datetime.fromisoformat(at)  # stored in UTC with its offset (`to_text`)
    return TimelineEvent(
        incident_id,
        KINDS.get(kind) or EventKind(kind),
        moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC),
        message,
        {} if data == "{}" else json.loads(data),
        event_id,
    )


def delivery_values(
    delivery: Delivery, created_at: datetime, updated_at: datetime
) -> tuple[Any, ...]:
    """The values of `DELIVERY_COLUMNS`, in that order (the timestamps are required there)."""
    return (
        delivery.event_id,
        delivery.incident_id,
        delivery.channel,
        delivery.channel_type,
        Stage(delivery.stage).value,
        dumps(delivery.message.as_dict()),
        delivery.payload_hash,
        DeliveryState(delivery.state).value,
        delivery.attempts,
        delivery.remote_id,
        delivery.link,
        delivery.error,
        to_text(created_at),
        to_text(updated_at),
        opt_text(delivery.sent_at),
        dumps(delivery.progress),
    )


def delivery_fields(row: Row) -> dict[str, Any]:
    """The `Delivery` fields an incident's delivery row and a maintenance notice's row share
    (all but whose it is, its stage and its event)."""
    message = json.loads(row["message"])
    return {
        "channel": row["channel"],
        "channel_type": row["channel_type"],
        "message": RenderedMessage(
            text=message["text"], subject=message.get("subject"), html=message.get("html")
        ),
        "payload_hash": row["payload_hash"],
        "state": DeliveryState(row["state"]),
        "attempts": row["attempts"],
        "remote_id": row["remote_id"],
        "link": row["link"],
        "error": row["error"],
        "id": row["id"],
        "created_at": opt_time(row["created_at"]),
        "updated_at": opt_time(row["updated_at"]),
        "sent_at": opt_time(row["sent_at"]),
        "progress": json.loads(row["progress"]),
    }


def delivery_from_row(row: Row) -> Delivery:
    return Delivery(
        incident_id=row["incident_id"],
        stage=Stage(row["stage"]),
        event_id=row["event_id"],
        **delivery_fields(row),
    )

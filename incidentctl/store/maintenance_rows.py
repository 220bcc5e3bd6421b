"""Maintenance windows and their notices' deliveries to column values and back (any SQL backend)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from incidentctl.model.records import ComponentStatus, Delivery, DeliveryState
from incidentctl.store.rows import (
    Row,
    delivery_fields,
    dumps,
    from_text,
    opt_text,
    opt_time,
    to_text,
)

# the models are imported where a window is read or written: a store opened for incidents
# (`list`, `status`, `show`) builds none of their classes
if TYPE_CHECKING:
    from incidentctl.model.maintenance import Maintenance, MaintenanceNotice

# the window's own columns, besides `id` and the `(day, seq)` its id was made from
MAINTENANCE_COLUMNS = (
    "title",
    "status",
    "scheduled_for",
    "scheduled_until",
    "components",
    "impact",
    "severity_if_overrun",
    "started_at",
    "ended_at",
    "overran_at",
    "overrun_incident",
    "previous",
    "reminders_sent",
    "history",
    "threads",
    "uid",
    "organization",
    "timezone",
    "created_at",
    "updated_at",
)
NOTICE_COLUMNS = (
    "maintenance_id",
    "notice",
    "snapshot",
    "channel",
    "channel_type",
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


def maintenance_values(item: Maintenance) -> tuple[Any, ...]:
    """The values of `MAINTENANCE_COLUMNS`, in that order."""
    from incidentctl.model.maintenance import MaintenanceStatus

    return (
        item.title,
        MaintenanceStatus(item.status).value,
        to_text(item.scheduled_for),
        to_text(item.scheduled_until),
        dumps(list(item.components)),
        item.impact,
        item.severity_if_overrun,
        opt_text(item.started_at),
        opt_text(item.ended_at),
        opt_text(item.overran_at),
        item.overrun_incident,
        dumps({k: ComponentStatus(v).value for k, v in item.previous.items()}),
        dumps(item.reminders_sent),
        dumps(item.history),
        dumps(item.threads),
        item.uid,
        item.organization,
        item.timezone,
        to_text(item.created_at),
        to_text(item.updated_at),
    )


def maintenance_from_row(row: Row) -> Maintenance:
    from incidentctl.model.maintenance import Maintenance, MaintenanceStatus

    return Maintenance(
        id=row["id"],
        title=row["title"],
        status=MaintenanceStatus(row["status"]),
        scheduled_for=from_text(row["scheduled_for"]),
        scheduled_until=from_text(row["scheduled_until"]),
        components=[str(c) for c in json.loads(row["components"])],
        created_at=from_text(row["created_at"]),
        updated_at=from_text(row["updated_at"]),
        impact=row["impact"],
        severity_if_overrun=row["severity_if_overrun"],
        started_at=opt_time(row["started_at"]),
        ended_at=opt_time(row["ended_at"]),
        overran_at=opt_time(row["overran_at"]),
        overrun_incident=row["overrun_incident"],
        previous={k: ComponentStatus(v) for k, v in json.loads(row["previous"]).items()},
        reminders_sent=[str(r) for r in json.loads(row["reminders_sent"])],
        history=json.loads(row["history"]),
        threads=json.loads(row["threads"]),
        uid=row["uid"],
        organization=row["organization"],
        timezone=row["timezone"],
        version=row["version"],
    )


def notice_values(notice: MaintenanceNotice) -> tuple[Any, ...]:
    """The values of `NOTICE_COLUMNS`, in that order (the delivery's timestamps are set)."""
    from incidentctl.model.maintenance import NoticeStage

    d = notice.delivery
    created = d.created_at or d.updated_at
    if created is None:
        raise ValueError("a maintenance delivery is stored with its creation time")
    return (
        d.incident_id,
        NoticeStage(notice.stage).value,
        dumps(notice.snapshot.to_json()),
        d.channel,
        d.channel_type,
        dumps(d.message.as_dict()),
        d.payload_hash,
        DeliveryState(d.state).value,
        d.attempts,
        d.remote_id,
        d.link,
        d.error,
        to_text(created),
        to_text(d.updated_at or created),
        opt_text(d.sent_at),
        dumps(d.progress),
    )


def notice_from_row(row: Row) -> MaintenanceNotice:
    from incidentctl.model.maintenance import (
        NOTICE_AS_STAGE,
        MaintenanceNotice,
        MaintenanceSnapshot,
        NoticeStage,
    )

    stage = NoticeStage(row["notice"])
    delivery = Delivery(
        incident_id=row["maintenance_id"], stage=NOTICE_AS_STAGE[stage], **delivery_fields(row)
    )
    return MaintenanceNotice(
        delivery, stage, MaintenanceSnapshot.from_json(json.loads(row["snapshot"]))
    )

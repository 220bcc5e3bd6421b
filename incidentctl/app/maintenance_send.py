"""Sending maintenance notices through the incidents' delivery engine, and re-sending them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from incidentctl.app.send import DeliveryReport, make_engine
from incidentctl.app.workspace import Workspace
from incidentctl.channels.base import Outgoing
from incidentctl.delivery.engine import DeliveryEngine, Outcome, ProgressCallback
from incidentctl.model.maintenance import (
    NOTICE_AS_STAGE,
    Maintenance,
    MaintenanceNotice,
    MaintenanceSnapshot,
    NoticeStage,
)
from incidentctl.model.records import ComponentStatus, Delivery, DeliveryState, EventKind
from incidentctl.model.snapshots import EventSnapshot, IncidentSnapshot

RUNNING = (NoticeStage.IN_PROGRESS, NoticeStage.EXTENDED)
UNSETTLED = (DeliveryState.PENDING, DeliveryState.FAILED, DeliveryState.SENDING)


def notice_engine(ws: Workspace, progress: ProgressCallback | None = None) -> DeliveryEngine:
    """The engine, storing per-recipient progress in the notices' own table."""
    return make_engine(ws, progress, checkpoint=ws.store.update_maintenance_delivery)


def as_incident(item: Maintenance, shot: MaintenanceSnapshot) -> IncidentSnapshot:
    """The window as channels that know only incidents see it: its components under
    maintenance while it runs, operational otherwise."""
    status = (
        ComponentStatus.UNDER_MAINTENANCE if shot.stage in RUNNING else ComponentStatus.OPERATIONAL
    )
    return IncidentSnapshot(
        id=shot.id,
        title=shot.title,
        severity="maintenance",
        status=NOTICE_AS_STAGE[shot.stage],
        declared_at=item.created_at,
        severity_name="maintenance",
        impact=shot.impact,
        components=dict.fromkeys(shot.components, status),
        uid=item.uid,
        organization=item.organization,
        timezone=item.timezone,
    )


def notice_outgoing(item: Maintenance, notice: MaintenanceNotice) -> Outgoing:
    delivery = notice.delivery
    shot = notice.snapshot
    at = delivery.created_at or item.updated_at
    return Outgoing(
        delivery_id=delivery.id or 0,
        incident_id=item.id,
        channel=delivery.channel,
        stage=delivery.stage,
        message=delivery.message,
        incident=as_incident(item, shot),
        event=EventSnapshot(EventKind.UPDATE, at, delivery.stage, shot.message),
        thread=item.threads.get(delivery.channel),
        idempotency_key=f"{item.id}-{delivery.id}-{delivery.payload_hash[:16]}",
        maintenance=shot,
    )


def send_notices(
    ws: Workspace,
    item: Maintenance,
    notices: Sequence[MaintenanceNotice],
    engine: DeliveryEngine,
) -> DeliveryReport:
    """Claim and send the notices' deliveries, one wave per channel position (a channel's
    first notice opens its thread); every outcome is stored as soon as it is known."""
    ids = [n.delivery.id for n in notices if n.delivery.id is not None]
    claimed = ws.store.claim_maintenance_notices(ids, ws.now())
    by_id = {n.delivery.id: n for n in claimed}
    waves: list[list[MaintenanceNotice]] = []
    seen: dict[str, int] = {}
    for notice in sorted(claimed, key=lambda n: n.delivery.id or 0):
        index = seen.get(notice.delivery.channel, 0)
        seen[notice.delivery.channel] = index + 1
        if index == len(waves):
            waves.append([])
        waves[index].append(notice)

    def settle(outcome: Outcome) -> None:
        delivery = outcome.delivery
        ws.store.update_maintenance_delivery(delivery)
        if (
            delivery.state is DeliveryState.SENT
            and delivery.remote_id
            and delivery.channel not in item.threads
        ):
            ws.store.set_maintenance_thread(item.id, delivery.channel, delivery.remote_id)
            item.threads[delivery.channel] = delivery.remote_id

    def build(delivery: Delivery) -> Outgoing:
        return notice_outgoing(item, replace(by_id[delivery.id], delivery=delivery))

    done: list[Delivery] = []
    for wave in waves:
        outcomes = engine.send_all([n.delivery for n in wave], build, settle)
        done += [o.delivery for o in outcomes]
    done.sort(key=lambda d: d.id or 0)
    return DeliveryReport(done)


def unsettled_notices(ws: Workspace, maintenance_id: str | None) -> list[MaintenanceNotice]:
    """Notices not confirmed sent (pending, failed, left mid-send), of one window or all."""
    return ws.store.maintenance_notices(maintenance_id=maintenance_id, states=UNSETTLED)


def retry_notices(
    ws: Workspace, maintenance_id: str | None, engine: DeliveryEngine
) -> DeliveryReport:
    """Re-send what failed or never went out. One left mid-send (a crash) may have gone out:
    it is marked uncertain and held for the user to check, never re-sent blindly."""
    report = DeliveryReport()
    by_window: dict[str, list[MaintenanceNotice]] = {}
    for notice in unsettled_notices(ws, maintenance_id):
        if notice.delivery.state is DeliveryState.SENDING:
            notice.delivery.state = DeliveryState.UNCERTAIN
            notice.delivery.error = "interrupted while sending: it may have been delivered"
            ws.store.update_maintenance_delivery(notice.delivery)
            report.held.append(notice.delivery)
            continue
        by_window.setdefault(notice.delivery.incident_id, []).append(notice)
    for window_id, notices in by_window.items():
        item = ws.store.get_maintenance(window_id)
        if item is None:
            continue
        sent = send_notices(ws, item, notices, engine)
        report.deliveries.extend(sent.deliveries)
    return report

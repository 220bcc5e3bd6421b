"""`retry`: re-send what failed, reconcile what is uncertain, supersede what is stale."""

from __future__ import annotations

from collections.abc import Callable

from incidentctl.app.lookup import find_incident
from incidentctl.app.reminder_events import is_reminder, reminder_event_ids
from incidentctl.app.send import (
    UNSETTLED,
    DeliveryReport,
    channel_class,
    outgoing_builder,
    send_deliveries,
    store_outcome,
)
from incidentctl.app.supersede import latest_per_channel, supersede
from incidentctl.app.workspace import Workspace
from incidentctl.channels.capabilities import (
    IdempotentResend,
    Reconciling,
    Threading,
)
from incidentctl.channels.redaction import scrubbed
from incidentctl.delivery.engine import DeliveryEngine
from incidentctl.errors import DeliveryError, IncidentctlError
from incidentctl.model.records import Delivery, DeliveryState, Incident

INTERRUPTED = "interrupted while sending: it may have been delivered"


def unsettled_deliveries(
    ws: Workspace, incident_id: str | None, *, every_organization: bool = False
) -> list[Delivery]:
    """What `retry` would look at: pending, failed, interrupted and uncertain deliveries — of
    this playbook's organization's incidents, unless `every_organization`."""
    organization = None if every_organization else ws.organization
    if incident_id is not None:
        incident_id = find_incident(
            ws.store, incident_id, open_only=False, organization=organization
        ).id
    return ws.store.deliveries(
        incident_id=incident_id,
        states=UNSETTLED,
        organization=organization if incident_id is None else None,
    )


def retry_deliveries(
    ws: Workspace,
    incident_id: str | None,
    engine: DeliveryEngine,
    *,
    resend_uncertain: bool = False,
    confirm_resend: Callable[[Delivery], bool] | None = None,
    every_organization: bool = False,
) -> DeliveryReport:
    """Re-send pending and failed deliveries; reconcile uncertain ones where the service lets us
    read back, and otherwise hold them unless the user forces or confirms a re-send. Only the
    latest delivery per channel and incident goes out: earlier ones are `superseded`."""
    pending = unsettled_deliveries(ws, incident_id, every_organization=every_organization)
    report = DeliveryReport()
    by_incident: dict[str, list[Delivery]] = {}
    sending = [d.id for d in pending if d.state is DeliveryState.SENDING and d.id is not None]
    # left mid-send by a crash: it may have been accepted. One another process is sending
    # right now is its business: left alone, not re-sent
    interrupted = set(ws.store.mark_interrupted(sending, INTERRUPTED)) if sending else set()
    for delivery in pending:
        if delivery.state is DeliveryState.SENDING:
            if delivery.id not in interrupted:
                continue
            delivery.state = DeliveryState.UNCERTAIN
            delivery.error = INTERRUPTED
        by_incident.setdefault(delivery.incident_id, []).append(delivery)
    for iid, items in by_incident.items():
        incident = ws.store.get_incident(iid)
        if incident is None:
            continue
        every = ws.store.deliveries(incident_id=iid)
        # reminders and the incident's messages do not replace each other
        reminders = reminder_event_ids(ws.store.timeline(iid))
        latest = latest_per_channel(d for d in every if not is_reminder(d, reminders))
        latest_reminder = latest_per_channel(d for d in every if is_reminder(d, reminders))
        to_send: list[Delivery] = []
        for delivery in items:
            verdict = None
            if delivery.state is DeliveryState.UNCERTAIN:
                verdict = _reconcile(ws, engine, incident, delivery)
                if verdict == "sent":
                    report.deliveries.append(delivery)
                    continue
            later = (latest_reminder if is_reminder(delivery, reminders) else latest)[
                delivery.channel
            ]
            if later.id != delivery.id and not _keeps_root(engine, incident, delivery, verdict):
                supersede(ws, delivery, later, maybe_out=verdict == "held")
                report.deliveries.append(delivery)
                continue
            if delivery.state is DeliveryState.UNCERTAIN:
                forced = (
                    resend_uncertain
                    or _resends_safely(engine, delivery)
                    or (confirm_resend is not None and confirm_resend(delivery))
                )
                if verdict == "held" and not forced:
                    report.held.append(delivery)
                    continue
                delivery.state = DeliveryState.FAILED
                ws.store.update_delivery(delivery)
            to_send.append(delivery)
        sent = send_deliveries(ws, incident, to_send, engine)
        report.deliveries.extend(sent.deliveries)
        report.checkable |= sent.checkable
        report.unthreaded.extend(sent.unthreaded)
    return report


def _keeps_root(
    engine: DeliveryEngine, incident: Incident, delivery: Delivery, verdict: str | None
) -> bool:
    """A first message that may have gone out on a channel that must thread (a Statuspage
    incident) is not superseded: a later one sent in its place could open a second incident.
    The later ones wait for it to be settled."""
    cls = channel_class(engine, delivery.channel)
    return (
        verdict == "held"
        and delivery.channel not in incident.threads
        and isinstance(cls, Threading)
        and cls.needs_thread
    )


def _resends_safely(engine: DeliveryEngine, delivery: Delivery) -> bool:
    """The channel folds a repeat into the first (PagerDuty): no one needs to check first."""
    cls = channel_class(engine, delivery.channel)
    return isinstance(cls, IdempotentResend) and cls.idempotent_resend


def _reconcile(
    ws: Workspace, engine: DeliveryEngine, incident: Incident, delivery: Delivery
) -> str:
    """'sent' when the service shows it, 'absent' when it surely does not, else 'held'."""
    try:
        channel, context = engine.build(delivery.channel)
    except (DeliveryError, IncidentctlError):
        return "held"
    if not isinstance(channel, Reconciling):
        return "held"
    outgoing = outgoing_builder(ws, incident)(delivery)
    try:
        found = channel.reconcile(outgoing)
    except (DeliveryError, IncidentctlError):
        # the original reason (timeout, crash) stays: it is what the user must check
        return "held"
    if found is None:
        return "absent"
    found = scrubbed(found, context.secrets)
    delivery.state = DeliveryState.SENT
    delivery.remote_id = found.remote_id
    delivery.link = found.link
    delivery.error = None
    delivery.sent_at = ws.now()
    store_outcome(ws, incident, delivery)  # and its thread, in one commit
    return "sent"

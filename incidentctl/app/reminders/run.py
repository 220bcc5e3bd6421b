"""The `remind` use case: every reminder due now, sent once however many runs there are.

Each reminder is stored with its mark (`Store.record_reminder`): the mark's (incident, kind,
slot) is unique, and the reminder's event and deliveries are written in the same transaction,
so a second run in the same minute, or on another machine, finds it taken and sends nothing.
The deliveries are then sent by the delivery engine like any other: what fails is recorded and
`incidentctl retry` re-sends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from incidentctl.app.incidents import plan_update
from incidentctl.app.plan import Plan
from incidentctl.app.reminders.due import SOURCES, DueReminder, ReminderSource
from incidentctl.app.reminders.messages import render_reminder, still_investigating_text
from incidentctl.app.send import DeliveryReport, make_engine, send_deliveries
from incidentctl.app.workspace import Workspace
from incidentctl.delivery.engine import DeliveryEngine
from incidentctl.model.records import Delivery, Incident
from incidentctl.model.reminders import ReminderKind


@dataclass
class Reminded:
    """One reminder that went out (or, in a dry run, would go out now)."""

    due: DueReminder
    # what the reminder channels get, one delivery each (sent unless a dry run)
    deliveries: list[Delivery]
    # an auto-update: the update posted (or that would be), on its channels
    update: list[Delivery] = field(default_factory=list)


@dataclass
class RemindReport:
    reminded: list[Reminded] = field(default_factory=list)
    # every delivery sent, for the exit code (`publish.raise_if_undelivered`)
    sent: DeliveryReport = field(default_factory=DeliveryReport)
    dry_run: bool = False


def remind(
    ws: Workspace, *, dry_run: bool = False, sources: Sequence[ReminderSource] = SOURCES
) -> RemindReport:
    """Send every reminder due at `ws.now()` that no run sent yet; with `dry_run`, only say
    which (nothing is sent or stored)."""
    now = ws.now()
    report = RemindReport(dry_run=dry_run)
    engine: DeliveryEngine | None = None
    for source in sources:
        for due in source(ws, now):
            if _already_sent(ws, due):
                continue
            if dry_run:
                report.reminded.append(_preview(ws, due))
                continue
            engine = engine or make_engine(ws)
            auto = due.kind is ReminderKind.AUTO_UPDATE
            done = _auto_update(ws, due) if auto else _send_reminder(ws, due)
            if done is None:  # another run was first
                continue
            incident = ws.store.get_incident(due.incident.id) or due.incident
            done.update = _send(ws, incident, done.update, engine, report.sent)
            done.deliveries = _send(ws, incident, done.deliveries, engine, report.sent)
            report.reminded.append(done)
    return report


def _send(
    ws: Workspace,
    incident: Incident,
    deliveries: list[Delivery],
    engine: DeliveryEngine,
    into: DeliveryReport,
) -> list[Delivery]:
    """Send stored deliveries; their outcome joins `into`; returns them as they ended."""
    sent = send_deliveries(ws, incident, deliveries, engine)
    into.deliveries += sent.deliveries
    into.checkable |= sent.checkable
    into.unthreaded += sent.unthreaded
    return sent.deliveries


def _already_sent(ws: Workspace, due: DueReminder) -> bool:
    return any(
        m.kind is due.kind and m.slot == due.slot for m in ws.store.reminded(due.incident.id)
    )


def _preview(ws: Workspace, due: DueReminder) -> Reminded:
    if due.kind is not ReminderKind.AUTO_UPDATE:
        _, deliveries = render_reminder(ws, due, due.incident, ws.now())
        return Reminded(due, deliveries)
    plan = _still_investigating(ws, due)
    posted = [d.channel for d in plan.deliveries]
    _, deliveries = render_reminder(ws, due, plan.incident, ws.now(), posted)
    return Reminded(due, deliveries, plan.deliveries)


def _send_reminder(ws: Workspace, due: DueReminder) -> Reminded | None:
    event, deliveries = render_reminder(ws, due, due.incident, ws.now())
    if not deliveries:  # every reminder channel is disabled: nobody to tell
        return None
    if not ws.store.record_reminder(due.mark(ws.now()), due.incident, [event], deliveries):
        return None
    return Reminded(due, deliveries)


def _still_investigating(ws: Workspace, due: DueReminder) -> Plan:
    message = still_investigating_text(ws, due.incident, ws.now())
    return plan_update(ws, due.incident.id, message)


def _auto_update(ws: Workspace, due: DueReminder) -> Reminded | None:
    """Post the "still working on it" update and record the notice to the reminder channels,
    holding the store's write lock: the incident read, the mark and the update are one
    transaction, so two runs post one update."""
    with ws.store.exclusive():
        fresh = ws.store.get_incident(due.incident.id)
        if fresh is None or not fresh.is_open or fresh.updated_at != due.slot:
            return None  # someone spoke meanwhile: the silence is over
        due = DueReminder(fresh, due.kind, due.slot)
        plan = _still_investigating(ws, due)
        posted = [d.channel for d in plan.deliveries]
        event, deliveries = render_reminder(ws, due, plan.incident, ws.now(), posted)
        notice = [event] if deliveries else []
        if not ws.store.record_reminder(due.mark(ws.now()), plan.incident, notice, deliveries):
            return None
        ws.store.record(plan.incident, plan.events, plan.deliveries)
    return Reminded(due, deliveries, plan.deliveries)

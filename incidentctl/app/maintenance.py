"""Scheduled maintenance: schedule, start, extend, complete and cancel a window, and the
reminders before it. Each change is planned (window after it, notices rendered), previewed,
confirmed, stored with its notices (outbox first) and sent, like an incident's messages."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from incidentctl.app.maintenance_render import RenderedNotices, render_notices
from incidentctl.app.maintenance_send import notice_engine, send_notices
from incidentctl.app.maintenance_times import TimeError, parse_when
from incidentctl.app.send import DeliveryReport
from incidentctl.app.text import clean_line, clean_text
from incidentctl.app.workspace import Workspace
from incidentctl.delivery.engine import ProgressCallback
from incidentctl.errors import ConflictError, IncidentIdTaken, UsageError
from incidentctl.model.maintenance import (
    Maintenance,
    MaintenanceNotice,
    MaintenanceStatus,
    NoticeStage,
)
from incidentctl.model.records import ComponentStatus

MAX_ID_TRIES = 20
# how long ago a window may have started and still be scheduled (announced as it begins)
LATE_START = timedelta(minutes=10)


@dataclass
class MaintenancePlan:
    """A change to a window, before anything is stored or sent."""

    item: Maintenance
    stage: NoticeStage
    rendered: RenderedNotices
    # a new window: the `(day, seq)` its id was made from
    new: tuple[date, int] | None = None
    # reminders this change marks sent (`remind`)
    notes: list[str] = field(default_factory=list)

    @property
    def notices(self) -> list[MaintenanceNotice]:
        return self.rendered.notices


@dataclass
class MaintenanceDone:
    item: Maintenance
    report: DeliveryReport
    # the incident declared because the window overran
    overrun_incident: str = ""


def when(ws: Workspace, text: str, option: str) -> datetime:
    """`text` read as `parse_when` does, a bad one named by its option."""
    try:
        organization = ws.playbook.organization
        return parse_when(text, organization.tz, ws.now(), organization.language)
    except TimeError as exc:
        raise UsageError(f"{option}: {exc}") from None


def find_maintenance(ws: Workspace, maintenance_id: str | None) -> Maintenance:
    """The window with this id; without one, the only one scheduled or in progress."""
    from incidentctl.app.maintenance_queries import find_in

    return find_in(ws.store, ws.organization, maintenance_id)


def _history(item: Maintenance, stage: NoticeStage, at: datetime, message: str) -> None:
    item.history.append({"stage": stage.value, "at": at.isoformat(), "message": message})


def plan_schedule(
    ws: Workspace,
    *,
    title: str,
    start: str,
    end: str,
    components: Sequence[str],
    impact: str = "",
    severity_if_overrun: str | None = None,
    message: str = "",
) -> MaintenancePlan:
    """A new window from `start` to `end` on `components`, and its `scheduled` notices."""
    title = clean_line(title)
    if not title.strip():
        raise UsageError("--title must not be empty")
    playbook = ws.playbook
    begins, ends = when(ws, start, "--start"), when(ws, end, "--end")
    now = ws.now()
    if ends <= begins:
        raise UsageError("--end must come after --start")
    if ends <= now:
        raise UsageError("--end is in the past: a maintenance window is scheduled ahead")
    if begins < now - LATE_START:
        local = now.astimezone(playbook.organization.tz)
        raise UsageError(
            f"--start is in the past (it is {local:%Y-%m-%d %H:%M %Z}): a maintenance window "
            f"is scheduled ahead, starting at most {LATE_START.seconds // 60} minutes ago"
        )
    if not components:
        raise UsageError("give at least one --component (the components under maintenance)")
    for name in components:
        if name not in playbook.components:
            known = ", ".join(playbook.components) or "none"
            raise UsageError(f"unknown component {name!r} (known: {known})")
    overrun = severity_if_overrun or playbook.maintenance.severity_if_overrun or ""
    if overrun and playbook.severity(overrun) is None:
        known = ", ".join(s.id for s in playbook.severities)
        raise UsageError(f"--severity-if-overrun: unknown severity {overrun!r} (known: {known})")
    day = ws.local_day(now)
    seq = ws.store.next_maintenance_sequence(day)
    text = clean_text(message)
    item = Maintenance(
        id=playbook.maintenance.id_format.format(date=day, seq=seq),
        title=title,
        status=MaintenanceStatus.SCHEDULED,
        scheduled_for=begins,
        scheduled_until=ends,
        components=list(dict.fromkeys(components)),
        created_at=now,
        updated_at=now,
        impact=clean_text(impact),
        severity_if_overrun=overrun,
        uid=str(uuid.uuid4()),
        organization=ws.organization,
        timezone=playbook.organization.timezone,
        # a reminder whose moment has already passed is covered by this announcement
        reminders_sent=[
            label for label, lead in playbook.maintenance.lead_times() if begins - lead <= now
        ],
    )
    _history(item, NoticeStage.SCHEDULED, now, text)
    return MaintenancePlan(
        item,
        NoticeStage.SCHEDULED,
        render_notices(ws, item, NoticeStage.SCHEDULED, text),
        new=(day, seq),
    )


def _changed(ws: Workspace, maintenance_id: str | None) -> tuple[Maintenance, datetime]:
    item = find_maintenance(ws, maintenance_id)
    if item.is_over:
        raise ConflictError(f"{item.id} is {item.status.value}: nothing more can change")
    return replace(
        item,
        history=list(item.history),
        previous=dict(item.previous),
        reminders_sent=list(item.reminders_sent),
        threads=dict(item.threads),
    ), ws.now()


def _note_overrun(item: Maintenance, now: datetime) -> None:
    if item.status is MaintenanceStatus.IN_PROGRESS and now > item.scheduled_until:
        item.overran_at = item.overran_at or item.scheduled_until


def open_incident_statuses(ws: Workspace, components: Sequence[str]) -> dict[str, ComponentStatus]:
    """Each component's status as the open incidents have it (the worst of them; operational
    when none touches it): what it goes back to after the works."""
    from incidentctl.app.site.uptime import worst

    open_incidents = ws.store.list_incidents(open_only=True, organization=ws.organization)
    result = {}
    for name in components:
        statuses = [i.components[name] for i in open_incidents if name in i.components]
        result[name] = worst(statuses) if statuses else ComponentStatus.OPERATIONAL
    return result


def plan_start(ws: Workspace, maintenance_id: str | None, message: str = "") -> MaintenancePlan:
    """The works begin: the components go under maintenance."""
    item, now = _changed(ws, maintenance_id)
    if item.status is not MaintenanceStatus.SCHEDULED:
        raise ConflictError(f"{item.id} is already {item.status.value}")
    item.previous = open_incident_statuses(ws, item.components)
    item.status = MaintenanceStatus.IN_PROGRESS
    item.started_at = item.updated_at = now
    text = clean_text(message)
    _history(item, NoticeStage.IN_PROGRESS, now, text)
    _note_overrun(item, now)
    return MaintenancePlan(
        item, NoticeStage.IN_PROGRESS, render_notices(ws, item, NoticeStage.IN_PROGRESS, text)
    )


def plan_extend(
    ws: Workspace, maintenance_id: str | None, until: str, message: str = ""
) -> MaintenancePlan:
    """The works take longer: a new end, announced (before they begin, a reschedule)."""
    item, now = _changed(ws, maintenance_id)
    stage = (
        NoticeStage.RESCHEDULED
        if item.status is MaintenanceStatus.SCHEDULED
        else NoticeStage.EXTENDED
    )
    new_end = when(ws, until, "--until")
    if new_end <= item.scheduled_until:
        raise UsageError("--until must come after the window's current end")
    if new_end <= now:
        raise UsageError("--until is in the past")
    _note_overrun(item, now)
    before = item.scheduled_until
    item.scheduled_until = new_end
    item.updated_at = now
    text = clean_text(message)
    _history(item, stage, now, text)
    return MaintenancePlan(
        item, stage, render_notices(ws, item, stage, text, previous_until=before)
    )


def plan_complete(ws: Workspace, maintenance_id: str | None, message: str = "") -> MaintenancePlan:
    """The works are over: the components go back to their status before them."""
    item, now = _changed(ws, maintenance_id)
    if item.status is not MaintenanceStatus.IN_PROGRESS:
        raise ConflictError(f"{item.id} has not started: `maintenance start` it, or cancel it")
    _note_overrun(item, now)
    # an incident opened or resolved during the works counts, not the status at the start
    item.previous = open_incident_statuses(ws, item.components)
    item.status = MaintenanceStatus.COMPLETED
    item.ended_at = item.updated_at = now
    text = clean_text(message)
    _history(item, NoticeStage.COMPLETED, now, text)
    return MaintenancePlan(
        item, NoticeStage.COMPLETED, render_notices(ws, item, NoticeStage.COMPLETED, text)
    )


def plan_cancel(ws: Workspace, maintenance_id: str | None, message: str = "") -> MaintenancePlan:
    """The works will not happen (or stop short): announced as cancelled."""
    item, now = _changed(ws, maintenance_id)
    if item.status is MaintenanceStatus.IN_PROGRESS:
        item.previous = open_incident_statuses(ws, item.components)
    item.status = MaintenanceStatus.CANCELLED
    item.ended_at = item.updated_at = now
    text = clean_text(message)
    _history(item, NoticeStage.CANCELLED, now, text)
    return MaintenancePlan(
        item, NoticeStage.CANCELLED, render_notices(ws, item, NoticeStage.CANCELLED, text)
    )


def commit(ws: Workspace, plan: MaintenancePlan) -> Maintenance:
    """Store the window and its notices in one transaction (a new window takes the next free
    id when another one was scheduled meanwhile)."""
    if plan.new is None:
        ws.store.record_maintenance(plan.item, plan.notices)
        return plan.item
    day, seq = plan.new
    for _ in range(MAX_ID_TRIES):
        try:
            return ws.store.create_maintenance(plan.item, plan.notices, day=day, seq=seq)
        except IncidentIdTaken:
            seq = ws.store.next_maintenance_sequence(day)
            plan.item.id = ws.playbook.maintenance.id_format.format(date=day, seq=seq)
            for notice in plan.notices:
                notice.snapshot = replace(notice.snapshot, id=plan.item.id)
    raise ConflictError("could not get a free maintenance id; try again")


def execute(
    ws: Workspace, plan: MaintenancePlan, progress: ProgressCallback | None = None
) -> MaintenanceDone:
    """Store, send, and declare the overrun incident when the playbook asks for one."""
    item = commit(ws, plan)
    report = send_notices(ws, item, plan.notices, notice_engine(ws, progress))
    declared = declare_overrun(ws, item)
    return MaintenanceDone(item, report, declared)


def declare_overrun(ws: Workspace, item: Maintenance) -> str:
    """An incident at the window's overrun severity, once, when it ran past its end: the
    overrun is downtime customers did not expect. Returns its id ("" when none)."""
    if not item.severity_if_overrun or item.overran_at is None or item.overrun_incident:
        return ""
    from incidentctl.app.declare import commit_declare, plan_declare
    from incidentctl.app.send import make_engine, send_deliveries

    lang = ws.playbook.organization.language
    title = (
        f"Maintenance en dépassement : {item.title}"
        if lang == "fr"
        else f"Maintenance overrun: {item.title}"
    )
    impact = (
        f"La maintenance {item.id} dure plus longtemps que prévu."
        if lang == "fr"
        else f"Maintenance {item.id} is taking longer than planned."
    )
    plan = plan_declare(
        ws,
        item.severity_if_overrun,
        title,
        impact=impact,
        components=[f"{c}=partial_outage" for c in item.components],
        # customers were affected from the planned end on, not from when it was noticed
        started_at=item.scheduled_until.isoformat(),
    )
    incident = commit_declare(ws, plan)
    send_deliveries(ws, incident, plan.deliveries, make_engine(ws))
    item.overrun_incident = incident.id
    ws.store.record_maintenance(item, [])
    return incident.id


@dataclass
class Reminded:
    """What `maintenance remind` did: reminders sent and overruns noticed."""

    done: list[MaintenanceDone] = field(default_factory=list)
    overruns: list[MaintenanceDone] = field(default_factory=list)
    # a dry run: the reminders that would go out and the windows whose overrun it would record
    planned: list[MaintenancePlan] = field(default_factory=list)
    would_overrun: list[Maintenance] = field(default_factory=list)


def due_reminders(ws: Workspace, now: datetime) -> list[tuple[Maintenance, list[str]]]:
    """Windows with a reminder due at `now`, and the lead times it covers (all those whose
    moment has come: one message, not one per lead time). Pure over the store's record; the
    cadence command can call it too."""
    due = []
    leads = ws.playbook.maintenance.lead_times()
    scheduled = ws.store.list_maintenances(
        organization=ws.organization, statuses=(MaintenanceStatus.SCHEDULED,)
    )
    for item in scheduled:
        if item.scheduled_for <= now:
            continue
        labels = [
            label
            for label, lead in leads
            if label not in item.reminders_sent and now >= item.scheduled_for - lead
        ]
        if labels:
            due.append((item, labels))
    return due


def plan_reminders(ws: Workspace) -> list[MaintenancePlan]:
    now = ws.now()
    plans = []
    for item, labels in due_reminders(ws, now):
        item.reminders_sent = [*item.reminders_sent, *labels]
        item.updated_at = now
        _history(item, NoticeStage.REMINDER, now, "")
        rendered = render_notices(ws, item, NoticeStage.REMINDER)
        plans.append(MaintenancePlan(item, NoticeStage.REMINDER, rendered, notes=labels))
    return plans


def overrunning(ws: Workspace, now: datetime) -> list[Maintenance]:
    """Windows still in progress past their end whose overrun is not recorded yet."""
    running = ws.store.list_maintenances(
        organization=ws.organization, statuses=(MaintenanceStatus.IN_PROGRESS,)
    )
    return [m for m in running if now > m.scheduled_until and m.overran_at is None]


def remind(ws: Workspace, *, dry_run: bool = False) -> Reminded:
    """Send the reminders due now, once each (what was sent is remembered in the store), and
    record the overruns of windows still running past their end; with `dry_run`, only say
    what would be done."""
    result = Reminded()
    plans = plan_reminders(ws)
    now = ws.now()
    late = overrunning(ws, now)
    if dry_run:
        result.planned, result.would_overrun = plans, late
        return result
    for plan in plans:
        result.done.append(execute(ws, plan))
    for item in late:
        item.overran_at = item.scheduled_until
        item.updated_at = now
        ws.store.record_maintenance(item, [])
        result.overruns.append(MaintenanceDone(item, DeliveryReport(), declare_overrun(ws, item)))
    return result

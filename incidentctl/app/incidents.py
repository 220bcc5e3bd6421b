"""Use cases that change an open incident: update, resolve, assign."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

from incidentctl.app.lookup import find_incident
from incidentctl.app.messages import record_snapshots, render_targets
from incidentctl.app.plan import (
    Plan,
    assign_check,
    check_data_safe,
    check_severity,
    data_safe_notice,
    parse_component,
)
from incidentctl.app.reminder_events import is_reminder, reminder_event_ids
from incidentctl.app.text import clean_line, clean_text
from incidentctl.app.versioned import until_stored
from incidentctl.app.workspace import Workspace
from incidentctl.errors import ConflictError, UsageError
from incidentctl.model.records import (
    DATA_SAFE_KEY,
    ComponentStatus,
    EventKind,
    Incident,
    Stage,
    TimelineEvent,
    recorded_data_safe,
)

# the same update text again within this window is a re-run, not news
REPEAT_WINDOW = timedelta(minutes=10)


def plan_update(
    ws: Workspace,
    incident_id: str | None,
    message: str,
    *,
    status: str | None = None,
    components: Sequence[str] = (),
    severity: str | None = None,
    impact: str | None = None,
    workaround: str | None = None,
    eta: str | None = None,
    resolve: bool = False,
    reason: str | None = None,
    data_safe: bool | None = None,
) -> Plan:
    """Build the events and messages of an update (or of the resolution).

    A zero-tolerance incident (security, data loss) goes below its category's floor only with a
    `reason` (a false alarm), which the timeline keeps. `data_safe` (None: unchanged) is what
    the responder now confirms about customers' data; it is recorded on the update's event.
    """
    message = clean_text(message)
    reason = clean_line(reason) if reason is not None else None
    impact, workaround, eta = (
        None if value is None else clean_text(value) for value in (impact, workaround, eta)
    )
    if not message.strip():
        raise UsageError("--message must not be empty: say what changed, or that nothing did")
    playbook = ws.playbook
    current = find_incident(ws.store, incident_id, open_only=True, organization=ws.organization)
    if not current.is_open:
        raise ConflictError(
            f"{current.id} is resolved since "
            f"{current.resolved_at:%Y-%m-%d %H:%M} UTC; declare a new incident"
        )
    stored = ws.store.timeline(current.id)
    incident = replace(
        current,
        components=dict(current.components),
        roles=dict(current.roles),
        threads=dict(current.threads),
        data_safe=recorded_data_safe(stored, current.data_safe),
    )
    now = ws.now()
    events: list[TimelineEvent] = []
    notices: list[str] = []

    def add(kind: EventKind, text: str = "", data: dict[str, object] | None = None) -> None:
        events.append(TimelineEvent(incident.id, kind, now, message=text, data=dict(data or {})))

    if resolve:
        stage = Stage.RESOLVED
    elif status:
        if status.strip().lower() == Stage.RESOLVED.value:
            raise UsageError(
                "`update --status resolved` does not close an incident: use "
                '`incidentctl resolve -m "what was fixed"`'
            )
        try:
            stage = Stage(status.strip().lower())
        except ValueError:
            raise UsageError(
                f"unknown status {status!r} (use investigating, identified or monitoring; "
                "`incidentctl resolve` closes the incident)"
            ) from None
    else:
        stage = incident.status
    if stage is not incident.status:
        add(EventKind.STATUS_CHANGE, data={"from": incident.status.value, "to": stage.value})
        incident.status = stage
    severity = check_severity(ws, severity) if severity else None
    if severity and severity != incident.severity:
        rule = playbook.categories.get(incident.category)
        change: dict[str, object] = {"from": incident.severity, "to": severity}
        if rule and playbook.severity_rank(severity) > playbook.severity_rank(rule.min_severity):
            if not (reason and reason.strip()):
                raise UsageError(
                    f"{rule.name} incidents stay at {rule.min_severity} or higher (zero "
                    'tolerance); a false alarm goes lower with --reason "why", kept on the '
                    "timeline"
                )
            change["reason"] = reason
            notices.append(f"{rule.name}: severity lowered below {rule.min_severity}: {reason}")
        add(EventKind.SEVERITY_CHANGE, data=change)
        incident.severity = severity
    for spec in components:
        name, state = parse_component(ws, spec, ComponentStatus.PARTIAL_OUTAGE)
        if incident.components.get(name) != state:
            before = incident.components.get(name)
            add(
                EventKind.COMPONENT_CHANGE,
                data={
                    "component": name,
                    "from": before.value if before else None,
                    "to": state.value,
                },
            )
            incident.components[name] = state
    if impact is not None:
        incident.impact = impact
    if workaround is not None:
        incident.workaround = workaround
    if eta is not None:
        incident.eta = eta
    said: dict[str, object] = {}
    if data_safe is not None and data_safe != incident.data_safe:
        incident.data_safe = check_data_safe(ws, incident.category, data_safe)
        said[DATA_SAFE_KEY] = incident.data_safe
        notices.append(
            data_safe_notice(data_safe, "--data-safe" if data_safe else "--no-data-safe")
        )
    incident.updated_at = now
    if stage is Stage.RESOLVED:
        incident.resolved_at = now
        incident.next_update_due = None
        for name in incident.components:
            incident.components[name] = ComponentStatus.OPERATIONAL
        add(EventKind.RESOLVED, message.strip(), said)
    else:
        sev = playbook.severity(incident.severity)
        incident.next_update_due = now + sev.cadence if sev else None
        add(EventKind.UPDATE, message.strip(), said)
    if len(events) == 1 and events[0].kind is EventKind.UPDATE and not said:
        _refuse_repeat(ws, incident, events[0])
    last = events[-1]
    record_snapshots(ws, incident, last, stage)
    timeline = [*stored, *events]
    rendered = render_targets(ws, incident, last, stage, timeline, channels_told(ws, incident))
    return Plan(incident, events, stage, rendered, notices)


def channels_told(ws: Workspace, incident: Incident) -> dict[str, Stage]:
    """Every channel that has a message for the incident, with the stage of its first one
    (reminders are not messages about the incident: see `app.reminder_events`)."""
    told: dict[str, Stage] = {}
    reminders = reminder_event_ids(ws.store.timeline(incident.id))
    for delivery in ws.store.deliveries(incident_id=incident.id):
        if not is_reminder(delivery, reminders):
            told.setdefault(delivery.channel, delivery.stage)
    return told


def _refuse_repeat(ws: Workspace, incident: Incident, event: TimelineEvent) -> None:
    """Re-running an update that already went out must not post it twice."""
    previous = [e for e in ws.store.timeline(incident.id) if e.kind is EventKind.UPDATE]
    if (
        previous
        and previous[-1].message == event.message
        and event.at - previous[-1].at < REPEAT_WINDOW
    ):
        raise ConflictError(
            f"{incident.id}: this update was already posted at {previous[-1].at:%H:%M} UTC; "
            "say what changed, or that nothing did yet"
        )


def commit_update(ws: Workspace, plan: Plan) -> Incident:
    ws.store.record(plan.incident, plan.events, plan.deliveries)
    return plan.incident


def assign_role(ws: Workspace, incident_id: str | None, role: str, who: str) -> Incident:
    """Record who holds a role (on the only open incident without an id); the change goes on
    the timeline, nothing is sent."""
    assign_check(ws, role, who)

    def write(attempt: int) -> Incident:
        incident = find_incident(
            ws.store, incident_id, open_only=incident_id is None, organization=ws.organization
        )
        before = incident.roles.get(role)
        incident.roles[role] = who
        event = TimelineEvent(
            incident.id,
            EventKind.ROLE_CHANGE,
            ws.now(),
            message=f"{role}: {who}",
            data={"role": role, "from": before, "to": who},
        )
        ws.store.record(incident, [event], [])
        return incident

    return until_stored(write, exclusive=ws.store.exclusive)

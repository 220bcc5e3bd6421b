"""`reopen`: a resolved incident came back; the channels that were told hear it again.

The incident reopens at the severity it had, with the components as they stood before the
resolution; its messages go to every channel that was told, under the same threads, and the
cadence starts again. The timeline keeps both periods: resolved, reopened, resolved again.
"""

from __future__ import annotations

from dataclasses import replace

from incidentctl.app.incidents import channels_told
from incidentctl.app.lookup import find_incident
from incidentctl.app.messages import record_snapshots, render_targets
from incidentctl.app.plan import Plan
from incidentctl.app.text import clean_text
from incidentctl.app.workspace import Workspace
from incidentctl.errors import ConflictError, UsageError
from incidentctl.model.records import (
    ComponentStatus,
    EventKind,
    Incident,
    MessageStage,
    Stage,
    TimelineEvent,
    recorded_data_safe,
)
from incidentctl.model.snapshots import IncidentSnapshot


def plan_reopen(ws: Workspace, incident_id: str, message: str, eta: str = "") -> Plan:
    """The events and messages of reopening `incident_id`; refused while it is open. The
    estimate given before the resolution no longer holds: `eta` replaces it (none: cleared)."""
    text = clean_text(message).strip()
    if not text:
        raise UsageError("--message must not be empty: say what came back")
    current = find_incident(ws.store, incident_id, open_only=False, organization=ws.organization)
    if current.is_open:
        raise ConflictError(
            f"{current.id} is open ({current.status.value}): only a resolved incident is "
            'reopened; post an update instead (`incidentctl update -m "…"`)'
        )
    stored = ws.store.timeline(current.id)
    now = ws.now()
    incident = replace(
        current,
        status=Stage.INVESTIGATING,
        resolved_at=None,
        updated_at=now,
        eta=clean_text(eta).strip(),
        components=dict(current.components),
        roles=dict(current.roles),
        threads=dict(current.threads),
        data_safe=recorded_data_safe(stored, current.data_safe),
    )
    sev = ws.playbook.severity(incident.severity)
    incident.next_update_due = now + sev.cadence if sev else None
    events = [
        TimelineEvent(
            incident.id,
            EventKind.STATUS_CHANGE,
            now,
            data={"from": Stage.RESOLVED.value, "to": Stage.INVESTIGATING.value},
        )
    ]
    for name, before in components_before_resolution(stored).items():
        if before is not ComponentStatus.OPERATIONAL and name in ws.playbook.components:
            events.append(
                TimelineEvent(
                    incident.id,
                    EventKind.COMPONENT_CHANGE,
                    now,
                    data={
                        "component": name,
                        "from": incident.components.get(name, ComponentStatus.OPERATIONAL).value,
                        "to": before.value,
                    },
                )
            )
            incident.components[name] = before
    resolved_at = current.resolved_at.isoformat() if current.resolved_at else None
    last = TimelineEvent(
        incident.id, EventKind.REOPENED, now, message=text, data={"resolved_at": resolved_at}
    )
    events.append(last)
    record_snapshots(ws, incident, last, incident.status)
    told = channels_told(ws, incident)
    rendered = render_targets(
        ws,
        incident,
        last,
        incident.status,
        [*stored, *events],
        told,
        template=MessageStage.REOPENED,
        only=told,
    )
    notices = [] if told else [f"{incident.id}: no channel was told of it, none is told now"]
    return Plan(incident, events, incident.status, rendered, notices)


def components_before_resolution(events: list[TimelineEvent]) -> dict[str, ComponentStatus]:
    """The components as the last message before the latest resolution described them."""
    resolved = max(
        (i for i, e in enumerate(events) if e.kind is EventKind.RESOLVED), default=len(events)
    )
    for event in reversed(events[:resolved]):
        kept = event.data.get("snapshot")
        if kept:
            return dict(IncidentSnapshot.from_json(kept).components)
    return {}


def commit_reopen(ws: Workspace, plan: Plan) -> Incident:
    ws.store.record(plan.incident, plan.events, plan.deliveries)
    return plan.incident

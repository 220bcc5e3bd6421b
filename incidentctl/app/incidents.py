"""Use cases that change an incident: declare, update, resolve, assign."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from incidentctl.app.lookup import find_incident
from incidentctl.app.messages import (
    RenderedTargets,
    event_snapshot,
    incident_snapshot,
    render_targets,
)
from incidentctl.app.targets import Target
from incidentctl.app.workspace import Workspace
from incidentctl.errors import ConflictError, UsageError
from incidentctl.model.records import (
    ComponentStatus,
    Delivery,
    EventKind,
    Incident,
    Stage,
    TimelineEvent,
)

HANDLE = re.compile(r"^@[\w.-]+$")
# re-running a declare that already went out must not announce the incident twice
REDECLARE_WINDOW = timedelta(minutes=30)
# the same update text again within this window is a re-run, not news
REPEAT_WINDOW = timedelta(minutes=10)


@dataclass
class Plan:
    """What a command will record and send; `--dry-run` shows it and stops there."""

    incident: Incident
    events: list[TimelineEvent]
    stage: Stage
    rendered: RenderedTargets
    notices: list[str] = field(default_factory=list)
    is_new: bool = False

    @property
    def deliveries(self) -> list[Delivery]:
        return self.rendered.deliveries

    @property
    def disabled(self) -> list[Target]:
        return self.rendered.disabled


def _severity(ws: Workspace, severity_id: str) -> str:
    if ws.playbook.severity(severity_id) is None:
        known = ", ".join(s.id for s in ws.playbook.severities)
        raise UsageError(f"unknown severity {severity_id!r} (known: {known})")
    return severity_id


def parse_component(
    ws: Workspace, spec: str, default: ComponentStatus
) -> tuple[str, ComponentStatus]:
    """`api` or `api=major_outage` → (component id, status), checked against the playbook."""
    name, _, status_text = spec.partition("=")
    name = name.strip()
    if name not in ws.playbook.components:
        known = ", ".join(ws.playbook.components) or "none"
        raise UsageError(f"unknown component {name!r} (known: {known})")
    if not status_text:
        return name, default
    try:
        return name, ComponentStatus(status_text.strip())
    except ValueError:
        known = ", ".join(s.value for s in ComponentStatus)
        raise UsageError(f"unknown component status {status_text!r} (known: {known})") from None


def parse_roles(ws: Workspace, specs: Sequence[str]) -> dict[str, str]:
    roles: dict[str, str] = {}
    for spec in specs:
        role, sep, who = spec.partition("=")
        assign_check(ws, role.strip(), who.strip() if sep else "")
        roles[role.strip()] = who.strip()
    return roles


def assign_check(ws: Workspace, role: str, who: str) -> None:
    if role not in ws.playbook.roles:
        known = ", ".join(ws.playbook.roles) or "none"
        raise UsageError(f"unknown role {role!r} (known: {known})")
    if not HANDLE.match(who):
        raise UsageError(f"role {role!r}: expected a handle like @alice, got {who!r}")


def _predicted_seq(ws: Workspace, day: date) -> int:
    tz = ws.playbook.organization.tz
    same_day = [i for i in ws.store.list_incidents() if i.declared_at.astimezone(tz).date() == day]
    return len(same_day) + 1


def plan_declare(
    ws: Workspace,
    severity_id: str,
    title: str,
    *,
    impact: str = "",
    components: Sequence[str] = (),
    workaround: str = "",
    eta: str = "",
    roles: Sequence[str] = (),
    category: str = "",
) -> Plan:
    """Build (without storing) a new incident, its `declared` event and its first messages."""
    if not title.strip():
        raise UsageError("--title must not be empty")
    playbook = ws.playbook
    severity = _severity(ws, severity_id)
    notices: list[str] = []
    if category:
        rule = playbook.categories.get(category)
        if rule is None:
            known = ", ".join(playbook.categories) or "none"
            raise UsageError(f"unknown category {category!r} (known: {known})")
        if playbook.severity_rank(severity) > playbook.severity_rank(rule.min_severity):
            notices.append(
                f"{rule.name}: zero tolerance — severity raised from {severity} to "
                f"{rule.min_severity}"
            )
            severity = rule.min_severity
        if rule.all_channels:
            notices.append(f"{rule.name}: every enabled channel is notified")
    now = ws.now()
    assigned = {rid: r.default for rid, r in playbook.roles.items() if r.default}
    assigned.update(parse_roles(ws, roles))
    parts = dict(parse_component(ws, c, ComponentStatus.PARTIAL_OUTAGE) for c in components)
    cadence = playbook.severity(severity).cadence  # type: ignore[union-attr]
    day = ws.local_day(now)
    incident = Incident(
        id=playbook.format_id(day, _predicted_seq(ws, day)),
        title=title.strip(),
        severity=severity,
        status=Stage.INVESTIGATING,
        declared_at=now,
        updated_at=now,
        impact=impact,
        workaround=workaround,
        eta=eta,
        category=category,
        components=parts,
        roles=assigned,
        next_update_due=now + cadence,
    )
    for existing in ws.store.list_incidents(open_only=True):
        if existing.title == incident.title and now - existing.declared_at < REDECLARE_WINDOW:
            raise ConflictError(
                f"{existing.id} with this title was declared at "
                f"{existing.declared_at:%H:%M} UTC: use `incidentctl update {existing.id}`"
            )
    event = TimelineEvent(
        incident.id,
        EventKind.DECLARED,
        now,
        message=impact,
        data={
            "severity": severity,
            "roles": assigned,
            "components": {k: v.value for k, v in parts.items()},
        },
    )
    event.data["snapshot"] = incident_snapshot(ws, incident)
    event.data["event"] = event_snapshot(event, Stage.INVESTIGATING)
    rendered = render_targets(ws, incident, event, Stage.INVESTIGATING)
    return Plan(incident, [event], Stage.INVESTIGATING, rendered, notices, is_new=True)


def commit_declare(ws: Workspace, plan: Plan) -> Incident:
    """Store the incident, its event and its deliveries in one transaction; ids come from the
    store's daily sequence, and messages are rendered again with the final id."""
    event = plan.events[0]
    deliveries: list[Delivery] = []

    def make_id(day: date, seq: int) -> str:
        incident_id = ws.playbook.format_id(day, seq)
        plan.incident.id = incident_id
        event.incident_id = incident_id
        event.data["snapshot"] = incident_snapshot(ws, plan.incident)
        deliveries[:] = render_targets(ws, plan.incident, event, plan.stage).deliveries
        return incident_id

    day = ws.local_day(plan.incident.declared_at)
    make_id(day, _predicted_seq(ws, day))  # render errors surface before the transaction
    incident = ws.store.create_incident(make_id, day, plan.incident, event, deliveries)
    plan.rendered.deliveries = deliveries
    return incident


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
) -> Plan:
    """Build the events and messages of an update (or of the resolution)."""
    if not message.strip():
        raise UsageError("--message must not be empty: say what changed, or that nothing did")
    playbook = ws.playbook
    current = find_incident(ws.store, incident_id, open_only=True)
    if not current.is_open:
        raise ConflictError(
            f"{current.id} is resolved since "
            f"{current.resolved_at:%Y-%m-%d %H:%M} UTC; declare a new incident"
        )
    incident = replace(
        current,
        components=dict(current.components),
        roles=dict(current.roles),
        threads=dict(current.threads),
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
    if severity and severity != incident.severity:
        _severity(ws, severity)
        rule = playbook.categories.get(incident.category)
        if rule and playbook.severity_rank(severity) > playbook.severity_rank(rule.min_severity):
            raise UsageError(
                f"{rule.name} incidents stay at {rule.min_severity} or higher (zero tolerance)"
            )
        add(EventKind.SEVERITY_CHANGE, data={"from": incident.severity, "to": severity})
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
    incident.updated_at = now
    if stage is Stage.RESOLVED:
        incident.resolved_at = now
        incident.next_update_due = None
        for name in incident.components:
            incident.components[name] = ComponentStatus.OPERATIONAL
        add(EventKind.RESOLVED, message.strip())
    else:
        sev = playbook.severity(incident.severity)
        incident.next_update_due = now + sev.cadence if sev else None
        add(EventKind.UPDATE, message.strip())
    if len(events) == 1 and events[0].kind is EventKind.UPDATE:
        _refuse_repeat(ws, incident, events[0])
    last = events[-1]
    last.data["snapshot"] = incident_snapshot(ws, incident)
    last.data["event"] = event_snapshot(last, stage)
    timeline = [*ws.store.timeline(incident.id), *events]
    rendered = render_targets(ws, incident, last, stage, timeline)
    return Plan(incident, events, stage, rendered, notices)


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
    incident = find_incident(ws.store, incident_id, open_only=incident_id is None)
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

"""`declare`: a new incident, numbered by the store, rendered once and stored as previewed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from incidentctl.app.messages import RenderedTargets, record_snapshots, render_targets
from incidentctl.app.plan import (
    Plan,
    check_data_safe,
    check_severity,
    data_safe_notice,
    parse_component,
    parse_roles,
)
from incidentctl.app.text import clean_line, clean_text
from incidentctl.app.workspace import Workspace
from incidentctl.errors import ConflictError, IncidentIdTaken, UsageError
from incidentctl.model.records import (
    DATA_SAFE_KEY,
    ComponentStatus,
    EventKind,
    Incident,
    Stage,
    TimelineEvent,
)

# re-running a declare that already went out must not announce the incident twice
REDECLARE_WINDOW = timedelta(minutes=30)
# a concurrent declare may store the planned id first: the plan then takes the next one
DECLARE_ATTEMPTS = 5


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
    data_safe: bool | None = None,
    started_at: str | None = None,
) -> Plan:
    """Build (without storing) a new incident with the day's next id, its `declared` event and
    its first messages.

    `data_safe` is what the responder confirms about customers' data (None: not said, the
    category's `data_safe` applies, else it is unknown and messages say nothing about it).
    `started_at` is when users were first affected (`20m` ago, a local time, ISO 8601), if
    before the declaration."""
    title, impact, workaround, eta = (
        clean_line(title),
        clean_text(impact),
        clean_text(workaround),
        clean_text(eta),
    )
    if not title.strip():
        raise UsageError("--title must not be empty")
    playbook = ws.playbook
    severity = check_severity(ws, severity_id)
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
    said = data_safe
    data_safe = check_data_safe(ws, category, data_safe)
    if data_safe:
        source = "--data-safe" if said else f"categories.{category}.data_safe"
        notices.append(data_safe_notice(data_safe, source))
    now = ws.now()
    impact_started_at = _impact_start(ws, started_at, now) if started_at else None
    assigned = {rid: r.default for rid, r in playbook.roles.items() if r.default}
    assigned.update(parse_roles(ws, roles))
    parts = dict(parse_component(ws, c, ComponentStatus.PARTIAL_OUTAGE) for c in components)
    cadence = playbook.severity(severity).cadence  # type: ignore[union-attr]
    _refuse_redeclare(ws, title.strip(), now)
    incident = Incident(
        id="",
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
        uid=str(uuid.uuid4()),
        organization=playbook.organization.name,
        timezone=playbook.organization.timezone,
        data_safe=data_safe,
        impact_started_at=impact_started_at,
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
            DATA_SAFE_KEY: data_safe,
        },
    )
    day = ws.local_day(now)
    seq = ws.store.next_sequence(day)
    rendered = _number(ws, incident, event, day, seq)
    return Plan(incident, [event], Stage.INVESTIGATING, rendered, notices, is_new=True, seq=seq)


def _impact_start(ws: Workspace, text: str, now: datetime) -> datetime:
    """`--started-at`: a moment at or before the declaration; a bare `14:05` is today's."""
    import re

    from incidentctl.app.queries import parse_since

    tz = ws.playbook.organization.tz
    given = text.strip()
    if re.fullmatch(r"\d{1,2}:\d{2}", given):
        given = f"{now.astimezone(tz):%Y-%m-%d} {given:0>5}"
    moment = parse_since(given, tz, now, "--started-at")
    if moment > now:
        local = now.astimezone(ws.playbook.organization.tz)
        raise UsageError(
            f"--started-at {text.strip()!r} is after the declaration ({local:%Y-%m-%d %H:%M}): "
            "give when users were first affected"
        )
    return moment


def _refuse_redeclare(ws: Workspace, title: str, now: datetime) -> None:
    existing = ws.store.find_open_incident(title, declared_after=now - REDECLARE_WINDOW)
    if existing is not None:
        raise ConflictError(
            f"{existing.id} with this title was declared at "
            f"{existing.declared_at:%H:%M} UTC: use `incidentctl update {existing.id}`"
        )


def _number(
    ws: Workspace, incident: Incident, event: TimelineEvent, day: date, seq: int
) -> RenderedTargets:
    """Give the new incident the id of the day's `seq`, then render its messages with it."""
    incident.id = ws.playbook.format_id(day, seq)
    event.incident_id = incident.id
    record_snapshots(ws, incident, event, Stage.INVESTIGATING)
    return render_targets(ws, incident, event, Stage.INVESTIGATING)


def commit_declare(ws: Workspace, plan: Plan) -> Incident:
    """Store the incident, its event and its deliveries in one transaction, as planned.

    When a concurrent declare stored the planned id first, the plan takes the day's next id and
    is rendered again (outside the store's transaction) before it is stored with it.
    """
    incident, event = plan.incident, plan.events[0]
    day = ws.local_day(incident.declared_at)
    # a delivery is created when it is stored, which the user's confirmation may delay
    now = ws.now()
    for delivery in plan.deliveries:
        delivery.created_at = delivery.updated_at = now
    attempt = 1
    while True:
        try:
            return ws.store.create_incident(incident, event, plan.deliveries, day=day, seq=plan.seq)
        except IncidentIdTaken:
            seq = ws.store.next_sequence(day)
            # the same number again: no declare took it, the id format repeats an older id
            if seq == plan.seq or attempt == DECLARE_ATTEMPTS:
                raise
        attempt += 1
        plan.rendered = _number(ws, incident, event, day, seq)
        plan.seq = seq

"""Rendering an event into one delivery per target channel, checked against channel limits."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from incidentctl.app.targets import Target, select_targets
from incidentctl.app.workspace import Workspace
from incidentctl.channels.base import SendContext
from incidentctl.channels.capabilities import LengthNote, QuotesValues
from incidentctl.delivery.engine import payload_hash
from incidentctl.errors import Location, TemplateError, UsageError
from incidentctl.model.records import (
    Delivery,
    EventKind,
    Incident,
    Stage,
    TemplateStage,
    TimelineEvent,
)
from incidentctl.model.snapshots import EventSnapshot, IncidentSnapshot
from incidentctl.render.renderer import STAGE_PLACEHOLDER


@dataclass
class RenderedTargets:
    deliveries: list[Delivery]
    disabled: list[Target]
    # channel name -> (measured length, limit) for the preview's gauge
    lengths: dict[str, tuple[int, int | None]]
    # channel name -> what the length means there (SMS segments…)
    notes: dict[str, str] = field(default_factory=dict)
    # channel name -> why it is reached beyond the playbook's selection ("told at …")
    kept: dict[str, str] = field(default_factory=dict)


def incident_snapshot(ws: Workspace, incident: Incident) -> IncidentSnapshot:
    """The incident as channels see it, severity spelled out by the playbook (no secrets)."""
    playbook = ws.playbook
    severity = playbook.severity(incident.severity)
    return IncidentSnapshot(
        id=incident.id,
        title=incident.title,
        severity=incident.severity,
        status=incident.status,
        declared_at=incident.declared_at,
        severity_name=severity.name if severity else incident.severity,
        severity_rank=playbook.severity_rank(incident.severity),
        category=incident.category,
        impact=incident.impact,
        workaround=incident.workaround,
        eta=incident.eta,
        components=dict(incident.components),
        roles=dict(incident.roles),
        resolved_at=incident.resolved_at,
        next_update_due=incident.next_update_due,
        status_page_url=playbook.organization.status_page_url,
        uid=incident.uid,
        organization=incident.organization,
        timezone=incident.timezone,
    )


def event_snapshot(event: TimelineEvent, stage: Stage) -> EventSnapshot:
    return EventSnapshot(kind=event.kind, at=event.at, stage=stage, message=event.message)


def record_snapshots(ws: Workspace, incident: Incident, event: TimelineEvent, stage: Stage) -> None:
    """Keep in the event's data what its deliveries are about, as it stands now: a retry
    sends the same incident and event whatever changed since."""
    event.data["snapshot"] = incident_snapshot(ws, incident).to_json()
    event.data["event"] = event_snapshot(event, stage).to_json()


def stored_snapshots(
    ws: Workspace, incident: Incident, event: TimelineEvent | None, stage: Stage
) -> tuple[IncidentSnapshot, EventSnapshot]:
    """The snapshots `record_snapshots` kept in `event` (rebuilt from the records where it kept
    none); the incident's identity, which the stored JSON does not carry, from its record."""
    data = event.data if event is not None else {}
    stored = data.get("snapshot")
    snapshot = IncidentSnapshot.from_json(stored) if stored else incident_snapshot(ws, incident)
    snapshot = replace(
        snapshot, uid=incident.uid, organization=incident.organization, timezone=incident.timezone
    )
    kept = data.get("event")
    if kept:
        return snapshot, EventSnapshot.from_json(kept)
    if event is not None:
        return snapshot, event_snapshot(event, stage)
    # a delivery always belongs to a stored event: only a store edited by hand lacks it
    return snapshot, EventSnapshot(kind=EventKind.UPDATE, at=incident.updated_at, stage=stage)


def located(ws: Workspace, exc: TemplateError, channel: str, stage: TemplateStage) -> TemplateError:
    """`exc` with a place to look: the channel's override that names a missing file, else the
    template's own line, else the channel in the playbook."""
    if exc.location is not None:
        return exc
    config = ws.playbook.channels.get(channel)
    missing = [
        part
        for part, pattern in (config.templates.items() if config is not None else ())
        if ws.renderer.locate(pattern.replace(STAGE_PLACEHOLDER, stage.value)) is None
    ]
    if missing:
        where = ws.loaded.location(("channels", channel, "templates", missing[0]))
    elif exc.template and exc.line:
        where = Location(exc.template, exc.line, 1)
    else:
        where = ws.loaded.location(("channels", channel))
    return TemplateError(
        exc.message, location=where, template=exc.template, line=exc.line, reason=exc.reason
    )


def render_targets(
    ws: Workspace,
    incident: Incident,
    event: TimelineEvent,
    stage: Stage,
    timeline: Sequence[TimelineEvent] = (),
    told: Mapping[str, Stage] | None = None,
    *,
    template: TemplateStage | None = None,
    only: Collection[str] | None = None,
) -> RenderedTargets:
    """Render the message of every enabled target; a message over a limit is an error here,
    before anything is stored or sent.

    `template` names the templates when they are not the stage's own (a correction); `only`
    restricts the targets to these channels, whatever the playbook selects for the stage.
    """
    from incidentctl.render import build_context

    playbook = ws.playbook
    renderer = ws.renderer
    context = build_context(playbook, incident, event, now=ws.now(), timeline=timeline)
    deliveries: list[Delivery] = []
    disabled: list[Target] = []
    lengths: dict[str, tuple[int, int | None]] = {}
    notes: dict[str, str] = {}
    too_long: list[str] = []
    kept: dict[str, str] = {}
    if only is None:
        targets = select_targets(playbook, stage, incident.severity, incident.category, told)
    else:
        targets = [
            Target(name, channel.type, channel.enabled)
            for name, channel in playbook.channels.items()
            if name in only
        ]
    for target in targets:
        if not target.enabled:
            disabled.append(target)
            continue
        if target.kept:
            kept[target.channel] = target.kept
        checked = ws.channels.get(target.channel)
        if checked is None:  # load rejects unknown types: only a workspace built by hand
            raise UsageError(f"channel {target.channel!r}: unknown type {target.type!r}")
        cls = checked.cls
        config = playbook.channels[target.channel]
        probe = cls(
            target.channel,
            checked.settings,
            SendContext(env={}, outbox_dir=ws.state_dir, channel=target.channel),
            config.timeout,
        )
        quote = probe.quote_value if isinstance(probe, QuotesValues) else None
        try:
            message = renderer.render(
                template or stage, target.channel, cls.message_format, context, quote
            )
        except TemplateError as exc:
            raise located(ws, exc, target.channel, template or stage) from None
        length = probe.measure(message)
        lengths[target.channel] = (length, cls.max_length)
        note = probe.length_note(message) if isinstance(probe, LengthNote) else None
        if note:
            notes[target.channel] = note
        if cls.max_length is not None and length > cls.max_length:
            too_long.append(f"{target.channel} ({length}/{cls.max_length})")
        deliveries.append(
            Delivery(
                incident_id=incident.id,
                channel=target.channel,
                channel_type=target.type,
                stage=stage,
                message=message,
                payload_hash=payload_hash(message.as_dict()),
                created_at=ws.now(),
                updated_at=ws.now(),
            )
        )
    if too_long:
        raise UsageError(
            f"{(template or stage).value} message too long for channel {', '.join(too_long)}: "
            "shorten the text or the channel's template; nothing was sent"
        )
    return RenderedTargets(deliveries, disabled, lengths, notes, kept)

"""`correct`: fix the last message each channel got — in place where the channel can edit it,
with a short correction message (threaded under the original) where it cannot.

The corrected wording replaces the responder's text of that message: where the channel
`EditsMessages` and the message's id is known, the message is rendered again as it was, with
the new text, and replaces the old one (the delivery `edits` its remote id, so `retry` edits
again); elsewhere the `correction` templates say it in a new message. The timeline keeps the
correction, and which message each edit replaced.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from incidentctl.app.edits import EDITS_KEY, edited_message
from incidentctl.app.lookup import find_incident
from incidentctl.app.messages import (
    RenderedTargets,
    record_snapshots,
    render_targets,
    stored_snapshots,
)
from incidentctl.app.plan import Plan
from incidentctl.app.text import clean_text
from incidentctl.app.workspace import Workspace
from incidentctl.channels.capabilities import EditsMessages
from incidentctl.errors import StateError, UsageError
from incidentctl.model.records import (
    Delivery,
    DeliveryState,
    EventKind,
    Incident,
    MessageStage,
    TimelineEvent,
)
from incidentctl.model.snapshots import IncidentSnapshot


@dataclass(frozen=True)
class Original:
    """The message a channel got last, and what sent it first (an edit replaces it again)."""

    delivery: Delivery
    remote_id: str | None
    event: TimelineEvent | None


def plan_correction(ws: Workspace, incident_id: str | None, message: str) -> Plan:
    """The correction event and one delivery per channel that got a message: an edit where
    the channel can, else a `correction` message."""
    text = clean_text(message).strip()
    if not text:
        raise UsageError("--message must not be empty: give the corrected wording")
    incident = find_incident(ws.store, incident_id, open_only=True, organization=ws.organization)
    stored = ws.store.timeline(incident.id)
    originals = last_messages(ws, incident, stored)
    if not originals:
        raise StateError(f"{incident.id}: no message went out yet, there is nothing to correct")
    now = ws.now()
    event = TimelineEvent(incident.id, EventKind.CORRECTION, now, message=text)
    record_snapshots(ws, incident, event, incident.status)
    edits: dict[str, dict[str, object]] = {}
    rendered = RenderedTargets([], [], {})
    notices: list[str] = []
    posted: list[str] = []
    for channel, original in originals.items():
        checked = ws.channels.get(channel)
        editable = checked is not None and isinstance(checked.cls, EditsMessages)
        went = original.delivery.sent_at or original.delivery.created_at or now
        sent = f"sent {ws.local_time(went)}"
        if not (editable and original.remote_id and original.event is not None):
            posted.append(channel)
            notices.append(f"{channel}: cannot edit its message ({sent}): posts a correction")
            continue
        _merge(rendered, _edit(ws, incident, stored, original, text, channel))
        edits[channel] = {"remote_id": original.remote_id, "delivery": original.delivery.id}
        notices.append(f"{channel}: edits its message ({sent}) in place")
    if posted:
        correction = render_targets(
            ws,
            incident,
            event,
            incident.status,
            [*stored, event],
            template=MessageStage.CORRECTION,
            only=posted,
        )
        _merge(rendered, correction)
    event.data[EDITS_KEY] = edits
    return Plan(incident, [event], incident.status, rendered, notices)


def commit_correction(ws: Workspace, plan: Plan) -> Incident:
    ws.store.record(plan.incident, plan.events, plan.deliveries)
    return plan.incident


def last_messages(
    ws: Workspace, incident: Incident, timeline: list[TimelineEvent]
) -> dict[str, Original]:
    """Channel -> the message it got last (sent), in playbook order; an edit stands for the
    message it replaced."""
    events = {e.id: e for e in timeline if e.id is not None}
    sent = ws.store.deliveries(incident_id=incident.id, states=[DeliveryState.SENT])
    by_id = {d.id: d for d in sent}
    last: dict[str, Delivery] = {}
    for delivery in sent:
        last[delivery.channel] = delivery
    found: dict[str, Original] = {}
    for channel in ws.playbook.channels:
        if channel not in last:
            continue
        delivery = last[channel]
        event = events.get(delivery.event_id) if delivery.event_id is not None else None
        remote = edited_message(event, channel)
        if remote is not None and event is not None:
            first = by_id.get(event.data[EDITS_KEY][channel].get("delivery"))
            if first is not None:
                delivery = first
                event = events.get(first.event_id) if first.event_id is not None else None
        found[channel] = Original(delivery, remote or delivery.remote_id, event)
    return found


def _edit(
    ws: Workspace,
    incident: Incident,
    timeline: list[TimelineEvent],
    original: Original,
    text: str,
    channel: str,
) -> RenderedTargets:
    """The channel's message rendered again as it went out, with the corrected text."""
    assert original.event is not None
    stage = original.delivery.stage
    snapshot, _ = stored_snapshots(ws, incident, original.event, stage)
    then = _incident_as(snapshot, incident)
    fixed = replace(original.event, message=text)
    until = [fixed if e.id == fixed.id else e for e in timeline if e.at <= fixed.at]
    return render_targets(ws, then, fixed, stage, until, only=[channel])


def _incident_as(snapshot: IncidentSnapshot, incident: Incident) -> Incident:
    """The incident as the snapshot of one of its messages described it."""
    return replace(
        incident,
        title=snapshot.title,
        severity=snapshot.severity,
        status=snapshot.status,
        impact=snapshot.impact,
        workaround=snapshot.workaround,
        eta=snapshot.eta,
        category=snapshot.category,
        components=dict(snapshot.components),
        roles=dict(snapshot.roles),
        next_update_due=snapshot.next_update_due,
        resolved_at=snapshot.resolved_at,
        threads=dict(incident.threads),
    )


def _merge(into: RenderedTargets, more: RenderedTargets) -> None:
    into.deliveries.extend(more.deliveries)
    into.disabled.extend(more.disabled)
    into.lengths.update(more.lengths)
    into.notes.update(more.notes)

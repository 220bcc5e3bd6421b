"""A reminder's message for each reminder channel, from the `reminder` templates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from incidentctl.app.messages import located, record_snapshots
from incidentctl.app.reminders.due import DueReminder, whole_minutes
from incidentctl.app.workspace import Workspace
from incidentctl.channels.base import SendContext
from incidentctl.channels.capabilities import QuotesValues
from incidentctl.delivery.engine import payload_hash
from incidentctl.errors import TemplateError
from incidentctl.model.records import Delivery, EventKind, Incident, TimelineEvent
from incidentctl.render.times import readable_duration

# the built-in and overridable templates: `reminder.chat.j2`, `reminder.short.j2`…
REMINDER_TEMPLATE = "reminder"
# the text of the update `auto_update_after` posts (`still_investigating.text.j2`)
STILL_INVESTIGATING_TEMPLATE = "still_investigating.text.j2"
# the role whose holder a reminder names, when the playbook has it
COMMANDER_ROLE = "commander"


def last_public_event(ws: Workspace, incident: Incident) -> TimelineEvent:
    """The declaration or latest update: what the public last heard."""
    spoken = (EventKind.DECLARED, EventKind.UPDATE)
    events = [e for e in ws.store.timeline(incident.id) if e.kind in spoken]
    if events:
        return events[-1]
    return TimelineEvent(incident.id, EventKind.UPDATE, incident.updated_at)


def lead(ws: Workspace, incident: Incident) -> dict[str, str] | None:
    """Who keeps the cadence: the commander, else the first role someone holds."""
    roles = ws.playbook.roles
    held = [r for r in (COMMANDER_ROLE, *roles) if incident.roles.get(r)]
    if not held:
        return None
    role = held[0]
    return {
        "id": role,
        "name": roles[role].name if role in roles else role,
        "who": incident.roles[role],
    }


def reminder_context(
    ws: Workspace,
    due: DueReminder,
    incident: Incident,
    now: datetime,
    posted_to: Sequence[str] = (),
) -> dict[str, Any]:
    """The message context (see `render.context`) with `reminder`: `kind` (due_soon |
    overdue | auto_update), `in_text` (until the due time), `late_text` (past it),
    `since_text` (since the last public update: for an auto-update, the silence it ended),
    `lead` ({id, name, who} of the commander, or None) and `posted_to` (the channels an
    auto-update went to)."""
    from incidentctl.render import build_context

    language = ws.playbook.organization.language
    event = last_public_event(ws, due.incident)
    context = build_context(ws.playbook, incident, event, now=now)
    due_at = due.incident.next_update_due
    context["reminder"] = {
        "kind": due.kind.value,
        "in_text": readable_duration(whole_minutes(due_at - now, up=True), language)
        if due_at and due_at > now
        else None,
        "late_text": readable_duration(whole_minutes(now - due_at), language)
        if due_at and due_at <= now
        else None,
        "since_text": readable_duration(whole_minutes(now - due.incident.updated_at), language),
        "lead": lead(ws, incident),
        "posted_to": list(posted_to),
    }
    return context


def render_reminder(
    ws: Workspace,
    due: DueReminder,
    incident: Incident,
    now: datetime,
    posted_to: Sequence[str] = (),
) -> tuple[TimelineEvent, list[Delivery]]:
    """The reminder's timeline event and one delivery per enabled reminder channel."""
    context = reminder_context(ws, due, incident, now, posted_to)
    deliveries: list[Delivery] = []
    for name in ws.playbook.reminders.channels:
        config = ws.playbook.channels[name]
        checked = ws.channels.get(name)
        if not config.enabled or checked is None:
            continue
        probe = checked.cls(
            name,
            checked.settings,
            SendContext(env={}, outbox_dir=ws.state_dir, channel=name),
            config.timeout,
        )
        quote = probe.quote_value if isinstance(probe, QuotesValues) else None
        try:
            message = ws.renderer.render_kind(
                REMINDER_TEMPLATE, name, checked.cls.message_format, context, quote
            )
        except TemplateError as exc:
            raise located(ws, exc, name, incident.status) from None
        deliveries.append(
            Delivery(
                incident_id=incident.id,
                channel=name,
                channel_type=config.type,
                stage=incident.status,
                message=message,
                payload_hash=payload_hash(message.as_dict()),
                created_at=now,
                updated_at=now,
            )
        )
    summary = deliveries[0].message.text.splitlines()[0] if deliveries else due.kind.value
    event = TimelineEvent(
        incident.id,
        EventKind.REMINDER,
        now,
        message=summary,
        data={"reminder": due.kind.value, "slot": due.slot.isoformat()},
    )
    record_snapshots(ws, incident, event, incident.status)
    return event, deliveries


def still_investigating_text(ws: Workspace, incident: Incident, now: datetime) -> str:
    """The message of the update `auto_update_after` posts."""
    from incidentctl.render import build_context

    context = build_context(ws.playbook, incident, last_public_event(ws, incident), now=now)
    return ws.renderer.render_text(STILL_INVESTIGATING_TEMPLATE, context)

"""Rendering a maintenance notice for each channel its stage notifies, with the same
templates mechanism as incidents: `maintenance-<stage>.<part>.j2`, built-in per language,
overridden by a file of the same name in the playbook's templates folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from incidentctl.app.workspace import Workspace
from incidentctl.channels.base import SendContext
from incidentctl.channels.capabilities import QuotesValues
from incidentctl.delivery.engine import payload_hash
from incidentctl.errors import UsageError
from incidentctl.model.maintenance import (
    NOTICE_AS_STAGE,
    Maintenance,
    MaintenanceNotice,
    MaintenanceSnapshot,
    NoticeStage,
)
from incidentctl.model.records import ComponentStatus, Delivery
from incidentctl.render.context import organization
from incidentctl.render.renderer import PARTS_BY_FORMAT, SUFFIXES
from incidentctl.render.times import LocalTimes, readable_duration

STAGE_LABELS = {
    "en": {
        "scheduled": "Scheduled maintenance",
        "reminder": "Upcoming maintenance",
        "in_progress": "Maintenance in progress",
        "extended": "Maintenance extended",
        "completed": "Maintenance completed",
        "cancelled": "Maintenance cancelled",
        "rescheduled": "Maintenance rescheduled",
    },
    "fr": {
        "scheduled": "Maintenance programmée",
        "reminder": "Maintenance à venir",
        "in_progress": "Maintenance en cours",
        "extended": "Maintenance prolongée",
        "completed": "Maintenance terminée",
        "cancelled": "Maintenance annulée",
        "rescheduled": "Maintenance reprogrammée",
    },
}


# the stages after which the components leave maintenance
AFTER_THE_WORKS = (NoticeStage.COMPLETED, NoticeStage.CANCELLED)


@dataclass
class RenderedNotices:
    notices: list[MaintenanceNotice]
    # channel -> (measured length, limit), for the preview's gauge
    lengths: dict[str, tuple[int, int | None]] = field(default_factory=dict)


def template_names(stage: NoticeStage, message_format: str) -> dict[str, str]:
    """Part -> built-in name: `maintenance-scheduled.chat.j2`, `…email-subject.j2`."""
    parts = PARTS_BY_FORMAT.get(message_format, ("text",))
    return {part: f"maintenance-{stage.value}.{SUFFIXES[(message_format, part)]}" for part in parts}


def public_channels(ws: Workspace) -> list[str]:
    channels = ws.playbook.channels
    return [name for name, c in channels.items() if c.audience == "public" and c.enabled]


def notice_channels(ws: Workspace, stage: NoticeStage) -> list[str]:
    """The enabled channels the playbook's `maintenance: notify:` names for `stage`."""
    names = ws.playbook.maintenance.channels_for(stage, public_channels(ws))
    unknown = [n for n in names if n not in ws.playbook.channels]
    if unknown:
        raise UsageError(
            f"maintenance.notify names unknown channel {unknown[0]!r} "
            f"(known: {', '.join(ws.playbook.channels) or 'none'})"
        )
    return [n for n in names if ws.playbook.channels[n].enabled and n in ws.channels]


def snapshot(
    ws: Workspace, item: Maintenance, stage: NoticeStage, message: str
) -> MaintenanceSnapshot:
    policy = ws.playbook.maintenance
    return MaintenanceSnapshot(
        id=item.id,
        title=item.title,
        stage=stage,
        status=item.status,
        scheduled_for=item.scheduled_for,
        scheduled_until=item.scheduled_until,
        components=tuple(item.components),
        impact=item.impact,
        message=message,
        reminds=bool(policy.reminders),
        auto_transitions=policy.statuspage_auto_transitions,
        uid=item.uid,
        after=dict(item.previous) if stage in AFTER_THE_WORKS else {},
    )


def notice_context(
    ws: Workspace,
    item: Maintenance,
    stage: NoticeStage,
    message: str,
    *,
    previous_until: datetime | None = None,
) -> dict[str, Any]:
    """What a maintenance template may use (see README's "Scheduled maintenance")."""
    playbook = ws.playbook
    lang = playbook.organization.language
    now = ws.now()
    times = LocalTimes(playbook.organization.tz, lang, now)
    components = [
        {"id": c, "name": playbook.components[c].name if c in playbook.components else c}
        for c in item.components
    ]
    # after the works, a component an open incident still affects is not working normally
    after = item.previous if stage in AFTER_THE_WORKS else {}
    still_affected = [
        {**c, "status": after[c["id"]].value}
        for c in components
        if after.get(c["id"], ComponentStatus.OPERATIONAL) is not ComponentStatus.OPERATIONAL
    ]
    affected_ids = {c["id"] for c in still_affected}
    start, end = item.scheduled_for, item.scheduled_until
    overrun = item.overran_at is not None
    label = STAGE_LABELS["fr" if lang == "fr" else "en"][stage.value]
    return {
        "org": organization(playbook),
        # what the e-mail layout shared with incidents reads
        "incident": {
            "id": item.id,
            "title": item.title,
            "status": "maintenance",
            "status_label": label,
        },
        "maintenance": {
            "id": item.id,
            "title": item.title,
            "impact": item.impact,
            "stage": stage.value,
            "stage_label": label,
            "status": item.status.value,
            "components": components,
            "working": [c for c in components if c["id"] not in affected_ids],
            "still_affected": still_affected,
            "window": times.span(start, end),
            "start": times.text(start),
            "end": times.text(end),
            "start_when": times.when(start),
            "end_when": times.when(end),
            "duration": readable_duration(end - start, lang),
            "starts_in": readable_duration(max(start - now, timedelta(minutes=1)), lang),
            # said next to the new end: the zone once
            "previous_end": times.beside(previous_until, end) if previous_until else None,
            "overran": overrun,
            "overrun": (
                readable_duration(item.overrun_end(now) - end, lang)
                if overrun and item.overrun_end(now) > end
                else None
            ),
        },
        "update": {"message": message.strip()},
        "now": times.full(now),
    }


def render_notices(
    ws: Workspace,
    item: Maintenance,
    stage: NoticeStage,
    message: str = "",
    *,
    previous_until: datetime | None = None,
) -> RenderedNotices:
    """One notice per channel told at `stage`; a message over a channel's limit is refused
    here, before anything is stored or sent."""
    context = notice_context(ws, item, stage, message, previous_until=previous_until)
    shot = snapshot(ws, item, stage, message)
    result = RenderedNotices([])
    too_long: list[str] = []
    now = ws.now()
    for name in notice_channels(ws, stage):
        checked = ws.channels[name]
        cls = checked.cls
        config = ws.playbook.channels[name]
        probe = cls(
            name,
            checked.settings,
            SendContext(env={}, outbox_dir=ws.state_dir, channel=name),
            config.timeout,
        )
        quote = probe.quote_value if isinstance(probe, QuotesValues) else None
        names = template_names(stage, cls.message_format)
        rendered = ws.renderer.render_named(names, name, context, quote)
        length = probe.measure(rendered)
        result.lengths[name] = (length, cls.max_length)
        if cls.max_length is not None and length > cls.max_length:
            too_long.append(f"{name} ({length}/{cls.max_length})")
        delivery = Delivery(
            incident_id=item.id,
            channel=name,
            channel_type=config.type,
            stage=NOTICE_AS_STAGE[stage],
            message=rendered,
            payload_hash=payload_hash(rendered.as_dict()),
            created_at=now,
            updated_at=now,
        )
        result.notices.append(MaintenanceNotice(delivery, stage, shot))
    if too_long:
        raise UsageError(
            f"{stage.value} maintenance message too long for channel {', '.join(too_long)}: "
            "shorten the text or the template; nothing was sent"
        )
    return result

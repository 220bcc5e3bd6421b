"""`postmortem --publish`: the public postmortem, previewed and sent like any message.

The document is rendered from `postmortem-public.md.j2` with the facts of the record (duration,
components, impact, the public resolution message) and the sections the team wrote in the
internal review (see `review_sections`). It is built from a copy of the record with nothing
internal in it — no roles, no event messages, no role changes — so even a playbook's own
template cannot quote a note or a handle. It goes to the public channels that were told about
the incident: the whole document to the services that keep one (Statuspage) and by e-mail, a
short post pointing to it elsewhere (status site, X, SMS, public chats); the timeline records it
as `postmortem_published`, with its deliveries, which `retry` sends again like any other.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from incidentctl.app.mermaid import incident_gantt
from incidentctl.app.messages import RenderedTargets, located, record_snapshots, render_each
from incidentctl.app.plan import Plan
from incidentctl.app.postmortem import default_postmortem_path, latest_incident
from incidentctl.app.review_sections import normalized, public_text, read_sections, written
from incidentctl.app.site.uptime import RANK, segments
from incidentctl.app.targets import Target
from incidentctl.app.workspace import Workspace
from incidentctl.channels.base import Channel, ChannelType
from incidentctl.channels.capabilities import PostsPostmortem, QuotesValues
from incidentctl.errors import ConflictError, Location, TemplateError, UsageError
from incidentctl.model.records import (
    ComponentStatus,
    DeliveryState,
    EventKind,
    Incident,
    RenderedMessage,
    Stage,
    TimelineEvent,
)
from incidentctl.render.labels import COMPONENT_STATUS_LABELS, label
from incidentctl.render.renderer import PUBLIC_POSTMORTEM_TEMPLATE

# the headings of the built-in review (`postmortem.md.j2`) in each language
REVIEW_SECTIONS = {
    "en": {
        "cause": "Root cause and contributing factors",
        "actions": "Action items",
        "summary": "Public summary",
    },
    "fr": {
        "cause": "Cause racine et facteurs contributifs",
        "actions": "Actions",
        "summary": "Résumé public",
    },
}
# what a person's handle and a chat room's name become in the public text
TEAM = {"en": "the team", "fr": "l'équipe"}
ROOM = {"en": "an internal channel", "fr": "un salon interne"}
# event data that may name people or carry what internal channels were sent
PRIVATE_DATA = ("roles", "snapshot", "event", "from", "to", "who")


def review_file(ws: Workspace, incident: Incident, review: Path | None) -> Path:
    """The internal review: `review`, else the file `postmortem` last wrote, else the usual."""
    if review is not None:
        return review
    written_events = [
        e
        for e in ws.store.timeline(incident.id)
        if e.kind is EventKind.POSTMORTEM_WRITTEN and e.data.get("path")
    ]
    if written_events:
        return Path(str(written_events[-1].data["path"]))
    return default_postmortem_path(incident)


def quoted_sections(ws: Workspace, incident: Incident, path: Path) -> dict[str, str]:
    """cause, actions (required) and summary ("" when absent) from the review at `path`, as
    customers may read them."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(
            f"internal review {path} not found: write it with `incidentctl postmortem "
            f"{incident.id}`, fill in its sections, or point to it with --review FILE"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise UsageError(f"cannot read the internal review {path}: {reason}") from None
    language = ws.playbook.organization.language
    defaults = REVIEW_SECTIONS.get(language, REVIEW_SECTIONS["en"])
    settings = ws.playbook.postmortem
    titles = {
        "cause": settings.cause_section or defaults["cause"],
        "actions": settings.actions_section or defaults["actions"],
        "summary": settings.summary_section or defaults["summary"],
    }
    sections = read_sections(text)
    team = TEAM.get(language, TEAM["en"])
    room = ROOM.get(language, ROOM["en"])
    quoted: dict[str, str] = {}
    for key, title in titles.items():
        section = sections.get(normalized(title))
        if section is None:
            if key == "summary":
                quoted[key] = ""
                continue
            raise UsageError(
                f"no section {title!r} in the internal review (a `## {title}` heading; the "
                f"playbook's postmortem.{key}_section names another)",
                location=Location(str(path)),
            )
        body = written(section.body)
        if not body and key != "summary":
            raise UsageError(
                f"section {title!r} of the internal review is not written yet (only the "
                "scaffold's placeholders): write it before publishing",
                location=Location(str(path), section.line, 1),
            )
        quoted[key] = public_text(body, team, room)
    return quoted


def public_record(
    incident: Incident, timeline: list[TimelineEvent]
) -> tuple[Incident, list[TimelineEvent]]:
    """The incident and timeline with nothing internal left: no roles, no role changes, no
    messages, no data naming people."""
    incident = replace(incident, roles={}, threads={})
    events = [
        replace(
            e,
            message="",
            data={k: v for k, v in e.data.items() if k not in PRIVATE_DATA or _kept(e, k)},
        )
        for e in timeline
        if e.kind is not EventKind.ROLE_CHANGE
    ]
    return incident, events


def _kept(event: TimelineEvent, key: str) -> bool:
    """Status and component changes keep their `from`/`to` (stages and statuses, not people)."""
    return key in ("from", "to") and event.kind in (
        EventKind.STATUS_CHANGE,
        EventKind.COMPONENT_CHANGE,
        EventKind.SEVERITY_CHANGE,
    )


def public_targets(ws: Workspace, incident: Incident) -> list[Target]:
    """The public channels that carried a message of the incident, in playbook order."""
    told = {
        d.channel for d in ws.store.deliveries(incident_id=incident.id, states=[DeliveryState.SENT])
    }
    return [
        Target(name, config.type, config.enabled)
        for name, config in ws.playbook.channels.items()
        if config.audience == "public" and name in told
    ]


def postmortem_url(ws: Workspace, incident: Incident, targets: list[Target]) -> str | None:
    """Where customers read it: the status site's incident page, else the Statuspage
    incident's short link, else the status page."""
    base = ws.playbook.organization.status_page_url
    if base and any(t.type == "statussite" for t in targets):
        return f"{base.rstrip('/')}/incidents/{incident.id}.html#postmortem"
    names = {t.channel for t in targets if t.type == "statuspage"}
    links = [
        d.link
        for d in ws.store.deliveries(incident_id=incident.id, states=[DeliveryState.SENT])
        if d.channel in names and d.link
    ]
    return links[0] if links else base


def plan_publish(ws: Workspace, incident_id: str | None, review: Path | None = None) -> Plan:
    """Render the public postmortem and its deliveries; nothing is stored yet."""
    from incidentctl.render import build_context

    incident = latest_incident(ws, incident_id)
    if incident.is_open:
        raise ConflictError(
            f"{incident.id} is still open: resolve it before publishing its postmortem"
        )
    path = review_file(ws, incident, review)
    sections = quoted_sections(ws, incident, path)
    timeline = ws.store.timeline(incident.id)
    targets = public_targets(ws, incident)
    sent = ws.store.deliveries(incident_id=incident.id, states=[DeliveryState.SENT])
    public = {t.channel for t in targets}
    first_public = min((d.sent_at for d in sent if d.channel in public and d.sent_at), default=None)
    announced = {d.event_id for d in sent if d.channel in public}
    resolution = next(
        (e.message.strip() for e in reversed(timeline) if e.kind is EventKind.RESOLVED), ""
    )
    resolved_ids = {e.id for e in timeline if e.kind is EventKind.RESOLVED}
    if not announced & resolved_ids:
        resolution = ""  # the resolution went to internal channels only
    shown, events = public_record(incident, timeline)
    now = ws.now()
    url = postmortem_url(ws, incident, targets)
    facts: dict[str, Any] = {
        **sections,
        "resolution": resolution,
        "components": _components(ws, incident, timeline),
        "mermaid": incident_gantt(ws.playbook, shown, events, first_sent=first_public, now=now),
        "url": url,
        "document": "",
    }
    event = TimelineEvent(incident.id, EventKind.POSTMORTEM_PUBLISHED, now)
    context = build_context(ws.playbook, shown, event, now=now, timeline=events)
    context["postmortem"] = facts
    document = ws.renderer.render_postmortem(context, PUBLIC_POSTMORTEM_TEMPLATE)
    facts["document"] = document.strip()
    post = ws.renderer.render_postmortem_message("", "chat", context)
    event.message = post.text
    event.data = {"document": document, "review": str(path), "url": url}
    record_snapshots(ws, incident, event, Stage.RESOLVED)
    rendered = _render(ws, incident, targets, context, document)
    notices = [f"internal review: {path} (it stays private: only its quoted sections go out)"]
    if any(e.kind is EventKind.POSTMORTEM_PUBLISHED for e in timeline):
        notices.append(f"{incident.id}: a postmortem was published before; this one replaces it")
    if not rendered.deliveries:
        notices.append("no public channel carried this incident: the postmortem is only recorded")
    return Plan(incident, [event], Stage.RESOLVED, rendered, notices)


def _components(
    ws: Workspace, incident: Incident, timeline: list[TimelineEvent]
) -> list[dict[str, str]]:
    """Each component the incident touched, with the worst status it had."""
    worst: dict[str, ComponentStatus] = {}
    for segment in segments(incident, timeline, ws.now()):
        held = worst.get(segment.component, ComponentStatus.OPERATIONAL)
        if RANK[segment.status] > RANK[held]:
            worst[segment.component] = segment.status
    lang = ws.playbook.organization.language
    order = [*ws.playbook.components, *(c for c in worst if c not in ws.playbook.components)]
    return [
        {
            "id": cid,
            "name": ws.playbook.components[cid].name if cid in ws.playbook.components else cid,
            "status": worst[cid].value,
            "status_label": label(COMPONENT_STATUS_LABELS, lang, worst[cid].value),
        }
        for cid in order
        if cid in worst
    ]


def _render(
    ws: Workspace,
    incident: Incident,
    targets: list[Target],
    context: dict[str, Any],
    document: str,
) -> RenderedTargets:
    """Each target's message: the document itself where the service keeps one, else the
    `postmortem.<part>.j2` post."""

    def message_for(target: Target, cls: ChannelType, probe: Channel) -> RenderedMessage:
        if isinstance(cls, PostsPostmortem) and cls.postmortem_document:
            return RenderedMessage(text=document.strip())
        quote = probe.quote_value if isinstance(probe, QuotesValues) else None
        try:
            return ws.renderer.render_postmortem_message(
                target.channel, cls.message_format, context, quote
            )
        except TemplateError as exc:
            raise located(ws, exc, target.channel, Stage.RESOLVED) from None

    known = [t for t in targets if t.channel in ws.channels]
    return render_each(ws, incident, Stage.RESOLVED, known, message_for, "postmortem")


def commit_publish(ws: Workspace, plan: Plan) -> Incident:
    ws.store.record(plan.incident, plan.events, plan.deliveries)
    return plan.incident

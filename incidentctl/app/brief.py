"""`brief`: the support desk's script for an incident, rendered with its latest facts.

It is the message a support desk's channel (`audience: support`) gets, rendered now: the same
template (`<stage>.support.j2`, or that channel's own `text` override), the incident as it
stands, the customer reports linked so far.
"""

from __future__ import annotations

from dataclasses import dataclass

from incidentctl.app.lookup import find_incident
from incidentctl.app.workspace import Workspace
from incidentctl.errors import UsageError
from incidentctl.model.records import (
    EventKind,
    Incident,
    MessageStage,
    TemplateStage,
    TimelineEvent,
)
from incidentctl.render.labels import LANGUAGES
from incidentctl.render.renderer import SUPPORT_AUDIENCE, Renderer

# the events whose message the brief repeats as "latest from the team"
_NEWS = (EventKind.DECLARED, EventKind.UPDATE, EventKind.RESOLVED, EventKind.REOPENED)


@dataclass(frozen=True)
class Brief:
    incident: Incident
    language: str
    text: str


def _renderer(ws: Workspace, language: str) -> tuple[Renderer, str]:
    """The renderer for `language` and the channel to render as: the playbook's own support
    channel when the playbook is in that language, else the built-in templates."""
    playbook = ws.playbook
    if language == playbook.organization.language:
        support = next(
            (name for name, c in playbook.channels.items() if c.briefs_support and c.enabled), ""
        )
        return ws.renderer, support
    organization = playbook.organization.model_copy(update={"language": language})
    # the playbook's own templates are written in its language: the built-ins speak this one
    return Renderer(playbook.model_copy(update={"organization": organization}), None), ""


def current_brief(ws: Workspace, incident_id: str | None, language: str | None = None) -> Brief:
    """The brief of the incident (the only open one without an id), in `language` (default:
    the playbook's)."""
    from incidentctl.render import build_context

    language = (language or ws.playbook.organization.language).strip().lower()
    if language not in LANGUAGES:
        raise UsageError(f"--lang {language!r}: use one of {', '.join(LANGUAGES)}")
    incident = find_incident(
        ws.store, incident_id, open_only=incident_id is None, organization=ws.organization
    )
    timeline = ws.store.timeline(incident.id)
    news = [e for e in timeline if e.kind in _NEWS]
    event = news[-1] if news else TimelineEvent(incident.id, EventKind.UPDATE, incident.updated_at)
    renderer, channel = _renderer(ws, language)
    context = build_context(renderer.playbook, incident, event, now=ws.now(), timeline=timeline)
    # the desk got the reopening's own brief: the same text until the next update
    stage: TemplateStage = (
        MessageStage.REOPENED if event.kind is EventKind.REOPENED else incident.status
    )
    message = renderer.render(stage, channel, "chat", context, audience=SUPPORT_AUDIENCE)
    return Brief(incident, language, message.text)

"""Playbooks, incidents and timelines for the render tests, built in memory."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from incidentctl.model.records import ComponentStatus, EventKind, Incident, Stage, TimelineEvent
from incidentctl.playbook.schema import Playbook
from incidentctl.render import Renderer, build_context

# 13:50 UTC is 14:50 in Paris in December
NOW = datetime(2025, 12, 19, 13, 50, tzinfo=UTC)
STATUS_URL = "https://status.acme-cloud.example"

BASE: dict[str, Any] = {
    "organization": {
        "name": "Acme Cloud",
        "timezone": "Europe/Paris",
        "language": "en",
        "status_page_url": STATUS_URL,
        "support_contact": "support@acme-cloud.example",
    },
    "severities": [
        {
            "id": "sev1",
            "name": "Critical",
            "update_every": "30m",
            "postmortem_required": True,
            "notify": {"all": ["room", "outbox", "sms", "mail"]},
        },
        {"id": "sev2", "name": "Major", "update_every": "1h", "notify": {"all": ["outbox"]}},
    ],
    "roles": {
        "commander": {"name": "Incident commander", "default": "@jordan"},
        "comms": {"name": "Communications lead", "default": "@priya"},
        "scribe": {"name": "Scribe"},
    },
    "components": {
        "portal": {"name": "Customer portal"},
        "api": {"name": "Public API"},
        "billing": {"name": "Billing"},
    },
    "categories": {"security": {"name": "Security", "min_severity": "sev1"}},
    "channels": {
        "room": {"type": "slack", "audience": "internal"},
        "outbox": {"type": "outbox", "audience": "public"},
        "sms": {"type": "sms", "audience": "public"},
        "mail": {"type": "sendgrid", "audience": "public"},
    },
}


def make_playbook(language: str = "en", **changes: Any) -> Playbook:
    """The base playbook in `language`; keyword arguments replace top-level keys."""
    data = copy.deepcopy(BASE)
    data["organization"]["language"] = language
    data.update(changes)
    return Playbook.model_validate(data)


def make_incident(**changes: Any) -> Incident:
    declared = NOW - timedelta(minutes=20)
    fields: dict[str, Any] = {
        "id": "INC-20251219-0012",
        "title": "Customer portal returning errors",
        "severity": "sev1",
        "status": Stage.INVESTIGATING,
        "declared_at": declared,
        "updated_at": declared,
        "impact": "About a third of customers cannot sign in",
        "workaround": "Use the mobile app",
        "eta": "within the hour",
        "components": {"portal": ComponentStatus.MAJOR_OUTAGE},
        "roles": {"commander": "@jordan"},
        "next_update_due": declared + timedelta(minutes=30),
    }
    fields.update(changes)
    return Incident(**fields)


def declared_event(incident: Incident) -> TimelineEvent:
    return TimelineEvent(
        incident.id, EventKind.DECLARED, incident.declared_at, message=incident.impact
    )


def render(
    playbook: Playbook,
    incident: Incident,
    event: TimelineEvent,
    channel: str,
    message_format: str,
    *,
    templates_dir: Path | None = None,
    timeline: tuple[TimelineEvent, ...] = (),
) -> Any:
    context = build_context(playbook, incident, event, now=NOW, timeline=timeline)
    return Renderer(playbook, templates_dir).render(
        incident.status, channel, message_format, context
    )


START = NOW - timedelta(minutes=50)  # 14:00 in Paris
STAGE_AT = {
    Stage.INVESTIGATING: START,
    Stage.IDENTIFIED: START + timedelta(minutes=20),
    Stage.MONITORING: START + timedelta(minutes=35),
    Stage.RESOLVED: NOW,
}
# next update promised by each open stage's message, with a 30 min cadence, as each language
# reads it (no-break spaces in French)
NEXT_UPDATE = {
    "en": {
        Stage.INVESTIGATING: "14:30 CET",
        Stage.IDENTIFIED: "14:50 CET",
        Stage.MONITORING: "15:05 CET",
    },
    "fr": {
        Stage.INVESTIGATING: "14\u00a0h\u00a030 (heure de Paris)",
        Stage.IDENTIFIED: "14\u00a0h\u00a050 (heure de Paris)",
        Stage.MONITORING: "15\u00a0h\u00a005 (heure de Paris)",
    },
}
NOTES = {
    Stage.IDENTIFIED: "A load-balancer configuration change rejects part of the traffic",
    Stage.MONITORING: "The change is rolled back; error rates are back to normal",
    Stage.RESOLVED: "Caused by a load-balancer configuration change, now reverted",
}


def story(stage: Stage, **changes: Any) -> tuple[Incident, TimelineEvent, list[TimelineEvent]]:
    """An incident taken to `stage` the way the core records it, and its latest event."""
    incident = make_incident(
        declared_at=START,
        updated_at=STAGE_AT[stage],
        status=stage,
        components={
            "portal": ComponentStatus.MAJOR_OUTAGE,
            "api": ComponentStatus.DEGRADED_PERFORMANCE,
        },
        **changes,
    )
    timeline = [TimelineEvent(incident.id, EventKind.DECLARED, START, message=incident.impact)]
    previous = Stage.INVESTIGATING
    for step in (Stage.IDENTIFIED, Stage.MONITORING, Stage.RESOLVED):
        if list(Stage).index(step) > list(Stage).index(stage):
            break
        at = STAGE_AT[step]
        timeline.append(
            TimelineEvent(
                incident.id,
                EventKind.STATUS_CHANGE,
                at,
                data={"from": previous.value, "to": step.value},
            )
        )
        kind = EventKind.RESOLVED if step is Stage.RESOLVED else EventKind.UPDATE
        timeline.append(TimelineEvent(incident.id, kind, at, message=NOTES[step]))
        previous = step
    if stage is Stage.RESOLVED:
        incident.resolved_at = NOW
        incident.next_update_due = None
        incident.components = dict.fromkeys(incident.components, ComponentStatus.OPERATIONAL)
    else:
        incident.next_update_due = STAGE_AT[stage] + timedelta(minutes=30)
    return incident, timeline[-1], timeline

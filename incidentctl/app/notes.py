"""`note`: an internal line on the incident's timeline, never sent to any channel."""

from __future__ import annotations

from incidentctl.app.lookup import find_incident
from incidentctl.app.text import clean_text
from incidentctl.app.versioned import until_stored
from incidentctl.app.workspace import Workspace
from incidentctl.errors import UsageError
from incidentctl.model.records import EventKind, Incident, TimelineEvent


def add_note(
    ws: Workspace, incident_id: str | None, message: str
) -> tuple[Incident, TimelineEvent]:
    """Record `message` on the timeline (on the only open incident without an id); the
    incident itself is unchanged, and nothing is sent."""
    text = clean_text(message).strip()
    if not text:
        raise UsageError("--message must not be empty: write the note")

    def write(attempt: int) -> tuple[Incident, TimelineEvent]:
        incident = find_incident(
            ws.store, incident_id, open_only=incident_id is None, organization=ws.organization
        )
        event = TimelineEvent(incident.id, EventKind.NOTE, ws.now(), message=text)
        ws.store.record(incident, [event], [])
        return incident, event

    return until_stored(write, exclusive=ws.store.exclusive)

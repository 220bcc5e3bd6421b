"""Finding the incident a command is about."""

from __future__ import annotations

from incidentctl.errors import IncidentNotFound
from incidentctl.model.records import Incident
from incidentctl.store.base import Store


def find_incident(store: Store, incident_id: str | None, *, open_only: bool = True) -> Incident:
    """The incident with this id; without an id, the only open one (ambiguity is an error)."""
    if incident_id:
        incident = store.get_incident(incident_id) or store.get_incident(incident_id.upper())
        if incident is None:
            raise IncidentNotFound(f"no incident {incident_id!r} (see `incidentctl list`)")
        return incident
    candidates = store.list_incidents(open_only=open_only)
    if not candidates:
        what = "open incident" if open_only else "incident"
        raise IncidentNotFound(f"no {what} found: give an incident id")
    if len(candidates) > 1:
        ids = ", ".join(i.id for i in candidates[:10])
        raise IncidentNotFound(
            f"{len(candidates)} open incidents, say which one: {ids}"
            if open_only
            else f"several incidents, say which one: {ids}"
        )
    return candidates[0]

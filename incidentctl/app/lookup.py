"""Finding the incident a command is about: by id, by a short id, or the only open one."""

from __future__ import annotations

import re

from incidentctl.errors import IncidentNotFound
from incidentctl.model.records import Incident
from incidentctl.store.base import Store

# `0001` or `20261201-0001`: the end of an id, typed in a hurry
SHORT_ID = re.compile(r"^(?:\d{8}-)?\d{1,6}$")
LISTED = 10


def _described(incidents: list[Incident]) -> str:
    shown = ", ".join(f"{i.id} ({i.title})" for i in incidents[:LISTED])
    more = f" and {len(incidents) - LISTED} more" if len(incidents) > LISTED else ""
    return shown + more


def _ends_like(incident_id: str, text: str) -> bool:
    """`0001`, `1` or `20261201-0001` name INC-20261201-0001: the same last number, and the
    same day when one is given."""
    head, _, last = incident_id.rpartition("-")
    want_head, _, want_last = text.rpartition("-")
    return (
        last.isdigit()
        and int(last) == int(want_last)
        and (not want_head or head.endswith(want_head))
    )


def _by_short_id(store: Store, text: str, organization: str | None) -> list[Incident]:
    """The incidents `text` may name: those with its number as their day's sequence (the store
    finds them by index), and its day when one is given."""
    number = int(text.rpartition("-")[2])
    candidates = store.list_incidents(organization=organization, seq=number)
    return [i for i in candidates if _ends_like(i.id, text)]


def _refuse_foreign(incident: Incident, organization: str | None) -> Incident:
    """An incident of another team's playbook is not this command's to change."""
    if organization is not None and incident.organization not in ("", organization):
        raise IncidentNotFound(
            f"{incident.id} belongs to {incident.organization!r}, not to {organization!r}: "
            "run the command with that team's playbook (--playbook)"
        )
    return incident


def find_incident(
    store: Store,
    incident_id: str | None,
    *,
    open_only: bool = True,
    organization: str | None = None,
) -> Incident:
    """The incident with this id (or short id); without an id, the only open one.

    With `organization`, only that organization's incidents are candidates, and one of another
    organization named by its id is refused.
    """
    if incident_id:
        incident = store.get_incident(incident_id) or store.get_incident(incident_id.upper())
        if incident is not None:
            return _refuse_foreign(incident, organization)
        if SHORT_ID.match(incident_id.strip()):
            matches = _by_short_id(store, incident_id.strip(), organization)
            if len(matches) == 1:
                return matches[0]
            if matches:
                raise IncidentNotFound(
                    f"{incident_id!r} matches {len(matches)} incidents, say which one: "
                    f"{_described(matches)}"
                )
        raise IncidentNotFound(f"no incident {incident_id!r} (see `incidentctl list`)")
    candidates = store.list_incidents(open_only=open_only, organization=organization)
    if not candidates:
        what = "open incident" if open_only else "incident"
        raise IncidentNotFound(f"no {what} found: give an incident id")
    if len(candidates) > 1:
        raise IncidentNotFound(
            f"{len(candidates)} open incidents, say which one: {_described(candidates)}"
            if open_only
            else f"several incidents, say which one: {_described(candidates)}"
        )
    return candidates[0]

"""`report`: a customer's ticket or call linked to an incident by the support desk.

A report is a timeline event (`customer_report`) and nothing else: it is never sent, public
channels never see it (the renderer leaves `reports` empty for them), and the resolution's
internal and support messages list every one so the desk can close the tickets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from incidentctl.app.lookup import find_incident
from incidentctl.app.text import clean_line
from incidentctl.app.versioned import until_stored
from incidentctl.app.workspace import Workspace
from incidentctl.errors import UsageError
from incidentctl.model.records import EventKind, Incident, TimelineEvent

# how the customer reached the desk
REPORT_CHANNELS = ("phone", "ticket", "chat")
MAX_TICKET = 200
MAX_CUSTOMER = 200


@dataclass(frozen=True)
class LinkedReport:
    incident: Incident
    # the event that links it; the earlier one when the ticket was linked already
    event: TimelineEvent
    already_linked: bool
    # every report linked to the incident now, this one included
    count: int
    # when the event was recorded, in the organization's zone and language
    at_text: str = ""


def reports_of(events: Sequence[TimelineEvent]) -> list[TimelineEvent]:
    """The customer reports on a timeline, oldest first."""
    return [e for e in events if e.kind is EventKind.CUSTOMER_REPORT]


def _same_ticket(event: TimelineEvent, ticket: str) -> bool:
    return str(event.data.get("ticket", "")).casefold() == ticket.casefold()


def _checked(ticket: str, customer: str | None, via: str | None) -> tuple[str, str, str]:
    ticket, customer = clean_line(ticket), clean_line(customer or "")
    if not ticket:
        raise UsageError("--ticket must not be empty: give the ticket or call reference")
    if len(ticket) > MAX_TICKET:
        raise UsageError(f"--ticket is {len(ticket)} characters long (at most {MAX_TICKET})")
    if len(customer) > MAX_CUSTOMER:
        raise UsageError(f"--customer is {len(customer)} characters long (at most {MAX_CUSTOMER})")
    via = (via or "").strip().lower()
    if via and via not in REPORT_CHANNELS:
        raise UsageError(f"--channel {via!r}: use one of {', '.join(REPORT_CHANNELS)}")
    return ticket, customer, via


def describe_report(ticket: str, customer: str, via: str) -> str:
    """The timeline's line for a report: `T-1234 (Globex, phone)`."""
    details = ", ".join(part for part in (customer, via) if part)
    return f"{ticket} ({details})" if details else ticket


def link_report(
    ws: Workspace,
    incident_id: str | None,
    ticket: str,
    *,
    customer: str | None = None,
    via: str | None = None,
) -> LinkedReport:
    """Link a customer's ticket to the incident (the only open one without an id); a ticket
    linked already is not recorded again."""
    ticket, customer, via = _checked(ticket, customer, via)

    def write(attempt: int) -> LinkedReport:
        incident = find_incident(
            ws.store, incident_id, open_only=incident_id is None, organization=ws.organization
        )
        reports = reports_of(ws.store.timeline(incident.id))
        earlier = next((e for e in reports if _same_ticket(e, ticket)), None)
        if earlier is not None:
            return LinkedReport(incident, earlier, True, len(reports), ws.local_time(earlier.at))
        event = TimelineEvent(
            incident.id,
            EventKind.CUSTOMER_REPORT,
            ws.now(),
            message=describe_report(ticket, customer, via),
            data={"ticket": ticket, "customer": customer, "via": via},
        )
        ws.store.record(incident, [event], [])
        return LinkedReport(incident, event, False, len(reports) + 1)

    return until_stored(write, exclusive=ws.store.exclusive)

"""The maintenance windows as an iCalendar file (RFC 5545) customers subscribe to.

Written by hand (a few properties; no dependency): one VEVENT per window, in UTC, its
`SEQUENCE` the window's version so a calendar takes an extension or a cancellation as an
update of the same event (`STATUS:CANCELLED`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from incidentctl.model.maintenance import Maintenance, MaintenanceStatus
from incidentctl.playbook.identity import Identity
from incidentctl.render.punctuation import labelled
from incidentctl.store.base import Store

if TYPE_CHECKING:  # the site passes its validated playbook; `maintenance ics` does without
    from incidentctl.playbook.schema import Playbook

_STATUS = {
    MaintenanceStatus.SCHEDULED: "CONFIRMED",
    MaintenanceStatus.IN_PROGRESS: "CONFIRMED",
    MaintenanceStatus.COMPLETED: "CONFIRMED",
    MaintenanceStatus.CANCELLED: "CANCELLED",
}
_PREFIX = {"en": "Maintenance", "fr": "Maintenance"}


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with a space (never inside a UTF-8 sequence)."""
    out: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not out else 74
        if len((current + char).encode("utf-8")) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return "\r\n ".join(out)


def _stamp(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}"


@dataclass(frozen=True)
class Heading:
    """What the calendar names of the organization: from the validated playbook (the status
    site) or from the playbook's identity (`maintenance ics`, no playbook models built)."""

    organization: str
    timezone: str
    language: str
    status_page_url: str
    components: Mapping[str, str]  # id -> name

    @classmethod
    def of_playbook(cls, playbook: Playbook) -> Heading:
        org = playbook.organization
        return cls(
            org.name,
            org.timezone,
            org.language,
            org.status_page_url or "",
            {key: spec.name for key, spec in playbook.components.items()},
        )

    @classmethod
    def of_identity(cls, identity: Identity) -> Heading:
        return cls(
            identity.organization,
            identity.timezone,
            identity.language,
            identity.status_page_url,
            identity.components,
        )


def event_lines(item: Maintenance, heading: Heading, now: datetime) -> list[str]:
    names = [heading.components.get(c, c) for c in item.components]
    lang = heading.language
    description = "\n".join(
        part
        for part in (
            item.impact,
            labelled(
                "Services concernés" if lang == "fr" else "Services concerned",
                ", ".join(names),
                lang,
            ),
            labelled("Référence" if lang == "fr" else "Reference", item.id, lang),
        )
        if part
    )
    lines = [
        "BEGIN:VEVENT",
        f"UID:{item.uid or item.id}@incidentctl",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(item.scheduled_for)}",
        f"DTEND:{_stamp(item.scheduled_until)}",
        f"SEQUENCE:{item.version}",
        f"LAST-MODIFIED:{_stamp(item.updated_at)}",
        f"SUMMARY:{_escape(labelled(_PREFIX.get(lang, 'Maintenance'), item.title, lang))}",
        f"DESCRIPTION:{_escape(description)}",
        f"STATUS:{_STATUS[item.status]}",
        "TRANSP:TRANSPARENT",
    ]
    if heading.status_page_url:
        lines.append(f"URL:{heading.status_page_url}")
    lines.append("END:VEVENT")
    return lines


def calendar_of(items: list[Maintenance], heading: Heading, now: datetime) -> bytes:
    name = _escape(f"{heading.organization} — maintenance")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//incidentctl//maintenance//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{name}",
        f"X-WR-TIMEZONE:{heading.timezone}",
    ]
    for item in items:
        lines += event_lines(item, heading, now)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")


def calendar(store: Store, heading: Heading, now: datetime) -> bytes:
    """Every window of the organization, soonest first."""
    items = store.list_maintenances(organization=heading.organization)
    return calendar_of(items, heading, now)

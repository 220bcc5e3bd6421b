"""The maintenance windows as an iCalendar file (RFC 5545) customers subscribe to.

Written by hand (a few properties; no dependency): one VEVENT per window, in UTC, its
`SEQUENCE` the window's version so a calendar takes an extension or a cancellation as an
update of the same event (`STATUS:CANCELLED`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from incidentctl.model.maintenance import Maintenance, MaintenanceStatus
from incidentctl.playbook.schema import Playbook
from incidentctl.render.punctuation import labelled
from incidentctl.store.base import Store

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


def event_lines(item: Maintenance, playbook: Playbook, now: datetime) -> list[str]:
    names = [
        playbook.components[c].name if c in playbook.components else c for c in item.components
    ]
    lang = playbook.organization.language
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
    if playbook.organization.status_page_url:
        lines.append(f"URL:{playbook.organization.status_page_url}")
    lines.append("END:VEVENT")
    return lines


def calendar_of(items: list[Maintenance], playbook: Playbook, now: datetime) -> bytes:
    name = _escape(f"{playbook.organization.name} — maintenance")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//incidentctl//maintenance//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{name}",
        f"X-WR-TIMEZONE:{playbook.organization.timezone}",
    ]
    for item in items:
        lines += event_lines(item, playbook, now)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")


def calendar(store: Store, playbook: Playbook, now: datetime) -> bytes:
    """Every window of the playbook's organization, soonest first."""
    items = store.list_maintenances(organization=playbook.organization.name)
    return calendar_of(items, playbook, now)

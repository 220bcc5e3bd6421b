"""The incident record as Markdown: headings and tables to read in a review or on a forge,
in the playbook's language and the incident's timezone, with the JSON record embedded at the
end (a fenced block) for `import` to read back.

Every text from the record goes through `inline`: one line, markup and HTML inert, so a `|`
or a backtick in a title cannot break a table or open a code block, and no line a responder
wrote can pass for the fence of the embedded record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from incidentctl.app.record_file import RECORD_FORMAT, IncidentRecord, record_json
from incidentctl.errors import Location, UsageError
from incidentctl.model.records import TimelineEvent
from incidentctl.model.text import strip_controls
from incidentctl.render.labels import (
    COMPONENT_STATUS_LABELS,
    EVENT_LABELS,
    STATUS_LABELS,
    label,
)
from incidentctl.render.times import NBSP, LocalTimes, localized_duration

FENCE = f"```json {RECORD_FORMAT}"
_FENCE_LINE = re.compile(r"^```json incidentctl-incident/\S*[ \t]*$")
_MARKUP = re.compile(r"([\\`*_\[\]|~])")
HIDDEN_DATA = ("snapshot", "event")

WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "field": "Field",
        "value": "Value",
        "severity": "Severity",
        "status": "Status",
        "organization": "Organization",
        "category": "Category",
        "declared": "Declared",
        "resolved": "Resolved",
        "duration": "Duration",
        "impact": "Impact",
        "workaround": "Workaround",
        "eta": "Estimated resolution",
        "components": "Components",
        "postmortem": "Postmortem",
        "key": "Record",
        "roles": "Roles",
        "role": "Role",
        "who": "Who",
        "timeline": "Timeline",
        "time": "Time",
        "event": "Event",
        "message": "Message",
        "details": "Details",
        "deliveries": "Deliveries",
        "channel": "Channel",
        "type": "Type",
        "stage": "Stage",
        "state": "State",
        "attempts": "Attempts",
        "sent": "Sent",
        "remote_id": "Remote id",
        "link": "Link or error",
        "none": "None.",
        "embedded": "The whole record, as `incidentctl import` reads it",
    },
    "fr": {
        "field": "Champ",
        "value": "Valeur",
        "severity": "Gravité",
        "status": "Statut",
        "organization": "Organisation",
        "category": "Catégorie",
        "declared": "Déclaré",
        "resolved": "Résolu",
        "duration": "Durée",
        "impact": "Impact",
        "workaround": "Solution de contournement",
        "eta": "Résolution estimée",
        "components": "Composants",
        "postmortem": "Post-mortem",
        "key": "Enregistrement",
        "roles": "Rôles",
        "role": "Rôle",
        "who": "Titulaire",
        "timeline": "Chronologie",
        "time": "Heure",
        "event": "Événement",
        "message": "Message",
        "details": "Détails",
        "deliveries": "Envois",
        "channel": "Canal",
        "type": "Type",
        "stage": "Étape",
        "state": "État",
        "attempts": "Tentatives",
        "sent": "Envoyé",
        "remote_id": "Identifiant distant",
        "link": "Lien ou erreur",
        "none": "Aucun.",
        "embedded": "L'enregistrement complet, tel que le lit `incidentctl import`",
    },
}

DELIVERY_STATE_LABELS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "pending": "Pending",
        "sending": "Sending",
        "sent": "Sent",
        "failed": "Failed",
        "uncertain": "Uncertain",
        "superseded": "Superseded",
    },
    "fr": {
        "pending": "En attente",
        "sending": "En cours d'envoi",
        "sent": "Envoyé",
        "failed": "Échec",
        "uncertain": "Incertain",
        "superseded": "Remplacé",
    },
}


def inline(value: object) -> str:
    """Text from the record as one line of inert Markdown: markup characters escaped, `<`, `>`
    and `&` as entities, line breaks as `<br>`."""
    text = strip_controls(str(value)).replace("&", "&amp;").replace("<", "&lt;")
    text = _MARKUP.sub(r"\\\1", text.replace(">", "&gt;"))
    lines = [" ".join(line.split()) for line in text.replace("\r", "\n").split("\n")]
    return "<br>".join(line for line in lines if line) or " "


def _value_text(value: Any, colon: str) -> str:
    """A value of an event's data as text: an object as `key: value, …`."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value:
        return ", ".join(f"{k}{colon}{_value_text(v, colon)}" for k, v in value.items())
    return json.dumps(value, ensure_ascii=False)


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    return [_row(*headers), _row(*("---" for _ in headers)), *(_row(*row) for row in rows)]


class _Writer:
    def __init__(self, record: IncidentRecord, language: str) -> None:
        self.record = record
        self.language = "fr" if language == "fr" else "en"
        self.words = WORDS[self.language]
        try:
            tz = ZoneInfo(record.incident.timezone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            tz = ZoneInfo("UTC")
        self.times = LocalTimes(tz, self.language)
        self.colon = f"{NBSP}: " if self.language == "fr" else ": "

    def time(self, moment: datetime | None) -> str:
        if moment is None:
            return " "
        return f"{self.times.day(moment)} {self.times.clock(moment)}"

    def zoned(self, moment: datetime | None) -> str:
        if moment is None:
            return " "
        return f"{self.time(moment)} {inline(self.times.abbreviation(moment))}"

    def summary(self) -> list[str]:
        incident, w = self.record.incident, self.words
        rows = [
            [w["severity"], inline(incident.severity)],
            [w["status"], inline(label(STATUS_LABELS, self.language, incident.status.value))],
            [w["organization"], inline(incident.organization)],
            [w["category"], inline(incident.category)],
            [w["declared"], self.zoned(incident.declared_at)],
            [w["resolved"], self.zoned(incident.resolved_at)],
        ]
        if incident.resolved_at is not None:
            duration = localized_duration(
                incident.resolved_at - incident.declared_at, self.language
            )
            rows.append([w["duration"], inline(duration)])
        rows += [
            [w["impact"], inline(incident.impact)],
            [w["workaround"], inline(incident.workaround)],
            [w["eta"], inline(incident.eta)],
            [w["components"], self.components()],
            [w["postmortem"], self.postmortem()],
            [w["key"], inline(f"{incident.uid}, version {incident.version}")],
        ]
        return _table([w["field"], w["value"]], rows)

    def components(self) -> str:
        states = self.record.incident.components.items()
        shown = [
            f"{inline(name)}{self.colon}{inline(label(COMPONENT_STATUS_LABELS, self.language, s))}"
            for name, s in states
        ]
        return "<br>".join(shown) or " "

    def postmortem(self) -> str:
        path = self.record.postmortem
        if not path:
            return " "
        return f"[{inline(path)}]({quote(strip_controls(path), safe='/._-~')})"

    def roles(self) -> list[str]:
        roles = self.record.incident.roles
        if not roles:
            return [self.words["none"]]
        rows = [[inline(role), inline(who)] for role, who in roles.items()]
        return _table([self.words["role"], self.words["who"]], rows)

    def details(self, event: TimelineEvent) -> str:
        shown = []
        for key, value in event.data.items():
            if key in HIDDEN_DATA:
                continue
            text = _value_text(value, self.colon)
            shown.append(f"{inline(key)}{self.colon}{inline(text)}")
        return "<br>".join(shown) or " "

    def timeline(self) -> list[str]:
        w = self.words
        rows = [
            [
                str(n),
                self.time(event.at),
                inline(label(EVENT_LABELS, self.language, event.kind.value)),
                inline(event.message),
                self.details(event),
            ]
            for n, event in enumerate(self.record.timeline, start=1)
        ]
        zone = inline(self.times.tz.key)
        headers = ["#", f"{w['time']} ({zone})", w["event"], w["message"], w["details"]]
        return _table(headers, rows)

    def deliveries(self) -> list[str]:
        w = self.words
        if not self.record.deliveries:
            return [w["none"]]
        numbers = {event.id: n for n, event in enumerate(self.record.timeline, start=1)}
        rows = [
            [
                str(numbers.get(d.event_id, "?")),
                inline(d.channel),
                inline(d.channel_type),
                inline(label(STATUS_LABELS, self.language, d.stage.value)),
                inline(label(DELIVERY_STATE_LABELS, self.language, d.state.value)),
                str(d.attempts),
                self.time(d.sent_at),
                inline(d.remote_id or ""),
                inline(d.link or d.error or ""),
            ]
            for d in self.record.deliveries
        ]
        headers = [w["event"], w["channel"], w["type"], w["stage"], w["state"], w["attempts"]]
        return _table([*headers, w["sent"], w["remote_id"], w["link"]], rows)

    def document(self) -> str:
        incident, w = self.record.incident, self.words
        lines = [
            f"# {inline(incident.id)} — {inline(incident.title)}",
            "",
            *self.summary(),
            "",
            f"## {w['roles']}",
            "",
            *self.roles(),
            "",
            f"## {w['timeline']}",
            "",
            *self.timeline(),
            "",
            f"## {w['deliveries']}",
            "",
            *self.deliveries(),
            "",
            f"<details><summary>{w['embedded']}</summary>",
            "",
            FENCE,
            record_json(self.record).rstrip("\n"),
            "```",
            "",
            "</details>",
        ]
        return "\n".join(lines) + "\n"


def record_markdown(record: IncidentRecord, language: str = "en") -> str:
    """The Markdown record of the incident, labels in `language` (en, fr)."""
    return _Writer(record, language).document()


def embedded_record(text: str, file: str) -> tuple[str, int]:
    """The JSON record embedded in a Markdown record (the last such block) and the line of
    the file it starts on."""
    lines = text.split("\n")
    starts = [index for index, line in enumerate(lines) if _FENCE_LINE.match(line)]
    if not starts:
        raise UsageError(
            f"no incident record in this Markdown file (a {FENCE} block, as "
            "`incidentctl export --format md` writes)",
            location=Location(file),
        )
    start = starts[-1]
    for index in range(start + 1, len(lines)):
        if lines[index].rstrip() == "```":
            return "\n".join(lines[start + 1 : index]), start + 2
    raise UsageError(
        "the embedded incident record is not closed (no ``` line after it)",
        location=Location(file, start + 1, 1),
    )

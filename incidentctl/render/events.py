"""Reading a timeline: the stage each event reaches, and a summary of events without a message."""

from __future__ import annotations

from collections.abc import Sequence

from incidentctl.model.records import EventKind, Stage, TimelineEvent
from incidentctl.playbook.schema import Playbook
from incidentctl.render.labels import (
    COMPONENT_STATUS_LABELS,
    EVENT_LABELS,
    REPORT_CHANNEL_LABELS,
    STATUS_LABELS,
    label,
)
from incidentctl.render.punctuation import mark
from incidentctl.render.times import aware

# events that carry a message to the outside world (others only change the record)
MESSAGE_KINDS = (EventKind.DECLARED, EventKind.UPDATE, EventKind.RESOLVED, EventKind.REOPENED)


def stage_reached(event: TimelineEvent) -> str | None:
    """The stage an event moves the incident to, if any (core records `to` on status changes)."""
    if event.kind is EventKind.RESOLVED:
        return Stage.RESOLVED.value
    if event.kind in (EventKind.STATUS_CHANGE, EventKind.DECLARED):
        for key in ("to", "status", "stage"):
            value = event.data.get(key)
            if isinstance(value, str) and value in Stage.__members__.values():
                return value
        if event.kind is EventKind.DECLARED:
            return Stage.INVESTIGATING.value
    return None


def is_new_stage(events: Sequence[TimelineEvent], event: TimelineEvent, status: str) -> bool:
    """True when no earlier message was sent while the incident was in `status`' stage run."""
    current = Stage.INVESTIGATING.value
    previous: str | None = None
    for item in events:
        if item is event or item == event:
            break
        if aware(item.at) > aware(event.at):
            break
        current = stage_reached(item) or current
        if item.kind in MESSAGE_KINDS:
            previous = current
    return previous != status


class Describer:
    """One-line summaries of events that carry no message (status, severity, component...)."""

    def __init__(self, playbook: Playbook, language: str) -> None:
        self.playbook = playbook
        self.language = language

    def _change(self, what: str, before: str, after: str) -> str:
        colon = mark(":", self.language)
        return f"{what}{colon} {before} → {after}" if before else f"{what}{colon} {after}"

    def __call__(self, event: TimelineEvent) -> str:
        lang, data = self.language, event.data
        # `assign` records "commander: @lee" as the message: the role's name, with the
        # language's own colon, reads better
        described = event.kind is EventKind.ROLE_CHANGE and bool(data.get("role"))
        # a customer report says how the customer called in the document's own language
        described |= event.kind is EventKind.CUSTOMER_REPORT and bool(data.get("ticket"))
        if event.message and not described:
            return event.message
        before, after = str(data.get("from") or ""), str(data.get("to") or "")
        fr = lang == "fr"
        if event.kind is EventKind.STATUS_CHANGE:
            return self._change(
                "Statut" if fr else "Status",
                label(STATUS_LABELS, lang, before) if before else "",
                label(STATUS_LABELS, lang, after),
            )
        if event.kind is EventKind.SEVERITY_CHANGE:
            what = "Gravité" if fr else "Severity"
            return self._change(what, self._sev(before), self._sev(after))
        if event.kind is EventKind.COMPONENT_CHANGE:
            component_id = str(data.get("component") or "")
            component = self.playbook.components.get(component_id)
            return self._change(
                component.name if component else component_id,
                label(COMPONENT_STATUS_LABELS, lang, before) if before else "",
                label(COMPONENT_STATUS_LABELS, lang, after),
            )
        if event.kind is EventKind.ROLE_CHANGE:
            role_id = str(data.get("role") or "")
            role = self.playbook.roles.get(role_id)
            return self._change(role.name if role else role_id, before, after)
        if event.kind is EventKind.CUSTOMER_REPORT:
            via = str(data.get("via") or "")
            details = [str(data.get("customer") or "")]
            details.append(label(REPORT_CHANNEL_LABELS, lang, via) if via else "")
            shown = ", ".join(d for d in details if d)
            return f"{data['ticket']} ({shown})" if shown else str(data["ticket"])
        return label(EVENT_LABELS, lang, event.kind.value)

    def _sev(self, severity_id: str) -> str:
        severity = self.playbook.severity(severity_id) if severity_id else None
        if severity is None:
            return severity_id
        # « Gravité : sev2 (Majeur) » reads as an agreement mistake: the name comes first
        if self.language == "fr":
            return f"{severity.name} ({severity.id})"
        return f"{severity.id} ({severity.name})"

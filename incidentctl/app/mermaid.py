"""The incident as a Mermaid `gantt` chart, which GitHub and GitLab draw from a code block.

Every label that comes from people (the title, component names) is reduced to letters,
digits, spaces and a little punctuation: a `:`, `;`, `#`, `%%`, a backtick or a line break in
a hostile title cannot end a task, start a directive or close the code block.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, tzinfo

from incidentctl.app.site.uptime import segments
from incidentctl.model.records import EventKind, Incident, Stage, TimelineEvent
from incidentctl.playbook.schema import Playbook
from incidentctl.render.labels import COMPONENT_STATUS_LABELS, STATUS_LABELS, label

UNSAFE = re.compile(r"[^\w .,'()/&+!?-]")
LABEL_LIMIT = 60
DATE_FORMAT = "%Y-%m-%d %H:%M"
STAGES = {stage.value: stage for stage in Stage}
WORDS = {
    "en": {
        "milestones": "Milestones",
        "stages": "Stages",
        "components": "Components",
        "impact": "Impact starts",
        "declared": "Declared",
        "first": "First message",
        "resolved": "Resolved",
    },
    "fr": {
        "milestones": "Jalons",
        "stages": "Étapes",
        "components": "Composants",
        "impact": "Début de l'impact",
        "declared": "Déclaré",
        "first": "Premier message",
        "resolved": "Résolu",
    },
}


def mermaid_text(text: str) -> str:
    """`text` as a safe Mermaid label: one line, no syntax, at most 60 characters."""
    cleaned = " ".join(UNSAFE.sub(" ", text).split())
    if len(cleaned) > LABEL_LIMIT:
        cleaned = cleaned[: LABEL_LIMIT - 1].rstrip() + "…"
    return cleaned or "-"


def incident_gantt(
    playbook: Playbook,
    incident: Incident,
    events: Sequence[TimelineEvent],
    *,
    first_sent: datetime | None,
    now: datetime,
) -> str:
    """The chart's source, without the fence: milestones, the stages one after the other, and
    each component's stretches in a status other than operational."""
    lang = playbook.organization.language
    words = WORDS.get(lang, WORDS["en"])
    tz = playbook.organization.tz
    end = incident.resolved_at or now

    def at(moment: datetime) -> str:
        return _local(moment, tz).strftime(DATE_FORMAT)

    spans_days = _local(incident.declared_at, tz).date() != _local(end, tz).date()
    lines = [
        "gantt",
        f"    title {mermaid_text(f'{incident.id} {incident.title}')}",
        "    dateFormat YYYY-MM-DD HH:mm",
        f"    axisFormat {'%d %H:%M' if spans_days else '%H:%M'}",
        f"    section {words['milestones']}",
    ]
    started = _impact_start(events)
    if started is not None and started < incident.declared_at:
        lines.append(f"    {words['impact']} :milestone, m0, {at(started)}, 0m")
    lines.append(f"    {words['declared']} :milestone, m1, {at(incident.declared_at)}, 0m")
    if first_sent is not None:
        lines.append(f"    {words['first']} :milestone, m2, {at(first_sent)}, 0m")
    if incident.resolved_at is not None:
        lines.append(f"    {words['resolved']} :milestone, m3, {at(incident.resolved_at)}, 0m")
    lines.append(f"    section {words['stages']}")
    for number, (stage, start, stop) in enumerate(_stages(incident, events, end), 1):
        name = label(STATUS_LABELS, lang, stage.value)
        lines.append(f"    {name} :s{number}, {at(start)}, {at(max(stop, start))}")
    stretches = segments(incident, events, now)
    if stretches:
        lines.append(f"    section {words['components']}")
    for number, segment in enumerate(stretches, 1):
        component = playbook.components.get(segment.component)
        name = mermaid_text(component.name if component else segment.component)
        status = label(COMPONENT_STATUS_LABELS, lang, segment.status.value)
        tag = "crit, " if segment.status.value == "major_outage" else ""
        lines.append(
            f"    {status} - {name} :{tag}c{number}, {at(segment.start)}, {at(segment.end)}"
        )
    return "\n".join(lines)


def _stages(
    incident: Incident, events: Sequence[TimelineEvent], end: datetime
) -> list[tuple[Stage, datetime, datetime]]:
    stage, since = Stage.INVESTIGATING, incident.declared_at
    for event in events:
        if event.kind is EventKind.DECLARED and event.data.get("status") in STAGES:
            stage = STAGES[event.data["status"]]
    found: list[tuple[Stage, datetime, datetime]] = []
    for event in events:
        if event.kind is EventKind.STATUS_CHANGE and event.data.get("to") in STAGES:
            found.append((stage, since, event.at))
            stage, since = STAGES[event.data["to"]], event.at
        elif event.kind is EventKind.RESOLVED:
            break
    if stage is not Stage.RESOLVED:
        found.append((stage, since, end))
    return [item for item in found if item[2] > item[1]] or found[-1:]


def _impact_start(events: Sequence[TimelineEvent]) -> datetime | None:
    for event in events:
        value = event.data.get("started_at") if event.kind is EventKind.DECLARED else None
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                return None
    return None


def _local(moment: datetime, tz: tzinfo) -> datetime:
    return moment.astimezone(tz) if moment.tzinfo else moment

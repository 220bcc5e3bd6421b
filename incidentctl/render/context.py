"""The variables every message template receives.

Templates see plain data only (strings, numbers, booleans, lists, dicts, None): user-typed text
such as titles and messages is data, never compiled as a template. Times are shown in the
organization's timezone; stored datetimes are UTC-aware. Optional text fields are `""` when
empty and optional values `None`, so `{% if incident.workaround %}` guards a line without
leaving a dangling label.

Times and durations come in two families. For people reading a message (the built-in message
templates use these): a "when" is the instant inside a sentence, naming its zone and, when it is
not on the day of rendering (`now`) in that zone, its day — `at 20:46 CET`, `on Monday 1
December at 20:46 CET`; « à 20 h 46 (heure de Paris) », « lundi 1er décembre à 20 h 46 (heure de
Paris) »; a "time text" is the same instant on its own, for a label or after "by" — `20:46 CET`,
`Monday 1 December at 20:46 CET`; « 20 h 46 (heure de Paris) »; a "duration text" is `36
minutes`, `1 hour 5 minutes`; « 36 min », « 1 h 05 ». French forms use no-break spaces (the
`plain` filter turns them into ordinary ones for SMS). The compact family, kept for tables and
for existing templates: a "local time" is `YYYY-MM-DD HH:MM TZ` (e.g. `2025-12-19 14:05 CET`),
an "hour" is `HH:MM` (no zone), a "duration" is short (`45s`, `12m`, `1h05m`, `2d3h`).

`org`
    `name`, `timezone` (IANA name), `language` (`en` | `fr`), `status_page_url`,
    `support_contact` (both may be None).
`incident`
    `id`, `title`, `severity` {`id`, `name`, `description`, `update_every`,
    `postmortem_required`}, `status` (investigating | identified | monitoring | resolved),
    `status_label` (localized), `category` (id, `""` when none), `category_name`,
    `security_or_data` (true when a zero-tolerance category such as security or data loss is
    set), `data_safe` (what the responders confirmed about customers' data: true — nothing
    suggests it is affected, the only case where a message may reassure; false — it is or may
    be; None — unknown, the default: say nothing), `impact`, `workaround`, `eta` (free text),
    `components` [{`id`, `name`, `status`, `status_label`}] in playbook order (every component
    the incident touched), `affected` (those not operational: what messages list as affected)
    and `recovered` (those back to operational while the incident is open: "Customer portal has
    recovered"; empty once resolved), `roles` [{`id`, `name`, `who`}] for the roles someone
    holds; `declared_when` (a when), `declared_text` (a time text), `duration_text` (a duration
    text, from declaration to resolution, or to now), `span` (the same period as people read it:
    `from 19:46 to 20:22 CET`, « de 19 h 46 à 20 h 22 (heure de Paris) », with the days when it
    is not today or crosses midnight), `is_resolved`, `resolved_when`, `resolved_text` (None
    while open); and the compact `declared_at` (local time), `declared_time` (hour), `duration`,
    `duration_label` (`1h05m`; `1 h 05` or `45 min` in French), `resolved_at` (local time or
    None), `resolved_time` (hour or None).
`update` — the event this message announces
    `kind` (declared | update | resolved | …), `message` (the responder's text, may be `""`),
    `when`, `at_text`, `new_stage` (true when this is the first message sent in the incident's
    current stage: "we have identified the cause" rather than "still working on the fix");
    compact: `at` (local time), `time` (hour).
`next_update` — None once resolved
    `when` (inside a sentence: « Prochain point au plus tard {{next_update.when}} »), `at_text`
    (after "by": `Next update by {{next_update.at_text}}`), `in_text` (duration text from the
    event); compact: `at` (hour), `in` (e.g. `30m`), `in_label` (localized like
    `duration_label`), `at_full` (local time), `zone` (timezone abbreviation, e.g. `CET`). The
    incident's recorded `next_update_due` when it is later than the event, else the event time
    plus the severity's `update_every`.
`timeline` — every event, oldest first (for the postmortem)
    [{`at` (local time), `date` (`YYYY-MM-DD`), `time` (hour), `kind`, `kind_label` (localized),
    `message`, `summary` (the message, or a description such as "Status: Investigating →
    Identified" for events without one)}].
`key_times` — local times, or None when the incident never reached that point
    `declared`, `first_message` (when the first message went out, from the deliveries; else the
    declaration), `identified`, `monitoring` (mitigated), `resolved`, and the durations
    `time_to_first_message`, `time_to_resolve` (compact: `36m`) with their localized
    `time_to_first_message_label`, `time_to_resolve_label` (as `duration_label`: `36m` in
    English, `36 min` in French). The review is a document read days later: its times stay
    compact and dated.
`reports` — customer reports the support desk linked (`incidentctl report`), oldest first;
    always empty for a public channel
    [{`ticket`, `customer` (`""` when not given), `via` (phone | ticket | chat, `""` when not
    given), `via_label` (localized), `clock` (`14:32`, « 14 h 32 »), `at_text` (a time text)}].
`channel`
    `name`, `type`, `audience` (internal | public | support): added by the renderer for each
    channel.
`now`
    local time of rendering.

Filters besides Jinja's own: `sentence` (trim and end with a full stop unless the text ends
with punctuation), `and_list` ("portal, API and billing"; "et" in French), `md_cell` (text
safe inside a Markdown table cell), `plain` (no-break spaces to spaces and « » to ", for
SMS and X), `live` (the value's mentions stay live: on Mattermost and Discord every value a
template prints is otherwise quoted so that `@here` in a title notifies no one).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from incidentctl.model.durations import format_duration
from incidentctl.model.records import (
    ComponentStatus,
    EventKind,
    Incident,
    Stage,
    TimelineEvent,
    recorded_data_safe,
)
from incidentctl.playbook.schema import Playbook
from incidentctl.render.events import Describer, is_new_stage, stage_reached
from incidentctl.render.labels import (
    COMPONENT_STATUS_LABELS,
    EVENT_LABELS,
    REPORT_CHANNEL_LABELS,
    STATUS_LABELS,
    label,
)
from incidentctl.render.times import LocalTimes, aware, localized_duration, readable_duration

DEFAULT_CADENCE = timedelta(minutes=30)


def _severity(playbook: Playbook, severity_id: str) -> dict[str, Any]:
    severity = playbook.severity(severity_id)
    if severity is None:  # removed from the playbook since the incident was declared
        return {
            "id": severity_id,
            "name": severity_id,
            "description": "",
            "update_every": "30m",
            "postmortem_required": False,
        }
    return {
        "id": severity.id,
        "name": severity.name,
        "description": severity.description,
        "update_every": severity.update_every,
        "postmortem_required": severity.postmortem_required,
    }


def _ordered(keys: Sequence[str], known: Sequence[str]) -> list[str]:
    """`keys` in playbook order, unknown ones last in their own order."""
    return [k for k in known if k in keys] + [k for k in keys if k not in known]


def _incident(
    playbook: Playbook,
    incident: Incident,
    times: LocalTimes,
    now: datetime,
    events: Sequence[TimelineEvent],
) -> dict[str, Any]:
    lang = playbook.organization.language
    category = playbook.categories.get(incident.category) if incident.category else None
    components = [
        {
            "id": cid,
            "name": playbook.components[cid].name if cid in playbook.components else cid,
            "status": incident.components[cid].value,
            "status_label": label(COMPONENT_STATUS_LABELS, lang, incident.components[cid].value),
        }
        for cid in _ordered(list(incident.components), list(playbook.components))
    ]
    # while the incident is open, a component back to operational has recovered: it is no
    # longer affected (at the resolution every component is operational again)
    operational = ComponentStatus.OPERATIONAL.value
    affected = [c for c in components if c["status"] != operational]
    recovered = (
        []
        if incident.status is Stage.RESOLVED
        else [c for c in components if c["status"] == operational]
    )
    roles = [
        {
            "id": rid,
            "name": playbook.roles[rid].name if rid in playbook.roles else rid,
            "who": incident.roles[rid],
        }
        for rid in _ordered(list(incident.roles), list(playbook.roles))
        if incident.roles[rid]
    ]
    is_resolved = incident.status is Stage.RESOLVED
    resolved_at = aware(incident.resolved_at) if incident.resolved_at else None
    end = resolved_at if is_resolved and resolved_at else aware(now)
    lasted = max(end - aware(incident.declared_at), timedelta(0))
    return {
        "id": incident.id,
        "title": incident.title,
        "severity": _severity(playbook, incident.severity),
        "status": incident.status.value,
        "status_label": label(STATUS_LABELS, lang, incident.status.value),
        "category": incident.category,
        "category_name": category.name if category else incident.category,
        "security_or_data": bool(incident.category),
        # the timeline keeps it; a plan not yet stored carries it on the record
        "data_safe": recorded_data_safe(events, incident.data_safe),
        "impact": incident.impact.strip(),
        "workaround": incident.workaround.strip(),
        "eta": incident.eta.strip(),
        "components": components,
        "affected": affected,
        "recovered": recovered,
        "roles": roles,
        "declared_at": times.full(incident.declared_at),
        "declared_time": times.hour(incident.declared_at),
        "declared_when": times.when(incident.declared_at),
        "declared_text": times.text(incident.declared_at),
        "duration": format_duration(lasted),
        "duration_label": localized_duration(lasted, lang),
        "duration_text": readable_duration(lasted, lang),
        "span": times.span(incident.declared_at, end),
        "is_resolved": is_resolved,
        "resolved_at": times.full(resolved_at) if resolved_at else None,
        "resolved_time": times.hour(resolved_at) if resolved_at else None,
        "resolved_when": times.when(resolved_at) if resolved_at else None,
        "resolved_text": times.text(resolved_at) if resolved_at else None,
    }


def _next_update(
    playbook: Playbook, incident: Incident, event: TimelineEvent, times: LocalTimes
) -> dict[str, str] | None:
    if incident.status is Stage.RESOLVED:
        return None
    base = aware(event.at)
    due = aware(incident.next_update_due) if incident.next_update_due else None
    if due is None or due <= base:
        severity = playbook.severity(incident.severity)
        due = base + (severity.cadence if severity else DEFAULT_CADENCE)
    language = playbook.organization.language
    return {
        "at": times.hour(due),
        "in": format_duration(due - base),
        "in_label": localized_duration(due - base, language),
        "at_full": times.full(due),
        "zone": times.zone(due),
        "when": times.when(due),
        "at_text": times.text(due),
        "in_text": readable_duration(due - base, language),
    }


def _key_times(
    incident: Incident,
    events: Sequence[TimelineEvent],
    times: LocalTimes,
    language: str,
    first_sent: datetime | None,
) -> dict[str, str | None]:
    declared = aware(incident.declared_at)
    first = aware(first_sent) if first_sent is not None else declared
    reached: dict[str, datetime] = {}
    for event in events:
        stage = stage_reached(event)
        if stage is not None:
            reached.setdefault(stage, aware(event.at))
    resolved: datetime | None = None
    if incident.status is Stage.RESOLVED:
        resolved = aware(incident.resolved_at) if incident.resolved_at else reached.get("resolved")

    def show(moment: datetime | None) -> str | None:
        return times.full(moment) if moment else None

    to_first = max(first - declared, timedelta(0))
    to_resolve = max(resolved - declared, timedelta(0)) if resolved else None
    return {
        "declared": times.full(declared),
        "first_message": times.full(first),
        "identified": show(reached.get("identified")),
        "monitoring": show(reached.get("monitoring")),
        "resolved": show(resolved),
        "time_to_first_message": format_duration(to_first),
        "time_to_first_message_label": localized_duration(to_first, language),
        "time_to_resolve": format_duration(to_resolve) if to_resolve is not None else None,
        "time_to_resolve_label": (
            localized_duration(to_resolve, language) if to_resolve is not None else None
        ),
    }


def _reports(
    events: Sequence[TimelineEvent], times: LocalTimes, language: str
) -> list[dict[str, str]]:
    """The customer reports linked to the incident, as the support desk's messages list them."""
    reports: list[dict[str, str]] = []
    for event in events:
        if event.kind is not EventKind.CUSTOMER_REPORT:
            continue
        via = str(event.data.get("via") or "")
        reports.append(
            {
                "ticket": str(event.data.get("ticket") or event.message),
                "customer": str(event.data.get("customer") or ""),
                "via": via,
                "via_label": label(REPORT_CHANNEL_LABELS, language, via) if via else "",
                "clock": times.clock(event.at),
                "at_text": times.text(event.at),
            }
        )
    return reports


def organization(playbook: Playbook) -> dict[str, Any]:
    org = playbook.organization
    return {
        "name": org.name,
        "timezone": org.timezone,
        "language": org.language,
        "status_page_url": org.status_page_url or None,
        "support_contact": org.support_contact or None,
    }


def build_context(
    playbook: Playbook,
    incident: Incident,
    event: TimelineEvent,
    *,
    now: datetime,
    timeline: Sequence[TimelineEvent] = (),
    first_sent: datetime | None = None,
) -> dict[str, Any]:
    """Everything a template may use to announce `event` of `incident` (see module docstring).

    `first_sent` is when the incident's first message went out, which only the deliveries know.
    """
    lang = playbook.organization.language
    times = LocalTimes(playbook.organization.tz, lang, now)
    events = sorted(timeline, key=lambda e: aware(e.at))  # stable: same-instant order is kept
    describe = Describer(playbook, lang)
    return {
        "org": organization(playbook),
        "incident": _incident(playbook, incident, times, now, events),
        "update": {
            "kind": event.kind.value,
            "message": event.message.strip(),
            "at": times.full(event.at),
            "time": times.hour(event.at),
            "when": times.when(event.at),
            "at_text": times.text(event.at),
            "new_stage": is_new_stage(events, event, incident.status.value),
        },
        "next_update": _next_update(playbook, incident, event, times),
        "timeline": [
            {
                "at": times.full(e.at),
                "date": times.day(e.at),
                "time": times.hour(e.at),
                "kind": e.kind.value,
                "kind_label": label(EVENT_LABELS, lang, e.kind.value),
                "message": e.message,
                "summary": describe(e),
            }
            for e in events
        ],
        "key_times": _key_times(incident, events, times, lang, first_sent),
        "reports": _reports(events, times, lang),
        "now": times.full(now),
    }

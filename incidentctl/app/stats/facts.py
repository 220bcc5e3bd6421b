"""What one incident's timeline says, whatever the playbook and the clock: when it reached
`identified` and `monitoring`, the gaps between its messages (with the severity each gap
started under), its last message while open, its postmortem, its customer reports and the
stretches its components spent out of operation. Pure functions, no I/O.

A timeline only grows, so these facts stay true while its last event stays its last: `stats`
keeps them in the store as a digest per incident (`Facts.to_text`), folds again only the
incidents with new events, and judges the facts against the playbook's cadences and the
current time on every run (`figures.timeline_of`, `segments_of`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from incidentctl.app.site.uptime import Segment
from incidentctl.model.records import ComponentStatus, EventKind, Incident, Moment
from incidentctl.store.rows import from_text

# the events that tell someone something: the cadence is kept between two of them, while the
# incident is open (the time between a resolution and a reopening is no silence)
SPOKEN = (EventKind.DECLARED, EventKind.UPDATE, EventKind.RESOLVED, EventKind.REOPENED)
# customer reports the support desk linked to the incident (`incidentctl report`); a
# postmortem counts when written (or published, once that kind exists)
REPORT_KINDS = frozenset({EventKind.CUSTOMER_REPORT})
POSTMORTEM_KINDS = frozenset(
    k for k in EventKind if k.value in ("postmortem_written", "postmortem_published")
)
# a status change to one of these reaches `identified` / `monitoring` (or a later stage)
IDENTIFIED_OR_LATER = frozenset({"identified", "monitoring", "resolved"})
MITIGATED_OR_LATER = frozenset({"monitoring", "resolved"})
DECLARED = EventKind.DECLARED.value
RESOLVED = EventKind.RESOLVED.value
REOPENED = EventKind.REOPENED.value
STATUS_CHANGE = EventKind.STATUS_CHANGE.value
SEVERITY_CHANGE = EventKind.SEVERITY_CHANGE.value
COMPONENT_CHANGE = EventKind.COMPONENT_CHANGE.value
SPOKEN_KINDS = frozenset(kind.value for kind in SPOKEN)
POSTMORTEM_VALUES = frozenset(kind.value for kind in POSTMORTEM_KINDS)
REPORT_VALUES = frozenset(kind.value for kind in REPORT_KINDS)
OPERATIONAL = ComponentStatus.OPERATIONAL.value
MICROSECOND = timedelta(microseconds=1)

# (component, start, end, status): times as the store writes them
Stretch = tuple[str, str, str, str]
# (component, status, since): a status still held when the timeline ends
Held = tuple[str, str, str]
# (microseconds, severity at its start; None: the incident's severity, never changed)
Gap = tuple[int, str | None]


class Facts(NamedTuple):
    """One incident's timeline, folded (times as the store writes them). A tuple written and
    read back as one JSON array: `stats` reads ten thousand of them at once."""

    identified: str | None  # first reached `identified` or a later stage
    mitigated: str | None  # first reached `monitoring` or a later stage
    resolved: bool  # a resolution is in the timeline
    gaps: Sequence[Gap]  # between two messages while open
    last_message: str | None  # the last message, while still open after it
    last_severity: str | None  # the severity at that message (None as in `Gap`)
    postmortem: str | None  # first written or published
    reports: int
    stretches: Sequence[Stretch]  # closed stretches out of operation
    held: Sequence[Held]

    def to_text(self) -> str:
        """The digest's body: the fields in order, as one JSON array."""
        return json.dumps(self, separators=(",", ":"))

    @classmethod
    def from_text(cls, text: str) -> Facts | None:
        """What `to_text` wrote; None when `text` is not such a digest (fold again)."""
        try:
            found = json.loads(text)
        except ValueError:
            return None
        if type(found) is not list or len(found) != len(cls._fields):
            return None
        facts = cls._make(found)
        if not (
            type(facts.reports) is int
            and type(facts.gaps) is list
            and type(facts.stretches) is list
            and type(facts.held) is list
        ):
            return None
        return facts


def fold(moments: Sequence[Moment]) -> Facts:
    """One pass over the moments, oldest first, parsing only the times it compares.

    A stage counts as reached at a status change to it or past it, or at the resolution (an
    incident resolved straight from `investigating` was identified then). A gap runs between
    two messages (declare, update, resolve) under the severity at its start; the time between
    a resolution and a reopening is none. A component's stretch runs from the status the
    declaration or a change gave it to its next change or the resolution."""
    parse = from_text  # the store's own reading of its times
    identified: str | None = None
    mitigated: str | None = None
    written: str | None = None
    reports = 0
    severity = (moments[0].severity or None) if moments else None  # as declared
    gaps: list[Gap] = []
    last: datetime | None = None
    last_text: str | None = None
    last_severity: str | None = None
    resolved = False
    stretches: list[Stretch] = []
    held: dict[str, tuple[str, str, datetime]] = {}  # component -> status, since (text, time)

    def close(component: str, text: str, at: datetime) -> None:
        status, since_text, since = held.pop(component, (OPERATIONAL, text, at))
        if status != OPERATIONAL and at > since:
            stretches.append((component, since_text, text, status))

    for moment in moments:
        kind = moment.kind
        if kind == STATUS_CHANGE:
            if identified is None and moment.to in IDENTIFIED_OR_LATER:
                identified = moment.at
            if mitigated is None and moment.to in MITIGATED_OR_LATER:
                mitigated = moment.at
            resolved = resolved or moment.to == RESOLVED
            continue
        if kind == SEVERITY_CHANGE:
            if moment.to:
                severity = moment.to
            continue
        if kind == COMPONENT_CHANGE:
            if moment.component is not None and moment.to is not None:
                at = parse(moment.at)
                close(moment.component, moment.at, at)
                held[moment.component] = (moment.to, moment.at, at)
            continue
        if kind in SPOKEN_KINDS:
            at = parse(moment.at)
            if last is not None and kind != REOPENED:
                gaps.append(((at - last) // MICROSECOND, last_severity))
            last, last_text, last_severity = at, moment.at, severity
            if kind == DECLARED and moment.components:
                for component, status in json.loads(moment.components).items():
                    close(str(component), moment.at, at)
                    held[str(component)] = (str(status), moment.at, at)
            elif kind == RESOLVED:
                identified = moment.at if identified is None else identified
                mitigated = moment.at if mitigated is None else mitigated
                resolved, last, last_text = True, None, None
                for component in list(held):
                    close(component, moment.at, at)
        elif kind in POSTMORTEM_VALUES:
            written = moment.at if written is None else written
        elif kind in REPORT_VALUES:
            reports += 1
    return Facts(
        identified=identified,
        mitigated=mitigated,
        resolved=resolved,
        gaps=tuple(gaps),
        last_message=last_text,
        last_severity=last_severity if last_text is not None else None,
        postmortem=written,
        reports=reports,
        stretches=tuple(stretches),
        held=tuple((component, status, text) for component, (status, text, _) in held.items()),
    )


def segments_of(facts: Facts, incident: Incident, now: datetime) -> list[Segment]:
    """The incident's stretches out of operation as the status site counts them; a status
    still held runs until the resolution (an open incident's until `now`)."""
    parse = from_text
    found = [
        Segment(component, parse(start), parse(end), ComponentStatus(status), incident.id)
        for component, start, end, status in facts.stretches
    ]
    end = incident.resolved_at if incident.resolved_at is not None else now
    for component, status, since_text in facts.held:
        since = parse(since_text)
        if status != OPERATIONAL and end > since:
            found.append(Segment(component, since, end, ComponentStatus(status), incident.id))
    return found

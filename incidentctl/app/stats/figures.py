"""The figures of one incident, measured from its timeline: pure functions, no I/O.

Every duration runs from the impact start (`declare --started-at`, else the declaration), in
absolute time: an incident across a DST change lasts what the clock on the wall did not say.
Stages count as reached when the incident got there or past it: an incident resolved straight
from `investigating` was identified and mitigated when it was resolved.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from incidentctl.model.durations import parse_duration
from incidentctl.model.records import EventKind, Incident, Moment
from incidentctl.playbook.schema import Playbook
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


class Postmortem(StrEnum):
    """Where a postmortem stands against the playbook's `targets.postmortem_within`."""

    NOT_REQUIRED = "not_required"
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"  # required, not written, past its deadline
    DUE = "due"  # required, not written yet, deadline still ahead (or still open)


@dataclass(frozen=True)
class Cadence:
    """How the severity's update cadence was kept: gaps between two messages (declare, update,
    resolve), and for an open incident the silence since the last one once it is overdue."""

    gaps: int
    on_time: int
    longest_silence: timedelta | None

    @property
    def share(self) -> float | None:
        return self.on_time / self.gaps if self.gaps else None


@dataclass(frozen=True)
class IncidentFigures:
    incident: Incident
    month: str  # YYYY-MM of the impact start, in the organization's timezone
    major: bool
    first_communication: timedelta | None
    identify: timedelta | None
    mitigate: timedelta | None
    resolve: timedelta | None
    cadence: Cadence
    postmortem: Postmortem
    reports: int


@dataclass(frozen=True)
class Timeline:
    """What one pass over an incident's moments found: when it first reached `identified` and
    `monitoring` (or a later stage), how its cadence was kept, when its postmortem was first
    written or published, and how many customer reports were linked to it."""

    identified: datetime | None
    mitigated: datetime | None
    cadence: Cadence
    postmortem_written: datetime | None
    reports: int


# a status change to one of these reaches `identified` / `monitoring` (or a later stage)
IDENTIFIED_OR_LATER = frozenset({"identified", "monitoring", "resolved"})
MITIGATED_OR_LATER = frozenset({"monitoring", "resolved"})
RESOLVED = EventKind.RESOLVED.value
REOPENED = EventKind.REOPENED.value
STATUS_CHANGE = EventKind.STATUS_CHANGE.value
SEVERITY_CHANGE = EventKind.SEVERITY_CHANGE.value
SPOKEN_KINDS = frozenset(kind.value for kind in SPOKEN)
POSTMORTEM_VALUES = frozenset(kind.value for kind in POSTMORTEM_KINDS)
REPORT_VALUES = frozenset(kind.value for kind in REPORT_KINDS)


def read_timeline(
    moments: Sequence[Moment],
    incident: Incident,
    cadence_of: Callable[[str], timedelta | None],
    now: datetime,
) -> Timeline:
    """One pass over the moments (oldest first), parsing only the times it uses.

    A stage counts as reached when the incident got there or past it, the resolution
    included (an incident resolved straight from `investigating` was identified then). The
    cadence is each gap between two messages (declare, update, resolve) against the cadence of
    the severity at its start; the time between a resolution and a reopening is no silence; an
    open incident's silence since its last message counts once it is overdue."""
    parse = from_text  # the store's own reading of its times
    identified: datetime | None = None
    mitigated: datetime | None = None
    written: datetime | None = None
    reports = 0
    severity = incident.severity
    if moments and moments[0].severity:
        severity = moments[0].severity  # as declared, before any change
    gaps = on_time = 0
    longest: timedelta | None = None
    last: datetime | None = None
    last_cadence: timedelta | None = None
    resolved = False  # a resolution seen in the timeline (else the record's own time counts)
    for moment in moments:
        kind = moment.kind
        if kind == STATUS_CHANGE:
            if identified is None and moment.to in IDENTIFIED_OR_LATER:
                identified = parse(moment.at)
            if mitigated is None and moment.to in MITIGATED_OR_LATER:
                mitigated = parse(moment.at)
            resolved = resolved or moment.to == RESOLVED
        elif kind == SEVERITY_CHANGE:
            if moment.to:
                severity = moment.to
        elif kind in SPOKEN_KINDS:
            at = parse(moment.at)
            if last is not None and kind != REOPENED:
                gap = at - last
                gaps += 1
                on_time += last_cadence is None or gap <= last_cadence
                longest = gap if longest is None or gap > longest else longest
            last, last_cadence = at, cadence_of(severity)
            if kind == RESOLVED:
                identified = at if identified is None else identified
                mitigated = at if mitigated is None else mitigated
                resolved, last = True, None
        elif kind in POSTMORTEM_VALUES:
            written = parse(moment.at) if written is None else written
        elif kind in REPORT_VALUES:
            reports += 1
    if incident.resolved_at is not None and not resolved:
        identified = min(identified or incident.resolved_at, incident.resolved_at)
        mitigated = min(mitigated or incident.resolved_at, incident.resolved_at)
    if incident.is_open and last is not None:
        silence = now - last
        if last_cadence is not None and silence > last_cadence:
            gaps += 1
        longest = silence if longest is None else max(longest, silence)
    return Timeline(identified, mitigated, Cadence(gaps, on_time, longest), written, reports)


def postmortem_state(
    written: datetime | None,
    incident: Incident,
    required: bool,
    within: timedelta,
    now: datetime,
) -> Postmortem:
    if not required:
        return Postmortem.NOT_REQUIRED
    if incident.resolved_at is None:
        return Postmortem.DUE
    deadline = incident.resolved_at + within
    if written is None:
        return Postmortem.MISSING if now > deadline else Postmortem.DUE
    return Postmortem.ON_TIME if written <= deadline else Postmortem.LATE


def since_start(incident: Incident, moment: datetime | None) -> timedelta | None:
    """From the impact start to `moment`, never negative (a message sent before a late-given
    impact start counts as at once)."""
    if moment is None:
        return None
    return max(timedelta(0), moment - incident.impact_start)


@dataclass(frozen=True)
class Rules:
    """What the playbook says the figures are measured against."""

    tz: ZoneInfo
    cadences: Mapping[str, timedelta]
    postmortem_required: frozenset[str]
    major: frozenset[str]
    postmortem_within: timedelta

    @classmethod
    def of(cls, playbook: Playbook) -> Rules:
        return cls(
            tz=playbook.organization.tz,
            cadences={s.id: s.cadence for s in playbook.severities},
            postmortem_required=frozenset(
                s.id for s in playbook.severities if s.postmortem_required
            ),
            major=frozenset(s.id for s in playbook.severities if playbook.is_major(s.id)),
            postmortem_within=parse_duration(playbook.targets.postmortem_within),
        )

    def month(self, moment: datetime) -> str:
        local = moment.astimezone(self.tz)
        return f"{local.year:04d}-{local.month:02d}"  # no strftime: it runs per incident


def measure(
    incident: Incident,
    moments: Sequence[Moment],
    first_public: datetime | None,
    rules: Rules,
    now: datetime,
) -> IncidentFigures:
    """One incident's figures; `first_public` is when its first public message was accepted."""
    timeline = read_timeline(moments, incident, rules.cadences.get, now)
    return IncidentFigures(
        incident=incident,
        month=rules.month(incident.impact_start),
        major=incident.severity in rules.major,
        first_communication=since_start(incident, first_public),
        identify=since_start(incident, timeline.identified),
        mitigate=since_start(incident, timeline.mitigated),
        resolve=since_start(incident, incident.resolved_at),
        cadence=timeline.cadence,
        postmortem=postmortem_state(
            timeline.postmortem_written,
            incident,
            incident.severity in rules.postmortem_required,
            rules.postmortem_within,
            now,
        ),
        reports=timeline.reports,
    )

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
from incidentctl.model.records import EventKind, Incident, Stage, TimelineEvent
from incidentctl.playbook.schema import Playbook

# the events that tell someone something: the cadence is kept between two of them, while the
# incident is open (the time between a resolution and a reopening is no silence)
SPOKEN = (EventKind.DECLARED, EventKind.UPDATE, EventKind.RESOLVED, EventKind.REOPENED)
ORDER = (Stage.INVESTIGATING, Stage.IDENTIFIED, Stage.MONITORING, Stage.RESOLVED)
STAGES: dict[object, Stage] = {stage.value: stage for stage in ORDER}
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


def reached(events: Sequence[TimelineEvent], incident: Incident) -> dict[Stage, datetime]:
    """The first time the incident reached each stage or a later one."""
    first: dict[Stage, datetime] = {}
    for event in events:
        if event.kind is EventKind.STATUS_CHANGE:
            stage = STAGES.get(event.data.get("to"))
            if stage is not None and stage not in first:
                first[stage] = event.at
        elif event.kind is EventKind.RESOLVED and Stage.RESOLVED not in first:
            first[Stage.RESOLVED] = event.at
    if incident.resolved_at is not None and Stage.RESOLVED not in first:
        first[Stage.RESOLVED] = incident.resolved_at
    # reaching a stage reaches every earlier one: walk from the last, keeping the earliest
    found: dict[Stage, datetime] = {}
    earliest: datetime | None = None
    for stage in reversed(ORDER):
        at = first.get(stage)
        if at is not None and (earliest is None or at < earliest):
            earliest = at
        if earliest is not None:
            found[stage] = earliest
    return found


def cadence_kept(
    events: Sequence[TimelineEvent],
    incident: Incident,
    cadence_of: Callable[[str], timedelta | None],
    now: datetime,
) -> Cadence:
    """Each gap between two messages against the cadence of the severity at its start."""
    declared = events[0].data.get("severity") if events else None
    severity = str(declared or incident.severity)
    gaps = on_time = 0
    longest: timedelta | None = None
    last: datetime | None = None
    last_cadence: timedelta | None = None
    for event in events:
        if event.kind is EventKind.SEVERITY_CHANGE and event.data.get("to"):
            severity = str(event.data["to"])
        if event.kind not in SPOKEN:
            continue
        if last is not None and event.kind is not EventKind.REOPENED:
            gap = event.at - last
            gaps += 1
            on_time += last_cadence is None or gap <= last_cadence
            longest = gap if longest is None else max(longest, gap)
        last, last_cadence = event.at, cadence_of(severity)
        if event.kind is EventKind.RESOLVED:
            last = None
    if incident.is_open and last is not None:
        silence = now - last
        if last_cadence is not None and silence > last_cadence:
            gaps += 1
        longest = silence if longest is None else max(longest, silence)
    return Cadence(gaps, on_time, longest)


def postmortem_state(
    events: Sequence[TimelineEvent],
    incident: Incident,
    required: bool,
    within: timedelta,
    now: datetime,
) -> Postmortem:
    if not required:
        return Postmortem.NOT_REQUIRED
    written = next((e.at for e in events if e.kind in POSTMORTEM_KINDS), None)
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
        return f"{moment.astimezone(self.tz):%Y-%m}"


def measure(
    incident: Incident,
    events: Sequence[TimelineEvent],
    first_public: datetime | None,
    rules: Rules,
    now: datetime,
) -> IncidentFigures:
    """One incident's figures; `first_public` is when its first public message was accepted."""
    stages = reached(events, incident)
    return IncidentFigures(
        incident=incident,
        month=rules.month(incident.impact_start),
        major=incident.severity in rules.major,
        first_communication=since_start(incident, first_public),
        identify=since_start(incident, stages.get(Stage.IDENTIFIED)),
        mitigate=since_start(incident, stages.get(Stage.MONITORING)),
        resolve=since_start(incident, incident.resolved_at),
        cadence=cadence_kept(events, incident, rules.cadences.get, now),
        postmortem=postmortem_state(
            events,
            incident,
            incident.severity in rules.postmortem_required,
            rules.postmortem_within,
            now,
        ),
        reports=sum(1 for e in events if e.kind in REPORT_KINDS),
    )

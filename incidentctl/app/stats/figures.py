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
from typing import NamedTuple
from zoneinfo import ZoneInfo

from incidentctl.app.stats.facts import MICROSECOND, Facts, fold
from incidentctl.model.durations import parse_duration
from incidentctl.model.records import Incident, Moment
from incidentctl.playbook.schema import Playbook
from incidentctl.store.rows import from_text


class Postmortem(StrEnum):
    """Where a postmortem stands against the playbook's `targets.postmortem_within`."""

    NOT_REQUIRED = "not_required"
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"  # required, not written, past its deadline
    DUE = "due"  # required, not written yet, deadline still ahead (or still open)


class Cadence(NamedTuple):
    """How the severity's update cadence was kept: gaps between two messages (declare, update,
    resolve), and for an open incident the silence since the last one once it is overdue."""

    gaps: int
    on_time: int
    longest_silence: timedelta | None

    @property
    def share(self) -> float | None:
        return self.on_time / self.gaps if self.gaps else None


class IncidentFigures(NamedTuple):
    """One incident's figures (a tuple: a report holds ten thousand)."""

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


class Timeline(NamedTuple):
    """An incident's timeline judged: when it first reached `identified` and `monitoring` (or
    a later stage), how its cadence was kept, when its postmortem was first written or
    published, and how many customer reports were linked to it."""

    identified: datetime | None
    mitigated: datetime | None
    cadence: Cadence
    postmortem_written: datetime | None
    reports: int


def read_timeline(
    moments: Sequence[Moment],
    incident: Incident,
    cadence_of: Callable[[str], timedelta | None],
    now: datetime,
) -> Timeline:
    """The timeline figures of the moments (oldest first): `timeline_of` their `fold`."""
    return timeline_of(fold(moments), incident, cadence_of, now)


def timeline_of(
    facts: Facts,
    incident: Incident,
    cadence_of: Callable[[str], timedelta | None],
    now: datetime,
) -> Timeline:
    """The facts of an incident's timeline judged against the severities' cadences and now.

    Each gap between two messages is kept when within the cadence of the severity at its
    start; an open incident's silence since its last message counts once it is overdue. An
    incident resolved without a resolution in its timeline (an old record) reached every
    stage when it was resolved, at the latest."""
    parse = from_text
    identified = None if facts.identified is None else parse(facts.identified)
    mitigated = None if facts.mitigated is None else parse(facts.mitigated)
    on_time = 0
    longest = -1  # microseconds: compared as integers, ten thousand incidents at a time
    under: str | None = ""  # the severity `limit` is of (the gaps of one mostly share it)
    limit: int | None = None
    for microseconds, severity in facts.gaps:
        if severity != under:
            under, limit = severity, _microseconds(cadence_of(severity or incident.severity))
        on_time += limit is None or microseconds <= limit
        if microseconds > longest:
            longest = microseconds
    gaps = len(facts.gaps)
    silence: timedelta | None = None if longest < 0 else timedelta(microseconds=longest)
    if incident.resolved_at is not None and not facts.resolved:
        identified = min(identified or incident.resolved_at, incident.resolved_at)
        mitigated = min(mitigated or incident.resolved_at, incident.resolved_at)
    if incident.is_open and facts.last_message is not None:
        since_last = now - parse(facts.last_message)
        cadence = cadence_of(facts.last_severity or incident.severity)
        if cadence is not None and since_last > cadence:
            gaps += 1
        silence = since_last if silence is None else max(silence, since_last)
    written = None if facts.postmortem is None else parse(facts.postmortem)
    return Timeline(identified, mitigated, Cadence(gaps, on_time, silence), written, facts.reports)


def _microseconds(duration: timedelta | None) -> int | None:
    return None if duration is None else duration // MICROSECOND


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


ZERO = timedelta(0)


def since_start(incident: Incident, moment: datetime | None) -> timedelta | None:
    """From the impact start to `moment`, never negative (a message sent before a late-given
    impact start counts as at once)."""
    if moment is None:
        return None
    elapsed = moment - incident.impact_start
    return elapsed if elapsed > ZERO else ZERO


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
    facts: Facts,
    first_public: datetime | None,
    rules: Rules,
    now: datetime,
) -> IncidentFigures:
    """One incident's figures from the facts of its timeline; `first_public` is when its first
    public message was accepted."""
    timeline = timeline_of(facts, incident, rules.cadences.get, now)
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

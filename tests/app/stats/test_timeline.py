"""`read_timeline`: one pass over an incident's moments, as `Store.moments` gives them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from incidentctl.app.stats.figures import read_timeline
from incidentctl.model.records import EventKind, Incident, Moment, Stage

START = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
CADENCES = {"sev1": timedelta(minutes=30), "sev2": timedelta(hours=1)}


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def moment(kind: EventKind, minutes: float, to: str | None = None, **data: str) -> Moment:
    return Moment(
        "INC-1",
        kind.value,
        at(minutes).isoformat(),
        to,
        data.get("severity"),
        data.get("components"),
        data.get("component"),
    )


def incident(resolved: float | None, severity: str = "sev2") -> Incident:
    status = Stage.INVESTIGATING if resolved is None else Stage.RESOLVED
    return Incident(
        "INC-1", "Logins fail", severity, status, START, START,
        resolved_at=None if resolved is None else at(resolved),
    )  # fmt: skip


def test_resolved_straight_from_investigating_was_identified_and_mitigated_then() -> None:
    found = read_timeline(
        [
            moment(EventKind.DECLARED, 0, severity="sev2"),
            moment(EventKind.UPDATE, 50),
            moment(EventKind.STATUS_CHANGE, 80, "resolved"),
            moment(EventKind.RESOLVED, 80),
        ],
        incident(80),
        CADENCES.get,
        at(600),
    )
    assert (found.identified, found.mitigated) == (at(80), at(80))
    # 50 min then 30 min, both within sev2's hour
    assert (found.cadence.gaps, found.cadence.on_time) == (2, 2)
    assert found.cadence.longest_silence == timedelta(minutes=50)


def test_monitoring_first_reaches_identified_too_and_a_severity_change_sets_the_cadence() -> None:
    found = read_timeline(
        [
            moment(EventKind.DECLARED, 0, severity="sev2"),
            moment(EventKind.SEVERITY_CHANGE, 10, "sev1"),
            moment(EventKind.UPDATE, 10),
            moment(EventKind.STATUS_CHANGE, 20, "monitoring"),
            moment(EventKind.UPDATE, 55),  # 45 min after the last: over sev1's 30
            moment(EventKind.POSTMORTEM_WRITTEN, 70),
            moment(EventKind.CUSTOMER_REPORT, 71),
            moment(EventKind.CUSTOMER_REPORT, 72),
        ],
        incident(None),
        CADENCES.get,
        at(100),  # open, silent for 45 min since the last update: overdue once more
    )
    assert (found.identified, found.mitigated) == (at(20), at(20))
    assert (found.cadence.gaps, found.cadence.on_time) == (3, 1)
    assert found.cadence.longest_silence == timedelta(minutes=45)
    assert found.postmortem_written == at(70)
    assert found.reports == 2


def test_the_record_resolution_counts_when_the_timeline_has_none() -> None:
    declared = moment(EventKind.DECLARED, 0, severity="sev2")
    stored_without_offset = declared._replace(at=at(0).replace(tzinfo=None).isoformat())
    found = read_timeline(
        [
            stored_without_offset,  # read as UTC: the gap to the next message is 20 min
            moment(EventKind.UPDATE, 20),
            moment(EventKind.STATUS_CHANGE, 30, "identified"),
        ],
        incident(40),
        CADENCES.get,
        at(600),
    )
    assert (found.identified, found.mitigated) == (at(30), at(40))
    assert (found.cadence.gaps, found.cadence.longest_silence) == (1, timedelta(minutes=20))

"""Snapshots read back exactly what they write, and what older records lack takes a default."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from incidentctl.model.records import ComponentStatus, EventKind, Stage
from incidentctl.model.snapshots import EventSnapshot, IncidentSnapshot

AT = datetime(2025, 12, 19, 13, 0, 5, 123456, tzinfo=UTC)

FULL = IncidentSnapshot(
    id="INC-20251219-0001",
    title="API down",
    severity="sev1",
    status=Stage.RESOLVED,
    declared_at=AT,
    severity_name="Critical",
    severity_rank=0,
    category="security",
    impact="Calls fail",
    workaround="Use the EU endpoint",
    eta="an hour",
    components={"api": ComponentStatus.OPERATIONAL, "portal": ComponentStatus.MAJOR_OUTAGE},
    roles={"commander": "@alice"},
    resolved_at=AT + timedelta(hours=1),
    next_update_due=None,
    status_page_url="https://status.acme.example",
)


def test_incident_round_trip() -> None:
    data = FULL.to_json()
    assert IncidentSnapshot.from_json(data) == FULL
    assert IncidentSnapshot.from_json(data).to_json() == data
    assert data["resolved_at"] == "2025-12-19T14:00:05.123456+00:00"
    assert data["components"] == {"api": "operational", "portal": "major_outage"}


def test_times_keep_their_offset() -> None:
    paris = datetime(2025, 7, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    data = {**FULL.to_json(), "declared_at": paris.isoformat()}
    assert IncidentSnapshot.from_json(data).to_json() == data


def test_identity_is_an_attribute_not_json() -> None:
    marked = IncidentSnapshot(
        id="INC-1",
        title="t",
        severity="sev1",
        status=Stage.INVESTIGATING,
        declared_at=AT,
        uid="5f0c6a43",
        organization="Acme",
        timezone="Europe/Paris",
    )
    assert not {"uid", "organization", "timezone"} & set(marked.to_json())


def test_an_older_record_lacking_keys_reads_with_defaults() -> None:
    old = {"id": "INC-1", "status": "investigating", "declared_at": "2025-01-01T09:00:00+00:00"}
    snapshot = IncidentSnapshot.from_json(old)
    assert snapshot.title == snapshot.impact == snapshot.uid == ""
    assert snapshot.severity_rank is None and snapshot.resolved_at is None
    assert snapshot.components == {} and snapshot.status_page_url is None


@pytest.mark.parametrize("broken", [{}, {"id": "x", "status": "exploding", "declared_at": "x"}])
def test_something_else_is_an_error(broken: dict[str, str]) -> None:
    with pytest.raises((KeyError, ValueError)):
        IncidentSnapshot.from_json(broken)


def test_event_round_trip() -> None:
    event = EventSnapshot(EventKind.STATUS_CHANGE, AT, Stage.IDENTIFIED, "Found it")
    data = event.to_json()
    assert data == {
        "kind": "status_change",
        "message": "Found it",
        "at": "2025-12-19T13:00:05.123456+00:00",
        "stage": "identified",
    }
    assert EventSnapshot.from_json(data) == event

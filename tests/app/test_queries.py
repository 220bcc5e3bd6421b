"""`status`: silence is the failure, so an overdue cadence must show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from incidentctl.app.queries import incident_row
from incidentctl.model.records import Incident, Stage

DECLARED = datetime(2025, 12, 19, 14, 0, tzinfo=UTC)


def incident(due_in: timedelta | None, status: Stage = Stage.INVESTIGATING) -> Incident:
    return Incident(
        id="INC-20251219-0001",
        title="API down",
        severity="sev1",
        status=status,
        declared_at=DECLARED,
        updated_at=DECLARED,
        next_update_due=DECLARED + due_in if due_in is not None else None,
    )


def test_overdue_when_the_promised_update_time_has_passed() -> None:
    row = incident_row(incident(timedelta(minutes=30)), DECLARED + timedelta(minutes=42))
    assert row["overdue"] is True
    assert row["overdue_by"] == "12m"
    assert row["since_last_update"] == "42m"


def test_on_time_before_the_cadence() -> None:
    row = incident_row(incident(timedelta(minutes=30)), DECLARED + timedelta(minutes=29))
    assert row["overdue"] is False and row["overdue_by"] is None


def test_a_resolved_incident_is_never_overdue() -> None:
    row = incident_row(incident(None, Stage.RESOLVED), DECLARED + timedelta(days=2))
    assert row["overdue"] is False

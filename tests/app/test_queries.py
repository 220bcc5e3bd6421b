"""`status`: silence is the failure, so an overdue cadence must show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from incidentctl.app.queries import LIST_LIMIT, incident_row, list_view
from incidentctl.errors import UsageError
from incidentctl.model.records import EventKind, Incident, Stage

DECLARED = datetime(2025, 12, 19, 14, 0, tzinfo=UTC)
START = DECLARED


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


# -- list over a long history: filters and the limit are the store's -----------------------


def _history(home: Path, count: int) -> None:
    """`count` incidents, one a day back from START, alternating sev1/sev2; every third open."""
    from incidentctl.model.records import TimelineEvent
    from incidentctl.store import open_store

    with open_store(home, {}) as store:
        for n in range(count):
            at = START - timedelta(days=n)
            day = at.date()
            incident = Incident(
                id=f"INC-{day:%Y%m%d}-0001",
                title=f"incident {n}",
                severity="sev1" if n % 2 else "sev2",
                status=Stage.INVESTIGATING if n % 3 == 0 else Stage.RESOLVED,
                declared_at=at,
                updated_at=at,
                resolved_at=None if n % 3 == 0 else at + timedelta(hours=1),
            )
            event = TimelineEvent(incident.id, EventKind.DECLARED, at, message="declared")
            store.create_incident(incident, event, [], day=day, seq=1)


def test_list_shows_the_newest_fifty_and_counts_the_rest(tmp_path: Path) -> None:
    _history(tmp_path, 120)
    env = {"INCIDENTCTL_HOME": str(tmp_path)}
    listing = list_view(env, now=START)
    assert listing.total == 120 and len(listing.rows) == LIST_LIMIT
    assert [r["title"] for r in listing.rows[:3]] == ["incident 0", "incident 1", "incident 2"]
    assert len(list_view(env, limit=None, now=START).rows) == 120


def test_list_filters_by_severity_open_and_since(tmp_path: Path) -> None:
    _history(tmp_path, 30)
    env = {"INCIDENTCTL_HOME": str(tmp_path)}
    sev1 = list_view(env, severity="sev1", now=START)
    assert sev1.total == 15 and {r["severity"] for r in sev1.rows} == {"sev1"}
    open_ = list_view(env, open_only=True, now=START)
    assert open_.total == 10 and {r["status"] for r in open_.rows} == {"investigating"}
    week = list_view(env, since="7d", now=START)
    assert [r["title"] for r in week.rows] == [f"incident {n}" for n in range(8)]
    dated = list_view(env, since="2025-12-17", now=START)  # midnight UTC (no playbook here)
    assert [r["title"] for r in dated.rows] == ["incident 0", "incident 1", "incident 2"]
    both = list_view(env, since="10d", severity="sev2", open_only=True, now=START)
    assert [r["title"] for r in both.rows] == ["incident 0", "incident 6"]


def test_a_since_that_is_neither_a_duration_nor_a_date_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"--since 'last week': give a duration \(7d"):
        list_view({"INCIDENTCTL_HOME": str(tmp_path)}, since="last week", now=START)

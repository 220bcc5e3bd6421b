"""`note`, `correct` and `reopen` at the application layer, over an outbox and a console."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from incidentctl.app.corrections import commit_correction, plan_correction
from incidentctl.app.declare import commit_declare, plan_declare
from incidentctl.app.incidents import commit_update, plan_update
from incidentctl.app.notes import add_note
from incidentctl.app.postmortem import render_postmortem
from incidentctl.app.publish import publish
from incidentctl.app.reopen import commit_reopen, plan_reopen
from incidentctl.app.retry import retry_deliveries
from incidentctl.app.send import make_engine
from incidentctl.app.workspace import Workspace
from incidentctl.errors import ConflictError
from incidentctl.model.records import ComponentStatus, DeliveryState, EventKind, Stage
from tests.helpers import workspace


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 12, 19, 13, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def declared(ws: Workspace) -> str:
    plan = plan_declare(
        ws, "sev1", "Checkout slow", impact="Payments take 30 s", components=["api"]
    )
    incident = publish(ws, plan, commit_declare).incident
    assert incident is not None
    update = plan_update(ws, incident.id, "We rolled back the 14:05 deploy", status="identified")
    publish(ws, update, commit_update)
    return incident.id


def outbox_files(ws: Workspace, iid: str) -> list[Path]:
    return sorted((ws.state_dir / "outbox" / iid).glob("*.txt"))


def test_a_note_is_on_the_timeline_and_sent_nowhere(tmp_path: Path) -> None:
    with workspace(tmp_path) as ws:
        iid = declared(ws)
        before = len(ws.store.deliveries(incident_id=iid))
        incident, _ = add_note(ws, None, "DBA confirms replica lag")  # the only open one
        events = ws.store.timeline(iid)
        after = len(ws.store.deliveries(incident_id=iid))
        review = render_postmortem(ws, incident)

    assert incident.id == iid
    assert (events[-1].kind, events[-1].message) == (EventKind.NOTE, "DBA confirms replica lag")
    assert after == before
    assert "DBA confirms replica lag" in review and "Note (internal)" in review


def test_a_correction_edits_the_outbox_and_posts_on_the_console(tmp_path: Path) -> None:
    with workspace(tmp_path) as ws:
        iid = declared(ws)
        [_, updated] = outbox_files(ws, iid)
        plan = plan_correction(ws, iid, "We rolled back the 13:05 deploy")
        published = publish(ws, plan, commit_correction)
        files = outbox_files(ws, iid)
        console = ws.console.getvalue()  # type: ignore[attr-defined]
        [event] = [e for e in ws.store.timeline(iid) if e.kind is EventKind.CORRECTION]

    assert published.report is not None and not published.report.failed
    assert plan.notices == [
        "outbox: edits its message (sent 14:00 CET) in place",
        "room: cannot edit its message (sent 14:00 CET): posts a correction",
    ]
    assert len(files) == 2  # rewritten, not a third file
    text = updated.read_text()
    assert "We rolled back the 13:05 deploy." in text and "14:05" not in text
    assert "Cause identified: Checkout slow" in text  # the rest of the message as it was
    assert "Correction: Checkout slow" in console
    assert event.data["edits"]["outbox"]["remote_id"] == str(updated)


def test_a_failed_edit_is_retried_as_an_edit(tmp_path: Path) -> None:
    with workspace(tmp_path) as ws:
        iid = declared(ws)
        [_, updated] = outbox_files(ws, iid)
        blocker = updated.with_suffix(".partial")
        blocker.mkdir()  # the edit cannot write its file (even as root)
        publish(ws, plan_correction(ws, iid, "We rolled back the 13:05 deploy"), commit_correction)
        failed = ws.store.deliveries(incident_id=iid, states=[DeliveryState.FAILED])
        blocker.rmdir()
        report = retry_deliveries(ws, iid, make_engine(ws))
        files = outbox_files(ws, iid)

    assert [d.channel for d in failed] == ["outbox"]
    assert [d.state for d in report.deliveries] == [DeliveryState.SENT]
    assert len(files) == 2 and "13:05" in updated.read_text()


def test_reopen_refuses_an_open_incident(tmp_path: Path) -> None:
    with workspace(tmp_path) as ws:
        iid = declared(ws)
        with pytest.raises(ConflictError, match="only a resolved incident is reopened"):
            plan_reopen(ws, iid, "It is back")


def test_reopen_restarts_the_incident_and_tells_who_was_told(tmp_path: Path) -> None:
    clock = Clock()
    with workspace(tmp_path, clock=clock) as ws:
        iid = declared(ws)
        clock.now += timedelta(minutes=20)
        publish(ws, plan_update(ws, iid, "Fixed", resolve=True), commit_update)
        clock.now += timedelta(hours=2)
        plan = plan_reopen(ws, iid, "Payments are slow again")
        published = publish(ws, plan, commit_reopen)
        incident = ws.store.get_incident(iid)
        kinds = [e.kind for e in ws.store.timeline(iid)]
        console = ws.console.getvalue()  # type: ignore[attr-defined]
        assert incident is not None
        clock.now += timedelta(minutes=10)
        publish(ws, plan_update(ws, iid, "Fixed for good", resolve=True), commit_update)
        final = ws.store.get_incident(iid)
        assert final is not None
        review = render_postmortem(ws, final)

    assert published.report is not None and not published.report.failed
    assert sorted(d.channel for d in plan.deliveries) == ["outbox", "room"]
    assert (incident.status, incident.severity, incident.resolved_at) == (
        Stage.INVESTIGATING,
        "sev1",
        None,
    )
    assert incident.next_update_due == clock.now - timedelta(minutes=10) + timedelta(minutes=30)
    assert incident.components == {"api": ComponentStatus.PARTIAL_OUTAGE}
    assert kinds.count(EventKind.RESOLVED) == 1 and kinds[-1] is EventKind.REOPENED
    assert "Reopened: Checkout slow" in console and "Payments are slow again." in console
    resolved, reopened, again = (
        review.index("Fixed"),
        review.index("Payments are slow again"),
        review.index("Fixed for good"),
    )
    assert resolved < reopened < again

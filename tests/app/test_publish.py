"""Publishing a plan without the CLI: preview, question, record, send — side effects passed in."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from incidentctl.app.declare import commit_declare, plan_declare
from incidentctl.app.plan import Plan
from incidentctl.app.publish import Preview, publish, raise_if_undelivered
from incidentctl.app.send import DeliveryReport
from incidentctl.app.workspace import Workspace, load_checked_playbook
from incidentctl.delivery.engine import ProgressCallback
from incidentctl.errors import DeliveriesFailed
from incidentctl.model.records import Delivery, DeliveryState, Stage
from incidentctl.store import open_store
from tests.helpers import write_playbook


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    state = tmp_path / "state"
    loaded, channels = load_checked_playbook(write_playbook(tmp_path))
    return Workspace(
        loaded=loaded,
        store=open_store(state, {}),
        env={},
        state_dir=state,
        channels=channels,
        clock=lambda: datetime(2025, 12, 19, 13, 0, tzinfo=UTC),
        console=io.StringIO(),
    )


def test_a_dry_run_previews_the_bodies_and_stores_nothing(ws: Workspace) -> None:
    shown: list[Preview] = []
    plan = plan_declare(ws, "sev1", "API down")
    published = publish(ws, plan, commit_declare, dry_run=True, show_preview=shown.append)
    assert published.incident is None and published.report is None
    assert [p.dry_run for p in shown] == [True]
    assert shown[0].plan is plan and shown[0].missing == {}
    assert ws.store.list_incidents() == []


def test_no_at_the_question_stores_and_sends_nothing(ws: Workspace) -> None:
    asked: list[int] = []

    def refuse(plan: Plan) -> bool:
        asked.append(len(plan.deliveries))
        return False

    published = publish(ws, plan_declare(ws, "sev1", "API down"), commit_declare, confirm=refuse)
    assert published.cancelled and asked == [2]
    assert ws.store.list_incidents() == [] and ws.store.deliveries() == []


def test_yes_records_first_then_sends_and_reports_progress(ws: Workspace) -> None:
    seen: list[tuple[str, DeliveryState]] = []
    tables: list[list[str]] = []

    @contextmanager
    def progress(deliveries: Sequence[Delivery]) -> Iterator[ProgressCallback | None]:
        tables.append([d.channel for d in deliveries])

        def callback(
            delivery: Delivery, state: DeliveryState, attempt: int, error: str | None
        ) -> None:
            seen.append((delivery.channel, state))

        yield callback

    published = publish(
        ws,
        plan_declare(ws, "sev1", "API down"),
        commit_declare,
        confirm=lambda _: True,
        progress=progress,
    )
    assert published.incident is not None and published.report is not None
    assert tables == [["outbox", "room"]]
    assert {channel for channel, state in seen if state is DeliveryState.SENT} == {"outbox", "room"}
    stored = ws.store.deliveries(incident_id=published.incident.id)
    assert [d.state for d in stored] == [DeliveryState.SENT, DeliveryState.SENT]
    raise_if_undelivered(published.report)  # nothing failed: no error


def test_undelivered_is_one_error_naming_the_channels() -> None:
    def delivery(channel: str, state: DeliveryState) -> Delivery:
        from incidentctl.model.records import RenderedMessage

        return Delivery(
            "INC-1", channel, "webhook", Stage.INVESTIGATING, RenderedMessage("x"), "h", state=state
        )

    report = DeliveryReport(
        [delivery("hook", DeliveryState.FAILED)], held=[delivery("x", DeliveryState.UNCERTAIN)]
    )
    with pytest.raises(DeliveriesFailed) as caught:
        raise_if_undelivered(report)
    assert caught.value.exit_code == 3
    assert "(hook)" in caught.value.message and "retry --resend-uncertain" in caught.value.message


def test_times_are_for_the_moment_of_sending_when_the_responder_waited(ws: Workspace) -> None:
    from datetime import timedelta

    moments = [datetime(2025, 12, 19, 13, 0, tzinfo=UTC)]
    ws.clock = lambda: moments[0]
    shown: list[Preview] = []

    def wait_then_say_yes(plan: Plan) -> bool:
        moments[0] += timedelta(minutes=3)  # the responder read the preview for 3 minutes
        return True

    plans: list[Plan] = []

    def replan() -> Plan:
        plans.append(plan_declare(ws, "sev1", "API down"))
        return plans[-1]

    first = plan_declare(ws, "sev1", "API down")
    published = publish(
        ws,
        first,
        commit_declare,
        show_preview=shown.append,
        confirm=wait_then_say_yes,
        replan=replan,
    )
    assert shown[0].provisional and len(plans) == 1
    assert published.incident is not None
    assert published.incident.declared_at == moments[0]
    assert published.incident.next_update_due == moments[0] + timedelta(minutes=30)
    [stored, *_] = ws.store.deliveries(incident_id=published.incident.id)
    assert "14:33" in stored.message.text and "14:30" not in stored.message.text  # Paris


def test_no_new_plan_within_the_same_minute(ws: Workspace) -> None:
    calls: list[int] = []

    def replan() -> Plan:
        calls.append(1)
        return plan_declare(ws, "sev1", "API down")

    publish(
        ws,
        plan_declare(ws, "sev1", "API down"),
        commit_declare,
        confirm=lambda _: True,
        replan=replan,
    )
    assert calls == []


def test_a_change_stored_meanwhile_is_composed_with_not_overwritten(ws: Workspace) -> None:
    from incidentctl.app.incidents import commit_update, plan_update
    from incidentctl.model.records import ComponentStatus

    incident = publish(ws, plan_declare(ws, "sev1", "API down"), commit_declare).incident
    assert incident is not None

    def plan() -> Plan:
        return plan_update(
            ws, incident.id, "Portal slow too", components=["portal=degraded_performance"]
        )

    mine = plan()
    # another responder stores theirs between my plan and my storing it
    publish(
        ws,
        plan_update(ws, incident.id, "API down hard", components=["api=major_outage"]),
        commit_update,
    )
    published = publish(ws, mine, commit_update, replan=plan)
    stored = ws.store.get_incident(incident.id)
    assert stored is not None
    assert stored.components == {
        "api": ComponentStatus.MAJOR_OUTAGE,
        "portal": ComponentStatus.DEGRADED_PERFORMANCE,
    }
    assert "changed by another responder meanwhile" in published.notes[0]
    assert published.preview.plan is mine and published.incident is not None
    assert published.incident.version == stored.version == 2


def test_a_resolution_stored_meanwhile_stops_the_update_and_says_so(ws: Workspace) -> None:
    from incidentctl.app.incidents import commit_update, plan_update
    from incidentctl.errors import ConflictError

    incident = publish(ws, plan_declare(ws, "sev1", "API down"), commit_declare).incident
    assert incident is not None

    def plan() -> Plan:
        return plan_update(ws, incident.id, "Still looking")

    mine = plan()
    publish(ws, plan_update(ws, incident.id, "Fixed", resolve=True), commit_update)
    with pytest.raises(ConflictError, match=r"another responder changed .* is resolved since"):
        publish(ws, mine, commit_update, replan=plan)
    kinds = [e.kind.value for e in ws.store.timeline(incident.id)]
    assert kinds == ["declared", "status_change", "resolved"]

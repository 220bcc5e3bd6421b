"""Sending: the report lists deliveries in playbook order, whatever order they finished in."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from incidentctl.app.declare import commit_declare, plan_declare
from incidentctl.app.send import make_engine, send_deliveries
from incidentctl.app.workspace import Workspace, load_checked_playbook
from incidentctl.channels.base import Outgoing
from incidentctl.delivery.engine import DeliveryEngine, Outcome
from incidentctl.model.records import Delivery
from incidentctl.store import open_store
from tests.helpers import write_playbook


class ReversedEngine(DeliveryEngine):
    """The last channel answers first."""

    def send_all(
        self,
        deliveries: Sequence[Delivery],
        outgoing_for: Callable[[Delivery], Outgoing],
        on_settled: Callable[[Outcome], None],
    ) -> list[Outcome]:
        return list(reversed(super().send_all(deliveries, outgoing_for, on_settled)))


def test_report_is_in_playbook_order(tmp_path: Path) -> None:
    state = tmp_path / "state"
    loaded, channels = load_checked_playbook(write_playbook(tmp_path))
    ws = Workspace(
        loaded=loaded,
        store=open_store(state, {}),
        env={},
        state_dir=state,
        channels=channels,
        clock=lambda: datetime(2025, 12, 19, 13, 0, tzinfo=UTC),
        console=io.StringIO(),
    )
    plan = plan_declare(ws, "sev1", "API down")
    incident = commit_declare(ws, plan)
    engine = make_engine(ws)
    engine.__class__ = ReversedEngine
    report = send_deliveries(ws, incident, plan.deliveries, engine)
    assert [d.channel for d in report.deliveries] == ["outbox", "room"]

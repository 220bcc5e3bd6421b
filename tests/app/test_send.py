"""Sending and retrying: the report lists deliveries in playbook order, whatever order they
finished in; a retry reconciles with what is provably ours."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from incidentctl.app.declare import commit_declare, plan_declare
from incidentctl.app.retry import retry_deliveries
from incidentctl.app.send import make_engine, send_deliveries
from incidentctl.channels.base import Outgoing
from incidentctl.channels.statuspage import StatuspageChannel
from incidentctl.delivery.engine import DeliveryEngine, Outcome
from incidentctl.model.records import Delivery, DeliveryState
from tests.channels.fakes.base_server import build_channel, make_incident, make_outgoing
from tests.channels.fakes.statuspage_server import StatuspageServer
from tests.helpers import notifying_only, workspace


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
    with workspace(tmp_path) as ws:
        plan = plan_declare(ws, "sev1", "API down")
        incident = commit_declare(ws, plan)
        engine = make_engine(ws)
        engine.__class__ = ReversedEngine
        report = send_deliveries(ws, incident, plan.deliveries, engine)
    assert [d.channel for d in report.deliveries] == ["outbox", "room"]


STATUSPAGE = """\
channels:
  status:
    type: statuspage
    audience: public
    api_key: ${STATUSPAGE_API_KEY}
    page_id: pg123
    api_base: {api_base}
"""


def test_retry_never_takes_another_stores_incident_with_the_same_id(tmp_path: Path) -> None:
    """Two machines both number their first incident of the day INC-20251219-0001; ours was
    interrupted while creating it on the page, theirs is there: retry must create ours."""
    key = "sp-key-0123456789abcdef"
    with StatuspageServer(api_key=key, clock=time.time, rate_per_second=1000.0) as server:
        text = notifying_only(STATUSPAGE.replace("{api_base}", server.api_base))
        with workspace(tmp_path, text, env={"STATUSPAGE_API_KEY": key}) as ws:
            plan = plan_declare(ws, "sev1", "API down")
            incident = commit_declare(ws, plan)
            theirs = replace(make_incident(id=incident.id, title="API down"), uid="their-uid")
            other = build_channel(
                StatuspageChannel,
                {"api_key": key, "page_id": "pg123", "api_base": server.api_base},
                {},
                tmp_path,
                name="status",
            )
            their_id = other.send(replace(make_outgoing(), incident=theirs)).remote_id
            # a crash while sending: the delivery is left `sending`, it may have gone out
            assert ws.store.claim_deliveries([d.id or 0 for d in plan.deliveries], ws.now())

            report = retry_deliveries(ws, None, make_engine(ws))

    (delivery,) = report.deliveries
    assert delivery.state is DeliveryState.SENT
    assert delivery.remote_id not in (None, their_id)
    assert len(server.incidents) == 2
    created = server.incidents[delivery.remote_id or ""]["metadata"]["incidentctl"]
    assert created == {"incident_id": incident.id, "uid": incident.uid}

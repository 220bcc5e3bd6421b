"""What a delivery is about, end to end: the JSON kept in the event and the bytes a webhook
receives are pinned, and every retry hands channels the incident as it was when announced."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from incidentctl.app.declare import commit_declare, plan_declare
from incidentctl.app.incidents import commit_update, plan_update
from incidentctl.app.messages import stored_snapshots
from incidentctl.app.send import make_engine, send_deliveries
from incidentctl.app.workspace import Workspace
from incidentctl.model.records import ComponentStatus, EventKind, Stage
from tests.channels.fakes.webhook_server import SECRET, WebhookReceiver
from tests.helpers import notifying_only, workspace

START = datetime(2025, 12, 19, 13, 0, tzinfo=UTC)
HOOK = """\
channels:
  hook:
    type: webhook
    audience: internal
    url: ${WEBHOOK_URL}
    secret: ${WEBHOOK_SECRET}
"""

DECLARED_SNAPSHOT = {
    "id": "INC-20251219-0001",
    "title": "API down",
    "severity": "sev1",
    "severity_name": "Critical",
    "severity_rank": 0,
    "status": "investigating",
    "category": "",
    "impact": "Calls fail",
    "workaround": "",
    "eta": "",
    "components": {"api": "partial_outage"},
    "roles": {"commander": "@alice", "comms": "@bob"},
    "declared_at": "2025-12-19T13:00:00+00:00",
    "resolved_at": None,
    "next_update_due": "2025-12-19T13:30:00+00:00",
    "status_page_url": "https://status.acme.example",
}
DECLARED_EVENT = {
    "kind": "declared",
    "message": "Calls fail",
    "at": "2025-12-19T13:00:00+00:00",
    "stage": "investigating",
}


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as server:
        yield server


@pytest.fixture
def clock() -> list[datetime]:
    return [START]


@pytest.fixture
def ws(tmp_path: Path, receiver: WebhookReceiver, clock: list[datetime]) -> Iterator[Workspace]:
    env = {"WEBHOOK_URL": receiver.hook_url, "WEBHOOK_SECRET": SECRET}
    with workspace(tmp_path, notifying_only(HOOK), env=env, clock=lambda: clock[0]) as ws:
        yield ws


def declare(ws: Workspace) -> None:
    plan = plan_declare(
        ws, "sev1", "API down", impact="Calls fail", components=["api"], roles=["comms=@bob"]
    )
    incident = commit_declare(ws, plan)
    send_deliveries(ws, incident, plan.deliveries, make_engine(ws))


def test_the_declared_event_keeps_the_snapshots_as_json(ws: Workspace) -> None:
    declare(ws)
    (event,) = ws.store.timeline("INC-20251219-0001")
    assert event.data == {
        "severity": "sev1",
        "roles": {"commander": "@alice", "comms": "@bob"},
        "components": {"api": "partial_outage"},
        # what the responder confirmed about customers' data: nothing (None) unless asked
        "data_safe": None,
        "snapshot": DECLARED_SNAPSHOT,
        "event": DECLARED_EVENT,
    }


def test_an_update_keeps_the_incident_as_it_stands_then(
    ws: Workspace, clock: list[datetime]
) -> None:
    declare(ws)
    clock[0] += timedelta(minutes=20)
    plan = plan_update(
        ws, None, "Found it", status="identified", components=["api=degraded_performance"]
    )
    commit_update(ws, plan)
    *_, last = ws.store.timeline("INC-20251219-0001")
    assert last.data == {
        "snapshot": {
            **DECLARED_SNAPSHOT,
            "status": "identified",
            "components": {"api": "degraded_performance"},
            "next_update_due": "2025-12-19T13:50:00+00:00",
        },
        "event": {
            "kind": "update",
            "message": "Found it",
            "at": "2025-12-19T13:20:00+00:00",
            "stage": "identified",
        },
    }


def test_the_webhook_body_is_byte_for_byte_what_receivers_have(
    ws: Workspace, receiver: WebhookReceiver
) -> None:
    declare(ws)
    (request,) = receiver.accepted
    assert request.body.startswith(
        b'{"event":{"kind":"declared","message":"Calls fail","at":"2025-12-19T13:00:00+00:00",'
        b'"stage":"investigating"},"incident":{"id":"INC-20251219-0001","title":"API down",'
        b'"severity":"sev1","severity_name":"Critical","severity_rank":0,'
        b'"status":"investigating","category":"","impact":"Calls fail","workaround":"",'
        b'"eta":"","components":{"api":"partial_outage"},'
        b'"roles":{"commander":"@alice","comms":"@bob"},'
        b'"declared_at":"2025-12-19T13:00:00+00:00","resolved_at":null,'
        b'"next_update_due":"2025-12-19T13:30:00+00:00",'
        b'"status_page_url":"https://status.acme.example"},"message":{"subject":null,"text":"'
    )
    assert b',"html":null},"delivery_id":1,"idempotency_key":"INC-20251219-0001-1-' in request.body


def test_a_retry_sends_what_was_announced_with_the_incidents_identity(
    ws: Workspace, clock: list[datetime]
) -> None:
    declare(ws)
    clock[0] += timedelta(minutes=5)
    commit_update(ws, plan_update(ws, None, "Worse", components=["api=major_outage"]))
    incident = ws.store.get_incident("INC-20251219-0001")
    assert incident is not None and incident.uid
    first = ws.store.timeline(incident.id)[0]

    snapshot, event = stored_snapshots(ws, incident, first, Stage.INVESTIGATING)

    assert snapshot.to_json() == DECLARED_SNAPSHOT
    assert snapshot.components == {"api": ComponentStatus.PARTIAL_OUTAGE}
    assert snapshot.declared_at == START
    assert (snapshot.uid, snapshot.organization, snapshot.timezone) == (
        incident.uid,
        "Acme Cloud",
        "Europe/Paris",
    )
    assert (event.kind, event.at, event.stage) == (EventKind.DECLARED, START, Stage.INVESTIGATING)


def test_an_event_without_snapshots_is_described_from_the_records(ws: Workspace) -> None:
    declare(ws)
    incident = ws.store.get_incident("INC-20251219-0001")
    assert incident is not None
    (event,) = ws.store.timeline(incident.id)
    event.data.clear()  # as a record stored before snapshots were kept
    snapshot, announced = stored_snapshots(ws, incident, event, Stage.INVESTIGATING)
    assert snapshot.to_json() == DECLARED_SNAPSHOT
    assert snapshot.uid == incident.uid
    assert announced.to_json() == DECLARED_EVENT

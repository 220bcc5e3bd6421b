"""Customers hear that their data is safe only once a responder has said so."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from incidentctl.app.declare import commit_declare, plan_declare
from incidentctl.app.incidents import commit_update, plan_update
from incidentctl.app.workspace import Workspace, load_checked_playbook
from incidentctl.errors import UsageError
from incidentctl.model.records import Delivery, EventKind
from incidentctl.store import open_store
from tests.helpers import PLAYBOOK, write_playbook

START = datetime(2025, 12, 19, 13, 0, tzinfo=UTC)
REASSURANCE = "Nothing so far suggests that your data"
CATEGORIES = """\
categories:
  security:
    name: Security
    min_severity: sev1
  data-loss:
    name: Data loss
    min_severity: sev1
    data_safe: false
  ddos:
    name: Denial of service
    min_severity: sev1
    data_safe: true
"""


@pytest.fixture
def clock() -> list[datetime]:
    return [START]


@pytest.fixture
def ws(tmp_path: Path, clock: list[datetime]) -> Iterator[Workspace]:
    text = PLAYBOOK.format(language="en").replace(
        "categories:\n  security:\n    name: Security\n    min_severity: sev1\n", CATEGORIES
    )
    loaded, channels = load_checked_playbook(write_playbook(tmp_path, text))
    state = tmp_path / "state"
    store = open_store(state, {})
    yield Workspace(
        loaded=loaded,
        store=store,
        env={},
        state_dir=state,
        channels=channels,
        clock=lambda: clock[0],
        console=io.StringIO(),
    )
    store.close()


def outbox_text(deliveries: list[Delivery]) -> str:
    return next(d.message.text for d in deliveries if d.channel == "outbox")


def test_nothing_is_said_about_data_unless_confirmed(ws: Workspace) -> None:
    plan = plan_declare(ws, "sev1", "API down", impact="Calls fail")
    assert plan.incident.data_safe is None
    assert REASSURANCE not in outbox_text(plan.deliveries)
    assert not any("data" in notice for notice in plan.notices)


def test_declare_data_safe_says_it_shows_the_claim_and_records_it(ws: Workspace) -> None:
    plan = plan_declare(ws, "sev1", "API down", impact="Calls fail", data_safe=True)
    assert REASSURANCE in outbox_text(plan.deliveries)
    assert any("--data-safe" in notice and "make sure" in notice for notice in plan.notices)
    incident = commit_declare(ws, plan)
    (declared,) = ws.store.timeline(incident.id)
    assert declared.data["data_safe"] is True


def test_the_category_gives_the_default_and_can_forbid_the_claim(ws: Workspace) -> None:
    ddos = plan_declare(ws, "sev1", "Flood", category="ddos")
    text = outbox_text(ddos.deliveries)
    assert "denial of service incident" in text and "Nothing so far suggests" in text
    assert any("categories.ddos.data_safe" in notice for notice in ddos.notices)
    leak = plan_declare(ws, "sev1", "Leak", category="data-loss")
    assert leak.incident.data_safe is False
    assert "Nothing so far" not in outbox_text(leak.deliveries)
    with pytest.raises(UsageError, match=r"categories.data-loss.data_safe: false"):
        plan_declare(ws, "sev1", "Leak", category="data-loss", data_safe=True)


def test_a_later_confirmation_holds_for_the_next_messages_until_withdrawn(
    ws: Workspace, clock: list[datetime]
) -> None:
    incident = commit_declare(ws, plan_declare(ws, "sev1", "API down", impact="Calls fail"))
    clock[0] += timedelta(minutes=10)
    plan = plan_update(ws, incident.id, "Logs checked", data_safe=True)
    assert "We have no indication" not in outbox_text(plan.deliveries)  # still investigating
    assert REASSURANCE in outbox_text(plan.deliveries)
    assert plan.events[-1].data["data_safe"] is True
    commit_update(ws, plan)
    # the same text again is news when it confirms something: no repeat refusal above, and
    # the next update, without the option, keeps the confirmation read from the timeline
    clock[0] += timedelta(minutes=10)
    plan = plan_update(ws, incident.id, "Still rolling back", status="identified")
    assert plan.incident.data_safe is True
    assert "We have no indication that your data" in outbox_text(plan.deliveries)
    assert "data_safe" not in plan.events[-1].data
    commit_update(ws, plan)
    clock[0] += timedelta(minutes=10)
    plan = plan_update(ws, incident.id, "A customer reports odd data", data_safe=False)
    assert "no indication" not in outbox_text(plan.deliveries)
    assert any("no longer" in notice for notice in plan.notices)
    commit_update(ws, plan)
    clock[0] += timedelta(minutes=10)
    plan = plan_update(ws, incident.id, "Fixed", resolve=True)
    assert "We found no sign" not in outbox_text(plan.deliveries)
    kinds = [(e.kind, e.data.get("data_safe", "-")) for e in ws.store.timeline(incident.id)]
    assert [k for k in kinds if k[1] != "-"] == [
        (EventKind.DECLARED, None),
        (EventKind.UPDATE, True),
        (EventKind.UPDATE, False),
    ]


def test_confirming_again_what_is_already_said_records_nothing(
    ws: Workspace, clock: list[datetime]
) -> None:
    plan = plan_declare(ws, "sev1", "API down", data_safe=True)
    incident = commit_declare(ws, plan)
    clock[0] += timedelta(minutes=10)
    plan = plan_update(ws, incident.id, "Still on it", data_safe=True)
    assert "data_safe" not in plan.events[-1].data
    assert plan.notices == []


def test_the_resolution_confirms_no_data_was_lost_only_when_said(
    ws: Workspace, clock: list[datetime]
) -> None:
    incident = commit_declare(ws, plan_declare(ws, "sev1", "API down"))
    clock[0] += timedelta(minutes=30)
    plan = plan_update(ws, incident.id, "Fixed", resolve=True, data_safe=True)
    assert "We found no sign that any data was lost or exposed." in outbox_text(plan.deliveries)

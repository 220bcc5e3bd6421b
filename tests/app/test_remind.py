"""`remind` over a simulated two-hour incident, with the workspace's clock moved by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from incidentctl.app.declare import commit_declare, plan_declare
from incidentctl.app.incidents import commit_update, plan_update
from incidentctl.app.publish import publish
from incidentctl.app.reminders.run import remind
from incidentctl.app.retry import retry_deliveries
from incidentctl.app.send import make_engine
from incidentctl.app.workspace import Workspace
from incidentctl.model.records import DeliveryState, EventKind, Incident
from tests.helpers import PLAYBOOK, workspace

START = datetime(2025, 12, 19, 13, 0, tzinfo=UTC)
# sev1: an update every 30 minutes; the "still working on it" update after 45 silent ones
REMINDING = PLAYBOOK.format(language="en").replace(
    "    postmortem_required: true\n",
    "    postmortem_required: true\n    auto_update_after: 45m\n",
    1,
) + ("reminders:\n  channels: [room]\n  before: 5m\n  every: 10m\n")


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def at(self, minutes: int) -> None:
        self.now = START + timedelta(minutes=minutes)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ws(tmp_path: Path, clock: Clock) -> Iterator[Workspace]:
    with workspace(tmp_path, REMINDING, clock=clock) as ws:
        yield ws


def declare(ws: Workspace) -> Incident:
    plan = plan_declare(ws, "sev1", "Checkout errors", roles=["commander=@alice"])
    incident = publish(ws, plan, commit_declare).incident
    assert incident is not None
    return incident


def minute(moment: datetime) -> int:
    return int((moment - START).total_seconds() // 60)


def reminders(ws: Workspace, incident: Incident) -> list[tuple[int, str]]:
    """(minute, kind) of every reminder the timeline holds."""
    return [
        (minute(e.at), e.data["reminder"])
        for e in ws.store.timeline(incident.id)
        if e.kind is EventKind.REMINDER
    ]


def public_updates(ws: Workspace, incident: Incident) -> list[int]:
    """Minutes at which a message went to the public outbox."""
    return [
        minute(d.created_at)
        for d in ws.store.deliveries(incident_id=incident.id)
        if d.channel == "outbox" and d.created_at is not None
    ]


def test_two_hours_of_an_incident_remind_on_cadence_and_post_once_per_silence(
    ws: Workspace, clock: Clock
) -> None:
    incident = declare(ws)
    runs: list[tuple[int, int]] = []
    for at in range(1, 121):
        clock.at(at)
        if at == 60:  # the commander posts an update at last
            publish(ws, plan_update(ws, incident.id, "Rollback under way"), commit_update)
        if at == 110:
            plan = plan_update(ws, incident.id, "Payments work again", resolve=True)
            publish(ws, plan, commit_update)
        first, second = remind(ws), remind(ws)  # twice in the same minute
        assert second.reminded == []
        if first.reminded:
            runs.append((at, len(first.reminded)))

    assert reminders(ws, incident) == [
        (25, "due_soon"),  # due at 13:30
        (31, "overdue"),
        (40, "overdue"),
        (45, "auto_update"),  # 45 silent minutes: "still working on it", next due at 14:15
        (85, "due_soon"),  # the commander's update at 14:00 made it due at 14:30
        (91, "overdue"),
        (100, "overdue"),
        (105, "auto_update"),  # 45 minutes after the commander's update
    ]
    assert all(count == 1 for _, count in runs)
    # the public heard: the declaration, two automatic updates, one update, the resolution
    assert public_updates(ws, incident) == [0, 45, 60, 105, 110]
    room = [
        d
        for d in ws.store.deliveries(incident_id=incident.id)
        if d.channel == "room" and minute(d.created_at or START) in (25, 31, 45)
    ]
    assert all(d.state is DeliveryState.SENT for d in room)
    texts = [d.message.text for d in room]
    assert texts[0].startswith(
        f"⏰ {incident.id} update due in 5 minutes (last public update 25 minutes ago, "
        "incident commander @alice)"
    )
    assert texts[1].startswith(f"⚠️ {incident.id} update overdue by 1 minute")
    assert f'incidentctl update {incident.id} -m "' in texts[1]
    # at minute 45 the room got the notice (stored with the update, first) and the update
    assert texts[2].startswith(f"🤖 {incident.id}: no public update for 45 minutes")
    assert "went out to outbox and room" in texts[2]
    assert "Next update due by 15:15 CET" in texts[2]
    assert "Nothing new since our last update at 14:00 CET" in texts[3]
    [auto, *_] = [e for e in ws.store.timeline(incident.id) if e.kind is EventKind.UPDATE]
    assert (
        auto.message == "Nothing new since our last update at 14:00 CET: the team is still on it."
    )


def test_a_failed_reminder_is_retried_without_superseding_the_incident_messages(
    ws: Workspace, clock: Clock
) -> None:
    incident = declare(ws)
    clock.at(31)
    [reminded] = remind(ws).reminded
    [delivery] = reminded.deliveries
    delivery.state = DeliveryState.FAILED  # as if the room had been down
    ws.store.update_delivery(delivery)

    report = retry_deliveries(ws, None, make_engine(ws))

    assert [(d.channel, d.state) for d in report.deliveries] == [("room", DeliveryState.SENT)]
    told = [d for d in ws.store.deliveries(incident_id=incident.id) if d.channel == "room"]
    assert [d.state for d in told] == [DeliveryState.SENT, DeliveryState.SENT]


def test_a_dry_run_shows_what_is_due_and_stores_nothing(ws: Workspace, clock: Clock) -> None:
    incident = declare(ws)
    clock.at(46)
    before = len(ws.store.deliveries(incident_id=incident.id))

    preview = remind(ws, dry_run=True)

    [item] = preview.reminded
    assert [d.channel for d in item.update] == ["outbox", "room"]
    assert "no public update for 46 minutes" in item.deliveries[0].message.text
    assert len(ws.store.deliveries(incident_id=incident.id)) == before
    assert ws.store.reminded(incident.id) == []
    assert [r.due.kind.value for r in remind(ws).reminded] == ["auto_update"]


def test_nothing_open_is_quiet(ws: Workspace) -> None:
    assert remind(ws).reminded == []

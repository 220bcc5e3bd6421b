"""Maintenance use cases with a frozen clock: which reminders are due, and what the notices say
when the works overran."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from incidentctl.app.maintenance import (
    due_reminders,
    execute,
    plan_complete,
    plan_schedule,
    plan_start,
)
from tests.helpers import PLAYBOOK, workspace

START = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)  # 02:00 in Paris


def test_reminders_fall_due_once_each_and_those_already_past_are_skipped(tmp_path: Path) -> None:
    now = [START - timedelta(days=3)]
    with workspace(tmp_path, clock=lambda: now[0]) as ws:
        plan = plan_schedule(
            ws, title="Works", start="2026-12-10 02:00", end="2026-12-10 03:00", components=["api"]
        )
        # three days ahead: the 7-day reminder's moment has passed, this announcement covers it
        assert plan.item.reminders_sent == ["7d"]
        execute(ws, plan)
        assert due_reminders(ws, now[0]) == []
        now[0] = START - timedelta(minutes=59)
        ((item, labels),) = due_reminders(ws, now[0])
        assert item.id == plan.item.id and labels == ["1h"]
        # once started, nothing more is due
        execute(ws, plan_start(ws, item.id))
        assert due_reminders(ws, now[0]) == []


def test_completed_after_the_end_says_by_how_much_in_both_languages(tmp_path: Path) -> None:
    for language, expected in (
        ("en", "It ended 25 minutes later than planned"),
        ("fr", "Elle s'est achevée avec 25\u00a0min de retard sur l'horaire prévu\u00a0;"),
    ):
        folder = tmp_path / language
        folder.mkdir()
        now = [START - timedelta(days=1)]

        def clock(now: list[datetime] = now) -> datetime:
            return now[0]

        with workspace(folder, PLAYBOOK.format(language=language), clock=clock) as ws:
            done = execute(
                ws,
                plan_schedule(
                    ws,
                    title="Works",
                    start="2026-12-10 02:00",
                    end="2026-12-10 03:00",
                    components=["api"],
                ),
            )
            now[0] = START
            execute(ws, plan_start(ws, done.item.id))
            now[0] = START + timedelta(hours=1, minutes=25)
            plan = plan_complete(ws, done.item.id)
            assert plan.item.overran_at == START + timedelta(hours=1)
            (notice,) = [n for n in plan.notices if n.delivery.channel == "outbox"]
            assert expected in notice.delivery.message.text, notice.delivery.message.text
            # the lead and the details are separate paragraphs
            assert "\n\n" in notice.delivery.message.text.split(expected)[1]

"""The demo dates its story in the past, ending now, and no view says a time is "-35m ago"."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from incidentctl.app.declare import commit_declare, plan_declare
from incidentctl.store import open_store
from tests.helpers import cli, workspace

PARIS = ZoneInfo("Europe/Paris")


def test_the_demo_story_ends_now_so_every_view_says_it_was_in_the_past(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = tmp_path / "demo"
    before = datetime.now(UTC)
    assert cli(capsys, "demo", "--dir", str(demo)).code == 0
    after = datetime.now(UTC)
    with open_store(demo / "state", {}) as store:
        incidents = store.list_incidents()
        works = store.list_maintenances()
        events = [e for i in incidents for e in store.timeline(i.id)]
    assert incidents and works and events
    moments = [e.at for e in events] + [i.updated_at for i in incidents]
    moments += [m.updated_at for m in works] + [m.scheduled_until for m in works]
    assert max(moments) <= after
    # the story is the demo's: about two hours and a quarter, the last step at its end
    assert before - timedelta(hours=3) < min(moments) and max(moments) >= before
    monkeypatch.chdir(demo)
    monkeypatch.setenv("INCIDENTCTL_HOME", str(demo / "state"))
    listed = cli(capsys, "list")
    assert listed.code == 0, listed.err
    ago = re.findall(r"(\S+) ago", listed.out)
    assert ago and not [a for a in ago if a.startswith("-")]


@pytest.mark.parametrize(
    ("ahead", "said"),
    [(timedelta(minutes=3), "just now"), (timedelta(hours=2), "at {local}")],
)
def test_an_update_stamped_ahead_of_the_clock_is_never_a_negative_ago(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    ahead: timedelta,
    said: str,
) -> None:
    # recorded by a machine whose clock is ahead of this one
    stamped = datetime.now(UTC).replace(microsecond=0) + ahead
    with workspace(tmp_path, clock=lambda: stamped) as ws:
        incident = commit_declare(ws, plan_declare(ws, "sev2", "API down", impact="Calls fail"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INCIDENTCTL_HOME", str(tmp_path / "state"))
    local = stamped.astimezone(PARIS)
    # two hours ahead may be tomorrow in Paris: the day is said then ("at Thu 3 Dec 00:09 CET")
    tomorrow = local.date() != datetime.now(PARIS).date()
    day = f"{local:%a} {local.day} {local:%b} " if tomorrow else ""
    expected = said.format(local=f"{day}{local:%H:%M %Z}")
    listed = cli(capsys, "list")
    assert listed.code == 0, listed.err
    row = next(line for line in listed.out.splitlines() if incident.id in line)
    assert expected in row and "ago" not in row
    shown = cli(capsys, "show", incident.id)
    assert shown.code == 0, shown.err
    assert f"last update {expected}" in shown.out
    status = cli(capsys, "status")
    assert status.code == 0, status.err
    row = next(line for line in status.out.splitlines() if incident.id in line)
    assert row.split()[3] == "0s"  # SINCE LAST UPDATE: none yet, never a negative one

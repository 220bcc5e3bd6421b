"""Whose incidents a command sees, in which timezone, and what `status` says needs attention."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from incidentctl.model.records import DeliveryState
from incidentctl.store import open_store
from tests.helpers import PLAYBOOK, cli, write_playbook

FRENCH = (
    PLAYBOOK.format(language="fr")
    .replace("name: Acme Cloud", "name: Acme France")
    .replace("Europe/Paris", "America/Montreal")
)


@pytest.fixture
def teams(tmp_path: Path, isolated_state: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Two teams' projects, one shared state folder (one global store)."""
    english, french = tmp_path / "en", tmp_path / "fr"
    english.mkdir()
    french.mkdir()
    write_playbook(english)
    write_playbook(french, FRENCH)
    return {"en": english, "fr": french}


def test_each_playbook_sees_only_its_own_incidents(
    teams: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(teams["en"])
    assert cli(capsys, "declare", "sev2", "--title", "API slow", "--yes").code == 0
    [ours] = json.loads(cli(capsys, "list", "--json").out)
    assert ours["organization"] == "Acme Cloud" and ours["timezone"] == "Europe/Paris"

    monkeypatch.chdir(teams["fr"])
    assert json.loads(cli(capsys, "list", "--json").out) == []
    assert [
        r["id"] for r in json.loads(cli(capsys, "list", "--all-organizations", "--json").out)
    ] == [ours["id"]]
    nothing = cli(capsys, "update", "-m", "x", "--yes")
    assert nothing.code == 4 and "no open incident" in nothing.err
    foreign = cli(capsys, "update", ours["id"], "-m", "x", "--yes")
    assert foreign.code == 4 and "belongs to 'Acme Cloud'" in foreign.err
    # reading by full id is harmless, and in the incident's own timezone
    shown = json.loads(cli(capsys, "show", ours["id"], "--json").out)
    assert shown["timezone"] == "Europe/Paris" and shown["declared_local"].endswith("CET")


def test_status_says_when_the_next_update_is_due(
    teams: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(teams["en"])
    assert cli(capsys, "declare", "sev1", "--title", "API down", "--yes").code == 0
    status = cli(capsys, "status")
    assert status.code == 0 and "(in 30m)" in status.out and "due " in status.out
    assert cli(capsys, "status", "--check").code == 0
    [row] = json.loads(cli(capsys, "status", "--json").out)
    assert row["next_update_in"] == "30m" and row["stuck"] == []


def test_status_check_fails_when_overdue_or_stuck(
    teams: dict[str, Path],
    isolated_state: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(teams["en"])
    assert cli(capsys, "declare", "sev1", "--title", "API down", "--yes").code == 0
    [row] = json.loads(cli(capsys, "list", "--json").out)
    with open_store(isolated_state, {}) as store:
        incident = store.get_incident(row["id"])
        assert incident is not None
        incident.next_update_due = datetime.now(UTC) - timedelta(minutes=7)
        store.record(incident, [], [])
        [first, *_] = store.deliveries(incident_id=incident.id)
        first.state = DeliveryState.UNCERTAIN
        first.error = "no response within the timeout"
        store.update_delivery(first)
    checked = cli(capsys, "status", "--check")
    assert checked.code == 8
    assert "update overdue by 7m" in checked.err and "outbox uncertain" in checked.err
    assert "OVERDUE by 7m" in checked.out and "outbox (investigating) uncertain" in checked.out


def test_show_includes_what_users_are_told(
    teams: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(teams["en"])
    declared = cli(
        capsys,
        "declare",
        "sev2",
        "--title",
        "Checkout errors",
        "--impact",
        "Some payments fail",
        "--workaround",
        "Pay in the app",
        "--eta",
        "within the hour",
        "-c",
        "api=major_outage",
        "--yes",
    )
    assert declared.code == 0, declared.err
    [row] = json.loads(cli(capsys, "list", "--json").out)
    shown = json.loads(cli(capsys, "show", row["id"], "--json").out)
    assert (shown["impact"], shown["workaround"], shown["eta"]) == (
        "Some payments fail",
        "Pay in the app",
        "within the hour",
    )
    assert shown["components"] == {"api": "major_outage"}
    text = cli(capsys, "show", row["id"]).out
    assert "impact: Some payments fail" in text and "ETA: within the hour" in text


def test_a_relative_state_folder_works(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    isolated_state: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_playbook(tmp_path)
    monkeypatch.setenv("INCIDENTCTL_HOME", "state")
    result = cli(capsys, "declare", "sev1", "--title", "API down", "--yes")
    assert result.code == 0, result.err
    assert sorted((tmp_path / "state" / "outbox").rglob("*.txt"))

"""A correction's edits in a record file: they name the delivery that first sent the message by
its place in the incident, so an import into another store edits the right message again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import cli, write_playbook


def test_an_imported_correction_edits_the_right_message_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write_playbook(tmp_path)
    # another incident first: the store's delivery ids are not the incident's places
    assert cli(capsys, "declare", "sev1", "--title", "Earlier", "--yes").code == 0
    assert cli(capsys, "resolve", "-m", "Fixed", "--yes").code == 0
    assert cli(capsys, "declare", "sev1", "--title", "Slow API", "--yes").code == 0
    assert cli(capsys, "update", "-m", "Rolled back the 14:05 deploy", "--yes").code == 0
    assert cli(capsys, "correct", "-m", "Rolled back the 13:05 deploy", "--yes").code == 0
    iid, earlier = (row["id"] for row in json.loads(cli(capsys, "list", "--json").out))
    assert cli(capsys, "export", earlier, "--format", "json", "--out", "earlier.json").code == 0
    before = cli(capsys, "correct", iid, "-m", "Rolled back the 12:05 deploy", "--dry-run")
    exported = cli(capsys, "export", iid, "--format", "json", "--out", "record.json")
    assert exported.code == 0, exported.err
    record = json.loads((tmp_path / "record.json").read_text(encoding="utf-8"))
    [correction] = [e for e in record["timeline"] if e["kind"] == "correction"]
    place = correction["data"]["edits"]["outbox"]["delivery"]
    first = record["deliveries"][place - 1]
    assert first["channel"] == "outbox" and first["event"] == 2  # the update's own message

    monkeypatch.setenv("INCIDENTCTL_HOME", str(tmp_path / "other-state"))
    # the earlier incident imported first takes the first ids again
    imported = cli(capsys, "import", "earlier.json", "record.json")
    assert imported.code == 0, imported.err
    shown = json.loads(cli(capsys, "show", iid, "--json").out)
    [kept] = [e for e in shown["timeline"] if e["kind"] == "correction"]
    named = [
        d for d in shown["deliveries"] if d["id"] == kept["data"]["edits"]["outbox"]["delivery"]
    ]
    assert [(d["channel"], d["remote_id"]) for d in named] == [("outbox", first["remote_id"])]
    after = cli(capsys, "correct", iid, "-m", "Rolled back the 12:05 deploy", "--dry-run")
    assert after.code == 0, after.err
    assert after.out == before.out
    assert cli(capsys, "export", iid, "--format", "json").out == (
        tmp_path / "record.json"
    ).read_text(encoding="utf-8")

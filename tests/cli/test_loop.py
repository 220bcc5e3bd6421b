"""The on-call loop end to end through the CLI: init → lint → declare → update → resolve →
postmortem → show, on the embedded default (SQLite + outbox)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.helpers import cli, write_playbook


@pytest.fixture
def playbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return write_playbook(tmp_path)


def outbox_files(home: Path) -> list[Path]:
    return sorted((home / "outbox").rglob("*.txt"))


def test_the_whole_loop(
    playbook: Path, isolated_state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    declared = cli(
        capsys,
        "declare",
        "sev2",
        "--title",
        "Checkout errors",
        "--impact",
        "Some customers cannot pay",
        "--component",
        "api=major_outage",
        "--workaround",
        "Use the mobile app",
        "--yes",
    )
    assert declared.code == 0, declared.err
    incident_id = re.search(r"INC-\d{8}-0001", declared.out)
    assert incident_id, declared.out
    iid = incident_id.group(0)
    assert "Transparency" in declared.out  # team values shown on declare
    assert "@alice" in declared.out  # default role holder
    assert "next update due by" in declared.out
    assert "slack" in declared.out and "disabled" in declared.out
    [first] = outbox_files(isolated_state)
    text = first.read_text()
    assert "Checkout errors" in text and "Use the mobile app" in text

    updated = cli(
        capsys,
        "update",
        "--message",
        "Root cause found: a bad deploy",
        "--status",
        "identified",
        "--yes",
    )
    assert updated.code == 0, updated.err
    assert len(outbox_files(isolated_state)) == 2

    resolved = cli(capsys, "resolve", iid, "--message", "Payments work again", "--yes")
    assert resolved.code == 0, resolved.err
    assert "Payments work again" in resolved.out  # console channel `room` got the resolution
    assert len(outbox_files(isolated_state)) == 3

    written = cli(capsys, "postmortem", iid)
    assert written.code == 0, written.err
    document = (playbook.parent / "postmortems" / f"{iid}.md").read_text()
    assert iid in document and "Checkout errors" in document

    shown = cli(capsys, "show", iid, "--json")
    assert shown.code == 0
    data = json.loads(shown.out)
    kinds = [e["kind"] for e in data["timeline"]]
    assert kinds == [
        "declared",
        "status_change",
        "update",
        "status_change",
        "resolved",
        "postmortem_written",
    ]
    assert {d["state"] for d in data["deliveries"]} == {"sent"}
    assert data["status"] == "resolved"

    listed = json.loads(cli(capsys, "list", "--json").out)
    assert [i["id"] for i in listed] == [iid]
    assert json.loads(cli(capsys, "status", "--json").out) == []


def test_dry_run_sends_and_stores_nothing(
    playbook: Path, isolated_state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = cli(capsys, "declare", "sev1", "--title", "API down", "--dry-run")
    assert result.code == 0, result.err
    assert "API down" in result.out and "dry run" in result.out
    assert outbox_files(isolated_state) == []
    assert json.loads(cli(capsys, "list", "--json").out) == []


def test_user_text_is_data_not_template(
    playbook: Path, isolated_state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = cli(capsys, "declare", "sev2", "--title", "{{ 7*7 }} errors", "--yes")
    assert result.code == 0, result.err
    assert "{{ 7*7 }} errors" in outbox_files(isolated_state)[0].read_text()


def test_security_category_raises_severity_and_widens_audience(
    playbook: Path, isolated_state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = cli(
        capsys, "declare", "sev2", "--title", "Suspicious logins", "--category", "security", "--yes"
    )
    assert result.code == 0, result.err
    assert "raised from sev2 to sev1" in result.out
    [row] = json.loads(cli(capsys, "list", "--json").out)
    assert row["severity"] == "sev1"
    assert "Suspicious logins" in result.out  # the internal console room got it too


def test_redeclaring_the_same_incident_is_refused(
    playbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "declare", "sev2", "--title", "API slow", "--yes").code == 0
    again = cli(capsys, "declare", "sev2", "--title", "API slow", "--yes")
    assert again.code == 6 and "incidentctl update" in again.err


def test_assign_records_a_role_change(playbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "declare", "sev2", "--title", "API slow", "--yes").code == 0
    iid = json.loads(cli(capsys, "list", "--json").out)[0]["id"]
    assert cli(capsys, "assign", iid, "comms", "@carol").code == 0
    data = json.loads(cli(capsys, "show", iid, "--json").out)
    assert data["roles"]["comms"] == "@carol"
    assert data["timeline"][-1]["kind"] == "role_change"


def test_init_writes_a_starter_that_lints_and_never_overwrites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli(capsys, "init", "--lang", "fr").code == 0
    playbook = tmp_path / "incidentctl.yaml"
    assert playbook.exists() and (tmp_path / "templates").is_dir()
    playbook.write_text(playbook.read_text() + "\n# edited\n")
    again = cli(capsys, "init", "--lang", "fr")
    assert again.code == 0 and "exists" in again.out
    assert playbook.read_text().endswith("# edited\n")
    linted = cli(capsys, "lint", "--strict")
    assert linted.code == 0, linted.out
    declared = cli(capsys, "declare", "sev2", "--title", "Portail lent", "--yes")
    assert declared.code == 0, declared.err


def test_schema_is_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    result = cli(capsys, "schema")
    schema = json.loads(result.out)
    assert "severities" in schema["properties"]


def test_rerunning_an_update_sends_nothing_new(
    playbook: Path, isolated_state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "declare", "sev2", "--title", "API slow", "--yes").code == 0
    assert cli(capsys, "update", "-m", "Still on it, nothing new yet", "--yes").code == 0
    again = cli(capsys, "update", "-m", "Still on it, nothing new yet", "--yes")
    assert again.code == 6 and "already posted" in again.err
    assert len(outbox_files(isolated_state)) == 2
    assert cli(capsys, "retry").out.startswith("nothing to retry")


def test_dry_run_of_retry_lists_what_would_be_resent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    text = (tmp_path / "x").as_posix()
    write_playbook(tmp_path)
    playbook = tmp_path / "incidentctl.yaml"
    playbook.write_text(
        playbook.read_text().replace("    type: outbox\n", "    type: outbox\n    path: ${OUT}\n")
    )
    monkeypatch.delenv("OUT", raising=False)
    assert cli(capsys, "declare", "sev2", "--title", "API slow", "--yes").code == 3
    listed = cli(capsys, "retry", "--dry-run")
    assert listed.code == 0 and "outbox" in listed.out and "OUT" in listed.out
    monkeypatch.setenv("OUT", text)
    assert cli(capsys, "retry").code == 0


def test_saying_no_at_the_prompt_sends_and_stores_nothing(
    playbook: Path,
    isolated_state: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from incidentctl.cli import prompts

    monkeypatch.setattr(prompts, "interactive", lambda: True)
    monkeypatch.setattr(prompts.typer, "confirm", lambda *a, **k: False)
    result = cli(capsys, "declare", "sev2", "--title", "API slow")
    assert result.code == 7 and "cancelled" in result.out
    assert outbox_files(isolated_state) == []
    assert json.loads(cli(capsys, "list", "--json").out) == []


def test_preview_tells_sms_segments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    playbook = write_playbook(tmp_path)
    playbook.write_text(
        playbook.read_text()
        .replace("all: [outbox, room]", "all: [outbox, room, pager]")
        .replace(
            "values:\n",
            "  pager:\n    type: sms\n    account_sid: ${TWILIO_ACCOUNT_SID}\n"
            "    auth_token: ${TWILIO_AUTH_TOKEN}\n    from_number: '+15005550006'\n"
            "    to: ['+33612345678']\nvalues:\n",
        )
    )
    result = cli(capsys, "declare", "sev1", "--title", "API down", "--dry-run")
    assert result.code == 0, result.err
    assert re.search(r"pager \(sms\) \d+/1600 · \d segments? \(GSM-7\) per recipient", result.out)


def test_an_incident_audience_only_grows_while_it_is_open(
    playbook: Path, isolated_state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # sev1 tells outbox and room; sev2 updates go to outbox (and slack, disabled) only
    assert cli(capsys, "declare", "sev1", "--title", "API down", "--yes").code == 0
    updated = cli(capsys, "update", "-m", "Less severe now", "--severity", "sev2", "--yes")
    assert updated.code == 0, updated.err
    assert "room (console)" in updated.out and "told at investigating" in updated.out
    assert "Less severe now" in updated.out.split("room (console)")[1]
    [row] = json.loads(cli(capsys, "list", "--json").out)
    shown = json.loads(cli(capsys, "show", row["id"], "--json").out)
    assert [(d["channel"], d["stage"]) for d in shown["deliveries"]] == [
        ("outbox", "investigating"),
        ("room", "investigating"),
        ("outbox", "investigating"),
        ("room", "investigating"),
    ]


def test_data_safe_is_the_responder_s_word(
    playbook: Path, isolated_state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    declared = cli(capsys, "declare", "sev1", "--title", "API down", "--yes")
    assert declared.code == 0, declared.err
    [first] = outbox_files(isolated_state)
    assert "Nothing so far suggests" not in first.read_text()
    updated = cli(capsys, "update", "-m", "Logs checked", "--data-safe", "--yes")
    assert updated.code == 0, updated.err
    assert "data: the messages say nothing suggests customers' data is affected" in updated.out
    second = outbox_files(isolated_state)[-1]
    assert "Nothing so far suggests that your data" in second.read_text()

"""Every bad input gets one line on stderr, a distinct exit code, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import PLAYBOOK, cli, write_playbook


@pytest.fixture
def playbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return write_playbook(tmp_path)


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def test_malformed_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write_playbook(tmp_path, "organization:\n  name: [unclosed\n")
    result = cli(capsys, "declare", "sev1", "--title", "x", "--yes")
    assert result.code == 1
    assert one_line(result.err).startswith("error: incidentctl.yaml:")


def test_wrong_type_points_at_the_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    text = PLAYBOOK.format(language="en").replace("update_every: 30m", "update_every: soon")
    write_playbook(tmp_path, text)
    result = cli(capsys, "declare", "sev1", "--title", "x", "--yes")
    assert result.code == 1
    line = one_line(result.err)
    assert "incidentctl.yaml:11:19:" in line and "duration" in line


def test_missing_playbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli(capsys, "declare", "sev1", "--title", "x")
    assert result.code == 1 and "incidentctl init" in one_line(result.err)


def test_unknown_severity(playbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = cli(capsys, "declare", "sev9", "--title", "x", "--yes")
    assert result.code == 2 and "sev1, sev2" in one_line(result.err)


def test_unknown_component_and_status(playbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "declare", "sev2", "--title", "x", "-c", "dns", "--yes").code == 2
    result = cli(capsys, "declare", "sev2", "--title", "x", "-c", "api=broken", "--yes")
    assert result.code == 2 and "major_outage" in one_line(result.err)


def test_unknown_incident_id(playbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (
        ["update", "INC-19990101-0001", "-m", "x", "--yes"],
        ["show", "NOPE"],
        ["postmortem", "NOPE"],
        ["resolve", "NOPE", "-m", "x", "--yes"],
    ):
        result = cli(capsys, *args)
        assert result.code == 4, args
        one_line(result.err)


def test_update_without_id_is_ambiguous_with_two_open(
    playbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "declare", "sev2", "--title", "one", "--yes").code == 0
    assert cli(capsys, "declare", "sev2", "--title", "two", "--yes").code == 0
    result = cli(capsys, "update", "-m", "still on it", "--yes")
    assert result.code == 4
    assert "2 open incidents" in one_line(result.err)


def test_update_of_a_resolved_incident(playbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "declare", "sev2", "--title", "one", "--yes").code == 0
    iid = json.loads(cli(capsys, "list", "--json").out)[0]["id"]
    assert cli(capsys, "resolve", iid, "-m", "fixed", "--yes").code == 0
    result = cli(capsys, "update", iid, "-m", "more", "--yes")
    assert result.code == 6 and "resolved" in one_line(result.err)


def test_missing_environment_variable_fails_that_channel_and_retry_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    text = PLAYBOOK.format(language="en").replace(
        "    type: outbox\n", "    type: outbox\n    path: ${OUTBOX_DIR}\n"
    )
    write_playbook(tmp_path, text)
    monkeypatch.delenv("OUTBOX_DIR", raising=False)
    result = cli(capsys, "declare", "sev1", "--title", "API down", "--yes")
    assert result.code == 3
    assert "OUTBOX_DIR" in result.out  # the delivery table says why
    assert "retry" in one_line(result.err)
    data = json.loads(
        cli(capsys, "show", json.loads(cli(capsys, "list", "--json").out)[0]["id"], "--json").out
    )
    states = {d["channel"]: d["state"] for d in data["deliveries"]}
    assert states == {"outbox": "failed", "room": "sent"}  # the others were not blocked

    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path / "out"))
    retried = cli(capsys, "retry")
    assert retried.code == 0, retried.err
    assert len(list((tmp_path / "out").rglob("*.txt"))) == 1
    assert cli(capsys, "retry").out.startswith("nothing to retry")


def test_unwritable_state_dir(
    playbook: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("INCIDENTCTL_HOME", str(blocker / "state"))
    result = cli(capsys, "declare", "sev2", "--title", "x", "--yes")
    assert result.code == 5
    assert "state" in one_line(result.err)


def test_template_with_an_undefined_variable(
    playbook: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "investigating.chat.j2").write_text("{{ incident.nope }}\n")
    playbook.write_text(playbook.read_text() + "templates: templates\n")
    result = cli(capsys, "declare", "sev2", "--title", "x", "--yes")
    assert result.code == 1
    assert "investigating.chat.j2" in one_line(result.err)
    assert json.loads(cli(capsys, "list", "--json").out) == []  # nothing half-recorded


def test_existing_postmortem_is_not_overwritten(
    playbook: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "declare", "sev2", "--title", "one", "--yes").code == 0
    assert cli(capsys, "resolve", "-m", "fixed", "--yes").code == 0
    target = tmp_path / "pm.md"
    target.write_text("my edits")
    result = cli(capsys, "postmortem", "--out", str(target))
    assert result.code == 6 and "--force" in one_line(result.err)
    assert target.read_text() == "my edits"
    assert cli(capsys, "postmortem", "--out", str(target), "--force").code == 0
    assert target.read_text() != "my edits"


def test_usage_errors_exit_2(playbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "declare").code == 2
    assert cli(capsys, "update", "--status", "resolved", "-m", "x").code in (2, 4)


def test_parsing_errors_are_one_line_with_a_help_hint(
    playbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (
        ["declare"],
        ["declare", "sev1", "--title", "x", "--bogus"],
        ["bogus"],
        ["lint", "--format", "xml"],
    ):
        result = cli(capsys, *args)
        assert result.code == 2, args
        line = one_line(result.err)
        assert line.startswith("error: ") and "--help" in line, line
        assert "Usage:" not in result.err


def test_bare_command_still_shows_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    result = cli(capsys)
    assert "Commands" in result.out + result.err


def test_update_to_resolved_points_at_resolve(
    playbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "declare", "sev2", "--title", "one", "--yes").code == 0
    result = cli(capsys, "update", "--status", "resolved", "-m", "fixed", "--yes")
    assert result.code == 2
    line = one_line(result.err)
    assert "incidentctl resolve" in line and "unknown" not in line


def test_demo_into_a_file_or_an_impossible_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = cli(capsys, "demo", "--dir", str(blocker))
    assert result.code == 6 and "not a folder" in one_line(result.err)
    result = cli(capsys, "demo", "--dir", str(blocker / "below"))
    assert result.code == 5 and "cannot write" in one_line(result.err)


def test_interrupt_says_what_happened(
    playbook: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from incidentctl.app import declare

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(declare, "plan_declare", interrupted)
    result = cli(capsys, "declare", "sev2", "--title", "x", "--yes")
    assert result.code == 130
    assert "incidentctl retry" in one_line(result.err)


def test_short_help_flag_and_help_lines_never_cut(
    playbook: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    top = cli(capsys, "-h")
    assert top.code == 0 and "Commands" in top.out
    commands = top.out.split("Commands:")[1]
    assert "..." not in commands and "…" not in commands
    declare = cli(capsys, "declare", "-h")
    assert declare.code == 0 and "--title" in declare.out


def test_retry_takes_yes(playbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = cli(capsys, "retry", "--yes")
    assert result.code == 0 and result.out.startswith("nothing to retry")


def test_demo_refuses_a_folder_that_is_not_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    write_playbook(project.mkdir() or project)
    result = cli(capsys, "demo", "--dir", str(project))
    assert result.code == 2 and "not empty" in one_line(result.err)
    assert not (project / "state").exists() and not (project / "postmortems").exists()


def test_a_script_must_say_yes(playbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = cli(capsys, "declare", "sev1", "--title", "API down")
    assert result.code == 2 and "--yes" in one_line(result.err)
    assert cli(capsys, "list", "--json").out.strip() == "[]"


def test_lint_takes_playbook_like_every_command(
    playbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "lint", "--playbook", str(playbook)).code == 0
    assert cli(capsys, "lint", "-p", str(playbook)).code == 0
    result = cli(capsys, "lint", str(playbook), "--playbook", "other.yaml")
    assert result.code == 2 and "once" in one_line(result.err)


def test_short_ids_and_assign_without_id(
    playbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    declared = cli(capsys, "declare", "sev2", "--title", "API slow", "--yes")
    assert declared.code == 0, declared.err
    [row] = json.loads(cli(capsys, "list", "--json").out)
    day, seq = row["id"].split("-")[1:]
    assert json.loads(cli(capsys, "show", seq, "--json").out)["id"] == row["id"]
    assert json.loads(cli(capsys, "show", f"{day}-{seq}", "--json").out)["id"] == row["id"]
    assert json.loads(cli(capsys, "show", "1", "--json").out)["id"] == row["id"]
    assigned = cli(capsys, "assign", "comms", "@bob")
    assert assigned.code == 0 and "comms is now @bob" in assigned.out
    assert cli(capsys, "assign", "comms").code == 2


def test_two_open_incidents_are_listed_with_their_titles(
    playbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "declare", "sev2", "--title", "API slow", "--yes").code == 0
    assert cli(capsys, "declare", "sev2", "--title", "Portal down", "--yes").code == 0
    result = cli(capsys, "update", "-m", "x", "--yes")
    line = one_line(result.err)
    assert result.code == 4 and "(API slow)" in line and "(Portal down)" in line
    result = cli(capsys, "assign", "comms", "@bob")
    assert result.code == 4 and "(Portal down)" in one_line(result.err)


def test_postmortem_picks_the_latest_resolved_and_writes_into_a_folder(
    playbook: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "declare", "sev2", "--title", "API slow", "--yes").code == 0
    result = cli(capsys, "postmortem")
    assert result.code == 4 and "no resolved incident" in one_line(result.err)
    assert cli(capsys, "resolve", "-m", "fixed", "--yes").code == 0
    assert cli(capsys, "declare", "sev2", "--title", "Still open", "--yes").code == 0
    [open_one, resolved] = json.loads(cli(capsys, "list", "--json").out)
    written = cli(capsys, "postmortem", "--out", "reviews/")
    assert written.code == 0, written.err
    assert (tmp_path / "reviews" / f"{resolved['id']}.md").is_file()
    assert open_one["title"] == "Still open"
    (tmp_path / "afile").write_text("x")
    blocked = cli(capsys, "postmortem", "--out", "afile/review.md")
    assert blocked.code == 5 and "is a file, not a folder" in one_line(blocked.err)


def test_declare_without_arguments_lists_the_severities(
    playbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = cli(capsys, "declare")
    assert result.code == 2 and "say which severity" in one_line(result.err)
    assert "sev1 Critical" in result.out and "All customers affected" in result.out


@pytest.mark.parametrize("typed", ["SEV2", "sev 2", "2", "Sev2"])
def test_severities_typed_in_a_hurry_are_understood(
    playbook: Path, capsys: pytest.CaptureFixture[str], typed: str
) -> None:
    result = cli(capsys, "declare", typed, "--title", f"API slow {typed}", "--yes", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["severity"] == "sev2"


def test_a_near_miss_severity_gets_a_suggestion(
    playbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = cli(capsys, "declare", "sevv2", "--title", "x", "--yes")
    assert result.code == 2 and "did you mean 'sev2'" in one_line(result.err)


def test_sending_commands_speak_json(playbook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    declared = cli(capsys, "declare", "sev1", "--title", "API down", "--yes", "--json")
    assert declared.code == 0, declared.err
    data = json.loads(declared.out)
    assert data["id"].startswith("INC-") and data["status"] == "investigating"
    assert [(d["channel"], d["state"]) for d in data["deliveries"]] == [
        ("outbox", "sent"),
        ("room", "sent"),
    ]
    updated = json.loads(cli(capsys, "update", "-m", "Found it", "--yes", "--json").out)
    assert updated["id"] == data["id"] and len(updated["deliveries"]) == 2
    dry = json.loads(cli(capsys, "resolve", "-m", "Fixed", "--dry-run", "--json").out)
    assert dry["dry_run"] is True and {d["state"] for d in dry["deliveries"]} == {"not sent"}


def test_a_false_alarm_security_incident_goes_down_with_a_reason(
    playbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    declared = cli(
        capsys,
        "declare",
        "sev2",
        "--title",
        "Login anomaly",
        "--category",
        "security",
        "--yes",
        "--json",
    )
    assert json.loads(declared.out)["severity"] == "sev1"  # raised to the category's floor
    refused = cli(capsys, "update", "-m", "False alarm", "--severity", "sev2", "--yes")
    assert refused.code == 2 and "--reason" in one_line(refused.err)
    lowered = cli(
        capsys,
        "update",
        "-m",
        "False alarm",
        "--severity",
        "sev2",
        "--reason",
        "a pentest we had scheduled",
        "--yes",
    )
    assert lowered.code == 0, lowered.err
    iid = json.loads(declared.out)["id"]
    timeline = json.loads(cli(capsys, "show", iid, "--json").out)["timeline"]
    [change] = [e for e in timeline if e["kind"] == "severity_change"]
    assert change["data"]["reason"] == "a pentest we had scheduled"


def test_terminal_escapes_never_reach_the_channels(
    playbook: Path, isolated_state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    title = "API \x1b[2Jdown\x07 \x1b]8;;http://evil\x1b\\now\x1b]8;;\x1b\\"
    result = cli(capsys, "declare", "sev1", "--title", title, "--impact", "Slow\x1b[31m", "--yes")
    assert result.code == 0, result.err
    [row] = json.loads(cli(capsys, "list", "--json").out)
    assert row["title"] == "API down now" and row["impact"] == "Slow"
    for sent in (isolated_state / "outbox").rglob("*.txt"):
        assert "\x1b" not in sent.read_text() and "\x07" not in sent.read_text()


def test_a_mistake_in_a_disabled_channel_does_not_block_declaring(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    isolated_state: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    text = PLAYBOOK.format(language="en").replace(
        "  slack:\n    type: console\n    enabled: false\n",
        "  slack:\n    type: webhook\n    enabled: false\n    urll: https://example.com/x\n",
    )
    path = write_playbook(tmp_path, text)
    lint = cli(capsys, "lint", str(path))
    assert lint.code == 1 and "unknown key 'urll'" in lint.out
    declared = cli(capsys, "declare", "sev1", "--title", "API down", "--yes")
    assert declared.code == 0, declared.err


def test_every_option_and_argument_has_help() -> None:
    import typer.main

    from incidentctl.cli.app import build_app

    group = typer.main.get_command(build_app(full=True))
    missing = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        for param in command.params:
            if not getattr(param, "help", None) and param.name != "help":
                missing.append(f"{name} {param.name}")
    assert missing == []

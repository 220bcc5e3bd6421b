"""`incidentctl export` and `import` as a user runs them: a round trip through files into a
fresh store, idempotence, conflicts and malformed files as one `error:` line with its exit
code, and no secret in the record even when every service echoed the request back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.channels.echo_cases import CANARY
from tests.channels.fakes.echo_server import Bystander, EchoServer
from tests.cli.test_echoes import ONCE, playbook
from tests.helpers import cli, write_playbook


@pytest.fixture
def declared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> str:
    monkeypatch.chdir(tmp_path)
    write_playbook(tmp_path, language="fr")
    assert cli(capsys, "declare", "sev1", "--title", "API | en panne", "--yes").code == 0
    assert cli(capsys, "assign", "comms", "@bob").code == 0
    assert cli(capsys, "resolve", "-m", "Réparé", "--yes").code == 0
    [row] = json.loads(cli(capsys, "list", "--json").out)
    return str(row["id"])


def test_round_trip_through_files_into_a_fresh_store(
    declared: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    written = cli(capsys, "export", declared, "--out", "audit/record.md")
    assert written.code == 0 and f"{declared}: record written to audit/record.md" in written.out
    as_json = cli(capsys, "export", declared[-4:], "--format", "json")
    assert as_json.code == 0 and json.loads(as_json.out)["incident"]["id"] == declared
    markdown = (tmp_path / "audit" / "record.md").read_text(encoding="utf-8")
    assert markdown.startswith(f"# {declared} — API \\| en panne\n")
    assert "## Chronologie" in markdown and "| comms | @bob |" in markdown

    monkeypatch.setenv("INCIDENTCTL_HOME", str(tmp_path / "other-state"))
    assert json.loads(cli(capsys, "list", "--json").out) == []
    first = cli(capsys, "import", "audit/record.md")
    assert first.code == 0 and f"{declared}: imported from audit/record.md" in first.out
    again = cli(capsys, "import", "audit/record.md")
    assert again.code == 0 and "already in the store, unchanged" in again.out
    assert cli(capsys, "export", declared, "--format", "json").out == as_json.out
    assert cli(capsys, "export", declared, "--format", "md").out == markdown
    shown = json.loads(cli(capsys, "show", declared, "--json").out)
    assert shown["roles"]["comms"] == "@bob" and shown["status"] == "resolved"
    # the imported incident is a real one: the day's next declare numbers after it
    assert cli(capsys, "declare", "sev2", "--title", "Next", "--yes").code == 0
    ids = [row["id"] for row in json.loads(cli(capsys, "list", "--json").out)]
    assert ids == [declared[:-4] + "0002", declared]


def test_conflicts_and_bad_files_are_one_line_each(
    declared: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli(capsys, "export", declared, "-o", "record.json").code == 0
    monkeypatch.setenv("INCIDENTCTL_HOME", str(tmp_path / "other-state"))
    assert cli(capsys, "declare", "sev1", "--title", "Something else", "--yes").code == 0
    conflict = cli(capsys, "import", "record.json")
    assert conflict.code == 6
    assert conflict.err.startswith(f"error: record.json: {declared} in this store is another")
    assert len(conflict.err.splitlines()) == 1

    text = (tmp_path / "record.json").read_text(encoding="utf-8")
    (tmp_path / "cut.json").write_text(text[:200], encoding="utf-8")
    (tmp_path / "v9.json").write_text(text.replace("incident/1", "incident/9"), encoding="utf-8")
    cases = {
        "cut.json": "not valid JSON",
        "v9.json": "record format 'incidentctl-incident/9' is not one this version reads",
        "missing.json": "cannot read",
    }
    for name, message in cases.items():
        bad = cli(capsys, "import", name)
        assert bad.code == 2, (name, bad.err)
        [line] = bad.err.splitlines()
        assert line.startswith(f"error: {name}") and message in line, line
        assert "Traceback" not in bad.err
    unknown = cli(capsys, "export", "INC-19990101-0042")
    assert unknown.code == 4 and "no incident" in unknown.err
    wrong = cli(capsys, "export", declared, "--format", "pdf")
    assert wrong.code == 2 and "give md or json" in wrong.err


@pytest.mark.usefixtures("offline_dns")
def test_no_secret_reaches_the_exported_record(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    with (
        Bystander(host="127.0.0.2") as bystander,
        EchoServer("500", "json", "target", bystander.url) as server,
    ):
        write_playbook(tmp_path, playbook(server.url, monkeypatch))
        declared = cli(capsys, "declare", "sev1", "--title", "API down", "--yes", runtime=ONCE)
        assert declared.code == 3
        iid = json.loads(cli(capsys, "list", "--json").out)[0]["id"]
    # the requests carried the secrets, the services quoted them back in their errors
    assert CANARY.leaks("\n".join(r.target for r in server.requests))
    as_json = cli(capsys, "export", iid, "--format", "json")
    as_md = cli(capsys, "export", iid, "--format", "md")
    errors = [d["error"] for d in json.loads(as_json.out)["deliveries"] if d["error"]]
    assert len(errors) > 5  # the failures are in the record, scrubbed
    assert CANARY.leaks(as_json.out + as_md.out + as_json.err + as_md.err) == []

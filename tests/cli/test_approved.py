"""Wording approved in advance: `preview --all --out/--update` writes the sample's messages,
`lint --approved` fails with a diff when one changed without being approved again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import PLAYBOOK, cli, write_playbook

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("investigating", "identified", "monitoring", "resolved")


def files_in(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_playbook(tmp_path, PLAYBOOK.format(language="en") + "templates: tpl\n")
    (tmp_path / "tpl").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_one_file_per_severity_stage_and_channel_the_playbook_routes(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = cli(capsys, "preview", "--all", "--out", "approved")
    assert result.code == 0, result.err
    expected = {f"sev1/{stage}/{channel}.txt" for stage in STAGES for channel in ("outbox", "room")}
    # sev2: outbox and the disabled slack, but outbox and room at resolution
    expected |= {f"sev2/{s}/{c}.txt" for s in STAGES[:3] for c in ("outbox", "slack")}
    expected |= {"sev2/resolved/outbox.txt", "sev2/resolved/room.txt"}
    # a security incident reaches every channel
    expected |= {f"security/{s}/{c}.txt" for s in STAGES for c in ("outbox", "room", "slack")}
    written = files_in(project / "approved")
    assert set(written) == expected
    assert f"{len(expected)} approved messages in approved: {len(expected)} written" in result.out
    declared = written["sev2/investigating/outbox.txt"].decode()
    assert declared.splitlines()[0].endswith(
        "Investigating: Customer portal and API returning errors"
    )
    assert "14:05 CET" in declared and "INC-20251219-0012" in declared  # fixed clock and id
    assert "security incident" not in declared  # a severity's files are of no category
    assert "security incident" in written["security/investigating/outbox.txt"].decode()


def test_two_runs_write_the_same_bytes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "preview", "--all", "--out", "one").code == 0
    assert cli(capsys, "preview", "--all", "--out", "two").code == 0
    assert files_in(project / "one") == files_in(project / "two")
    printed = cli(capsys, "preview", "--all").out
    assert printed.count("==> ") == len(files_in(project / "one"))
    assert "==> sev1/resolved/room.txt <==\n" in printed and "Resolved: " in printed


def test_an_email_file_holds_subject_text_and_html(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_playbook(
        project,
        PLAYBOOK.format(language="en").replace(
            "type: console\n    enabled: false",
            "type: sendgrid\n"
            "    enabled: false\n    api_key: ${SENDGRID_API_KEY}\n    from_email: s@acme.example\n"
            "    to: [news@acme.example]",
        ),
    )
    assert cli(capsys, "preview", "--all", "--out", "approved").code == 0
    text = (project / "approved/sev2/identified/slack.txt").read_text(encoding="utf-8")
    subject, _, rest = text.partition("\n\n")
    assert subject.startswith("Subject: [Acme Cloud] ") and "\n" not in subject
    assert subject.endswith(": Customer portal and API returning errors")
    body, _, html = rest.partition("----- HTML -----\n")
    assert "A configuration change on our load balancers" in body
    assert html.startswith("<!DOCTYPE html>") and html.endswith("</html>\n")


def test_out_never_overwrites_and_all_is_required(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "preview", "--all", "--out", "approved").code == 0
    before = files_in(project / "approved")
    again = cli(capsys, "preview", "--all", "--out", "approved")
    assert again.code == 6 and again.err.startswith("error: approved already holds")
    assert "--update" in again.err and files_in(project / "approved") == before
    bare = cli(capsys, "preview")
    assert bare.code == 2 and "pass --all" in bare.err
    nowhere = cli(capsys, "preview", "--all", "--update")
    assert nowhere.code == 2 and "set `approved:` in the playbook" in nowhere.err


def test_lint_passes_when_identical_and_shows_the_diff_of_a_changed_message(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "preview", "--all", "--out", "approved").code == 0
    same = cli(capsys, "lint", "--approved", "approved")
    assert (same.code, same.out) == (0, "")
    # the comms lead rewords one line of the built-in resolution message
    builtin = (ROOT / "templates" / "en" / "resolved.chat.j2").read_text(encoding="utf-8")
    reworded = builtin.replace(
        '{{ "are" if incident.components|length > 1 else "is" }} working normally again.',
        '{{ "work" if incident.components|length > 1 else "works" }} normally again.',
    )
    assert reworded != builtin
    (project / "tpl" / "resolved.chat.j2").write_text(reworded, encoding="utf-8")
    changed = cli(capsys, "lint", "--approved", "approved")
    assert changed.code == 1
    lines = changed.out.splitlines()
    problems = [line for line in lines if not line.startswith("    ")]
    assert problems == [
        f"approved/{name}:3:1: error: message changed since it was approved ({label}):"
        " review the diff, then `incidentctl preview --all --update` [approved-wording]"
        for name, label in (
            ("security/resolved/outbox.txt", "security, resolved, outbox"),
            ("security/resolved/room.txt", "security, resolved, room"),
            ("security/resolved/slack.txt", "security, resolved, slack"),
            ("sev1/resolved/outbox.txt", "sev1, resolved, outbox"),
            ("sev1/resolved/room.txt", "sev1, resolved, room"),
            ("sev2/resolved/outbox.txt", "sev2, resolved, outbox"),
            ("sev2/resolved/room.txt", "sev2, resolved, room"),
        )
    ]
    first = lines.index(problems[0])
    diff = [line[4:] for line in lines[first + 1 : lines.index(problems[1])]]
    assert diff[:2] == [
        "--- approved/security/resolved/outbox.txt",
        "+++ rendered/security/resolved/outbox.txt",
    ]
    assert diff[2:] == [
        "@@ -1,6 +1,6 @@",
        " ✅ Resolved: Customer portal and API returning errors",
        " ",
        "-Public API and Customer portal are working normally again.",
        "+Public API and Customer portal work normally again.",
        " The incident lasted 45 minutes, from 13:20 to 14:05 CET.",
        " ",
        " The portal and the API have been working normally for 30 minutes. The cause was a"
        " load-balancer configuration change, now reverted.",
    ]

    as_json = json.loads(cli(capsys, "lint", "--approved", "approved", "--format", "json").out)
    assert len(as_json) == 7 and as_json[0]["detail"].splitlines()[:2] == diff[:2]
    github = cli(capsys, "lint", "--approved", "approved", "--format", "github").out.splitlines()
    assert len(github) == 7
    assert github[0].startswith(
        "::error file=approved/security/resolved/outbox.txt,line=3,col=1,title=approved-wording::"
    )
    assert "%0A+Public API and Customer portal work normally again.%0A" in github[0]


def test_lint_lists_missing_and_extra_files_and_update_refreshes(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "preview", "--all", "--out", "approved").code == 0
    (project / "approved" / "README.md").write_text("Approved by @dana\n", encoding="utf-8")
    # sev1 now tells the outbox only; sev2 gains the room at every stage
    text = PLAYBOOK.format(language="en") + "templates: tpl\n"
    text = text.replace("all: [outbox, room]", "all: [outbox]")
    text = text.replace("all: [outbox, slack]", "all: [outbox, slack, room]")
    write_playbook(project, text)
    result = cli(capsys, "lint", "--approved", "approved")
    assert result.code == 1
    extra = [f"sev1/{stage}/room.txt" for stage in STAGES]
    missing = [f"sev2/{stage}/room.txt" for stage in STAGES[:3]]
    assert result.out.splitlines() == sorted(
        [
            f"approved/{name}:1:1: error: approved message no longer sent (sev1, {name[5:-9]},"
            " room): `incidentctl preview --all --update` removes it [approved-wording]"
            for name in extra
        ]
        + [
            f"approved/{name}:1:1: error: no approved message for (sev2, {name[5:-9]}, room):"
            " `incidentctl preview --all --update` writes it for review [approved-wording]"
            for name in missing
        ]
    )
    refreshed = cli(capsys, "preview", "--all", "--update", "--out", "approved")
    assert refreshed.code == 0, refreshed.err
    assert "3 written" in refreshed.out and "4 removed" in refreshed.out
    assert "  removed sev1/resolved/room.txt" in refreshed.out
    assert "  wrote sev2/monitoring/room.txt" in refreshed.out
    now = files_in(project / "approved")
    assert not set(extra) & set(now) and set(missing) <= set(now)
    assert now["README.md"] == b"Approved by @dana\n"  # not a message: left alone
    assert cli(capsys, "lint", "--approved", "approved").code == 0


def test_the_playbooks_approved_folder_is_the_default(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_playbook(project, PLAYBOOK.format(language="en") + "approved: wording\n")
    missing = cli(capsys, "lint")
    assert missing.code == 1
    assert "approved folder not found: `incidentctl preview --all --out" in missing.out
    assert cli(capsys, "preview", "--all", "--update").code == 0
    assert (project / "wording" / "sev1" / "investigating" / "outbox.txt").is_file()
    assert cli(capsys, "lint").code == 0
    write_playbook(project, PLAYBOOK.format(language="en") + "approved: /etc\n")
    outside = cli(capsys, "lint")
    assert outside.code == 1
    line = len(PLAYBOOK.format(language="en").splitlines()) + 1  # the `approved:` line
    assert outside.out.startswith(
        f"incidentctl.yaml:{line}:11: error: approved folder '/etc' is outside the playbook's"
    )
    refused = cli(capsys, "preview", "--all", "--update")  # it would write and remove there
    assert refused.code == 1 and "approved folder '/etc' is outside" in refused.err


def test_a_refresh_touches_only_message_files(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = {
        "notes.txt": "keep",
        "docs/guide.txt": "keep",
        "docs/a/b/c.txt": "keep",
        "sev9/oncall/x.txt": "keep",
    }
    for name, text in notes.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    (project / "sev1" / "resolved").mkdir(parents=True)
    (project / "sev1" / "resolved" / "gone.txt").write_text("old channel", encoding="utf-8")
    refreshed = cli(capsys, "preview", "--all", "--update", "--out", ".")
    assert refreshed.code == 0 and "  removed sev1/resolved/gone.txt" in refreshed.out
    assert all((project / name).read_text(encoding="utf-8") == "keep" for name in notes)
    assert not (project / "sev1" / "resolved" / "gone.txt").exists()


def test_sample_section_overrides_the_texts_and_the_clock(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = (
        "sample:\n  at: 2026-03-02T09:30:00\n  title: Payments refused\n"
        "  resolved: Payments have worked normally since 09:20.\n"
    )
    write_playbook(project, PLAYBOOK.format(language="en") + sample)
    assert cli(capsys, "lint", "--strict").code == 0
    assert cli(capsys, "preview", "--all", "--out", "approved").code == 0
    resolved = (project / "approved/sev1/resolved/outbox.txt").read_text(encoding="utf-8")
    assert resolved.splitlines()[0].endswith("Resolved: Payments refused")
    assert "Payments have worked normally since 09:20." in resolved
    assert "INC-20260302-0012" in resolved
    write_playbook(project, PLAYBOOK.format(language="en") + "sample:\n  titel: x\n")
    typo = cli(capsys, "lint")
    assert typo.code == 1 and "titel" in typo.out


def test_french_messages_are_approved_in_french(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_playbook(project, PLAYBOOK.format(language="fr"))
    assert cli(capsys, "preview", "--all", "--out", "approved").code == 0
    declared = (project / "approved/sev1/investigating/outbox.txt").read_text(encoding="utf-8")
    assert "Erreurs sur l'espace client et l'API" in declared
    assert "14\u00a0h\u00a005" in declared  # 24-hour French time, fixed clock
    assert "Référence\u00a0: INC-20251219-0012" in declared  # no-break space before a colon
    assert cli(capsys, "lint", "--approved", "approved").code == 0

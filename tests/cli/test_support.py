"""The support desk: its channel's brief at every stage, `brief`, `report`, and the clipboard."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from incidentctl.cli.runtime import Runtime
from tests.helpers import PLAYBOOK, QUICK, cli, write_playbook

DESK = """\
  desk:
    type: outbox
    audience: support
    path: desk
"""


def with_desk(language: str = "en") -> str:
    """The test playbook with a support desk's outbox that no severity names in `notify:`."""
    return PLAYBOOK.format(language=language).replace("values:\n", DESK + "values:\n", 1)


def written(folder: Path) -> dict[str, str]:
    """Stage -> text of the messages a file channel wrote, in order."""
    return {
        path.name.split("-")[1]: path.read_text(encoding="utf-8")
        for path in sorted(folder.glob("*/*.txt"))
    }


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_playbook(tmp_path, with_desk())
    return tmp_path


def test_the_desk_gets_the_brief_at_every_stage_with_the_latest_facts(
    project: Path, isolated_state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    declared = cli(
        capsys,
        "declare", "sev2", "--title", "Checkout errors", "--impact", "Some payments fail",
        "--component", "api=major_outage", "--yes",
    )  # fmt: skip
    assert declared.code == 0, declared.err
    assert cli(capsys, "report", "--ticket", "T-4821", "--customer", "Globex",
               "--channel", "phone").code == 0  # fmt: skip
    updated = cli(
        capsys, "update", "-m", "Rolling back the deploy", "--eta", "by 15:00",
        "--workaround", "Pay from the mobile app", "--status", "identified", "--yes",
    )  # fmt: skip
    assert updated.code == 0, updated.err
    assert cli(capsys, "report", "--ticket", "T-4822").code == 0
    assert cli(capsys, "resolve", "-m", "Payments work again", "--yes").code == 0

    desk = written(isolated_state / "desk")
    assert list(desk) == ["investigating", "identified", "resolved"]
    first, second, last = desk.values()
    assert first.startswith("📞 Support brief: Checkout errors")
    assert "confirmed incident on our side, affecting Public API" in first
    assert "It is not caused by anything on your side" in first
    assert "Impact: Some payments fail." in first
    assert "Expected resolution: not known yet. Do not promise a time." in first
    assert "Workaround: none yet." in first
    assert "We will notify you as soon as it is resolved." in first
    assert re.search(r"Reference: INC-\d{8}-0001", first)
    # re-rendered with the latest facts
    assert "Expected resolution: by 15:00" in second
    assert "Workaround: Pay from the mobile app." in second
    assert "has found the cause and is working on the fix" in second
    assert "Latest from the team: Rolling back the deploy." in second
    assert "Customer reports linked so far: 1" in second
    # at the resolution, what to say now and the tickets to close
    assert "What to tell customers now:" in last and "Public API has been working" in last
    assert "Customer reports to close (2):" in last
    assert "- T-4821 · Globex · phone · " in last and "- T-4822 · " in last

    # the public outbox never carries a ticket or a customer; the internal room's resolution
    # lists them
    public = "\n".join(written(isolated_state / "outbox").values())
    assert "T-4821" not in public and "Globex" not in public and "Support brief" not in public
    room = cli(capsys, "show", "1", "--json")
    shown = json.loads(room.out)
    assert [r["ticket"] for r in shown["customer_reports"]] == ["T-4821", "T-4822"]
    assert [e["kind"] for e in shown["timeline"]].count("customer_report") == 2
    desk_deliveries = [d for d in shown["deliveries"] if d["channel"] == "desk"]
    assert [d["state"] for d in desk_deliveries] == ["sent"] * 3


def test_the_internal_resolution_lists_the_reports(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "declare", "sev1", "--title", "API down", "--yes").code == 0
    assert cli(capsys, "report", "--ticket", "T-1", "--customer", "Initech").code == 0
    resolved = cli(capsys, "resolve", "-m", "Back", "--yes")
    # the console `room` (internal) prints what it sends
    room = resolved.out.split("✅ Resolved: API down")[-1]
    assert "Customer reports to close (1):" in room and "- T-1 · Initech · " in room


def test_a_ticket_is_linked_once(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "declare", "sev2", "--title", "Slow API", "--yes").code == 0
    first = cli(capsys, "report", "--ticket", "T-9", "--channel", "chat")
    assert first.code == 0 and "linked T-9 (chat) · 1 customer report linked" in first.out
    again = cli(capsys, "report", "--ticket", "t-9", "--customer", "Globex")
    assert again.code == 0
    assert "T-9 was already linked" in again.out and "not recorded again" in again.out
    shown = cli(capsys, "show", "1")
    assert "customer reports: 1 (T-9)" in shown.out
    assert [e["kind"] for e in json.loads(cli(capsys, "show", "1", "--json").out)["timeline"]] == [
        "declared",
        "customer_report",
    ]


def test_bad_reports_are_refused_with_one_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    none_open = cli(capsys, "report", "--ticket", "T-1")
    assert none_open.code == 4 and none_open.err.startswith("error: no open incident")
    assert cli(capsys, "declare", "sev2", "--title", "Slow API", "--yes").code == 0
    for args, says in (
        ((), "report needs --ticket REF"),
        (("--ticket", "  "), "--ticket must not be empty"),
        (("--ticket", "T-1", "--channel", "fax"), "--channel 'fax': use one of phone"),
        (("--ticket", "T" * 201), "--ticket is 201 characters long"),
    ):
        refused = cli(capsys, "report", *args)
        assert refused.code == 2 and refused.err.count("\n") == 1, refused.err
        assert says in refused.err
    assert json.loads(cli(capsys, "show", "1", "--json").out)["customer_reports"] == []


def test_brief_prints_the_latest_facts(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "declare", "sev2", "--title", "Slow API", "--yes").code == 0
    assert cli(capsys, "update", "-m", "Cache warming", "--eta", "in 20 minutes", "--yes").code == 0
    brief = cli(capsys, "brief")
    assert brief.code == 0, brief.err
    assert brief.out.startswith("📞 Support brief: Slow API\n")
    assert "Expected resolution: in 20 minutes" in brief.out
    assert "Latest from the team: Cache warming." in brief.out
    assert brief.err == ""
    # the same text the desk's channel got at that update
    assert cli(capsys, "brief", "1").out == brief.out
    missing = cli(capsys, "brief", "42")
    assert missing.code == 4 and "no incident '42'" in missing.err
    bad = cli(capsys, "brief", "--lang", "de")
    assert bad.code == 2 and "--lang 'de': use one of en, fr" in bad.err


FRENCH_TIME = re.compile(r"\d{1,2}\u00a0h(\u00a0\d{2})?")


def test_brief_in_french(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    write_playbook(tmp_path, with_desk("fr"))
    assert cli(capsys, "declare", "sev2", "--title", "API lente", "--yes").code == 0
    assert cli(capsys, "report", "--ticket", "T-7", "--channel", "phone").code == 0
    brief = cli(capsys, "brief").out
    assert brief.startswith("📞 Point support\u00a0: API lente\n")
    assert "«\u00a0Oui, nous avons bien un incident confirmé de notre côté" in brief
    assert "Il ne vient pas de chez vous\u00a0: vous n'avez rien à modifier." in brief
    assert "Nous vous préviendrons dès qu'il sera résolu.\u00a0»" in brief
    assert "Résolution estimée\u00a0: pas encore connue." in brief
    assert FRENCH_TIME.search(brief) and " : " not in brief
    # the English brief of a French playbook, for an agent who answers in English
    english = cli(capsys, "brief", "--lang", "en").out
    assert english.startswith("📞 Support brief: API lente")
    assert cli(capsys, "resolve", "-m", "Tout est revenu", "--yes").code == 0
    late = cli(capsys, "report", "1", "--ticket", "T-8")
    assert late.code == 0 and "is resolved: `incidentctl brief INC-" in late.out
    resolved = cli(capsys, "brief", "1").out
    assert "Signalements clients à clore (2)\u00a0:" in resolved
    assert re.search(r"- T-7 · téléphone · \d{1,2}\u00a0h", resolved)


def clipboard_program(folder: Path, name: str, exit_code: int = 0) -> Path:
    """A fake clipboard program on PATH: it writes its arguments and its input to files
    (PATH holds nothing else: it runs `cat` by its full path)."""
    folder.mkdir(exist_ok=True)
    program = folder / name
    program.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > "{folder}/{name}.args"\n'
        f'"{shutil.which("cat")}" > "{folder}/{name}.input"\n'
        f"exit {exit_code}\n",
        encoding="utf-8",
    )
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return program


def runtime_with(path: Path, **env: str) -> Runtime:
    return Runtime(env={**os.environ, "PATH": str(path), **env}, retry_policy=QUICK.retry_policy)


def test_brief_copy_uses_the_clipboard_program_found(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "declare", "sev2", "--title", "Slow API", "--yes").code == 0
    bin_dir = project / "bin"
    clipboard_program(bin_dir, "pbcopy")
    copied = cli(capsys, "brief", "--copy", runtime=runtime_with(bin_dir))
    assert copied.code == 0
    assert copied.err == "copied to the clipboard (pbcopy)\n"
    assert (bin_dir / "pbcopy.input").read_text(encoding="utf-8") == copied.out.rstrip("\n")

    # xclip needs a display: without one it is not tried
    clipboard_program(bin_dir, "xclip")
    assert "(pbcopy)" in cli(capsys, "brief", "--copy", runtime=runtime_with(bin_dir)).err
    with_display = cli(capsys, "brief", "--copy", runtime=runtime_with(bin_dir, DISPLAY=":0"))
    assert with_display.err == "copied to the clipboard (xclip)\n"
    assert (bin_dir / "xclip.args").read_text().split() == ["-selection", "clipboard"]


def test_brief_copy_without_a_clipboard_still_prints(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "declare", "sev2", "--title", "Slow API", "--yes").code == 0
    empty = project / "empty"
    empty.mkdir()
    result = cli(capsys, "brief", "--copy", runtime=runtime_with(empty))
    assert result.code == 0 and result.out.startswith("📞 Support brief: Slow API")
    assert result.err == (
        "no clipboard here (none of wl-copy, xclip, xsel, pbcopy, clip.exe found): "
        "the brief is printed only\n"
    )
    clipboard_program(project / "broken", "pbcopy", exit_code=1)
    broken = cli(capsys, "brief", "--copy", runtime=runtime_with(project / "broken"))
    assert broken.code == 0 and broken.out == result.out
    assert broken.err == "not copied to the clipboard: pbcopy failed (exit 1); the brief is above\n"


def test_reports_sent_at_once_by_several_agents_are_linked_once(
    project: Path, isolated_state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "declare", "sev2", "--title", "Slow API", "--yes").code == 0
    env = {**os.environ, "INCIDENTCTL_HOME": str(isolated_state), "NO_COLOR": "1"}
    agents = [
        subprocess.Popen(
            [sys.executable, "-m", "incidentctl", "report", "--ticket", "T-77"],
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [agent.communicate(timeout=120) for agent in agents]
    assert [agent.returncode for agent in agents] == [0] * 4, results
    outs = sorted("already linked" in out for out, _ in results)
    assert outs == [False, True, True, True], results
    shown = json.loads(cli(capsys, "show", "1", "--json").out)
    assert [r["ticket"] for r in shown["customer_reports"]] == ["T-77"]


def test_the_demo_keeps_the_desk_off_the_status_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "demo"
    assert cli(capsys, "demo", "--dir", str(folder)).code == 0
    state = folder / "state"
    desk = "\n".join(written(state / "support").values())
    assert "📞 Support brief" in desk and "- T-1042 · Globex · phone" in desk
    public = [
        path
        for path in [*(state / "site").rglob("*"), *(state / "outbox").rglob("*")]
        if path.is_file() and path.suffix in (".html", ".json", ".txt", ".xml", ".atom", ".rss")
    ]
    assert len(public) > 10 and any(p.name == "summary.json" for p in public)
    for path in public:
        text = path.read_text(encoding="utf-8")
        assert "T-1042" not in text and "Support brief" not in text, path

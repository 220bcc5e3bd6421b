"""`incidentctl remind` through the CLI: French, quiet when nothing is due, idempotent across
runs and across processes sharing one store (requests counted at a local webhook receiver)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.channels.fakes.webhook_server import WebhookReceiver
from tests.helpers import PLAYBOOK, QUICK, Result, cli, store_env, write_playbook

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(autouse=True)
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(secret=None) as server:
        yield server


def playbook(directory: Path, hook: WebhookReceiver | None = None, language: str = "en") -> Path:
    """sev1 tells the outbox; reminders go to `oncall` (the webhook) or the console room."""
    text = PLAYBOOK.format(language=language).replace("all: [outbox, room]", "all: [outbox]", 1)
    target = "room"
    if hook is not None:
        text = text.replace(
            "channels:\n  outbox:",
            f"channels:\n  oncall:\n    type: webhook\n    url: {hook.hook_url}\n  outbox:",
            1,
        )
        target = "oncall"
    return write_playbook(directory, text + f"reminders:\n  channels: [{target}]\n")


def declare(capsys: pytest.CaptureFixture[str]) -> tuple[str, datetime]:
    result = cli(
        capsys,
        "declare",
        "sev1",
        "--title",
        "Checkout errors",
        "--role",
        "commander=@alice",
        "--yes",
        "--json",
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    shown = cli(capsys, "show", data["id"], "--json")
    return data["id"], datetime.fromisoformat(json.loads(shown.out)["declared_at"])


def at(moment: datetime, minutes: int) -> str:
    return (moment + timedelta(minutes=minutes)).isoformat()


def remind_at(capsys: pytest.CaptureFixture[str], when: str, *args: str) -> Result:
    """`incidentctl remind` run when the workspace clock says `when` (a later `--now` alone
    is a rehearsal: refused without --dry-run)."""
    moment = datetime.fromisoformat(when)
    return cli(capsys, "remind", *args, runtime=replace(QUICK, clock=lambda: moment))


def test_no_open_incident_is_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    playbook(tmp_path)

    result = cli(capsys, "remind")

    assert (result.code, result.out, result.err) == (0, "", "")


def test_twice_in_the_same_minute_reminds_once(
    tmp_path: Path, hook: WebhookReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    playbook(tmp_path, hook)
    incident, declared = declare(capsys)

    early = remind_at(capsys, at(declared, 10))
    first = remind_at(capsys, at(declared, 37))
    again = remind_at(capsys, at(declared, 37))

    assert (early.code, early.out) == (0, "")
    assert first.code == 0, first.err
    assert f"{incident}: update overdue: reminded oncall sent" in first.out
    assert (again.code, again.out) == (0, "")
    [request] = hook.accepted
    body = request.json()
    assert body["event"]["kind"] == "reminder"
    assert body["message"]["text"].startswith(f"⚠️ {incident} update overdue by 7 minutes")
    assert f'incidentctl update {incident} -m "' in body["message"]["text"]


def test_a_dry_run_shows_the_reminder_and_sends_nothing(
    tmp_path: Path, hook: WebhookReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    playbook(tmp_path, hook)
    incident, declared = declare(capsys)

    shown = cli(capsys, "remind", "--dry-run", "--now", at(declared, 26))

    assert shown.code == 0, shown.err
    assert f"{incident}: update due soon: would remind oncall" in shown.out
    assert "update due in 4 minutes (last public update 26 minutes ago" in shown.out
    assert hook.accepted == []
    assert remind_at(capsys, at(declared, 26)).code == 0
    assert len(hook.accepted) == 1


def test_an_undelivered_reminder_exits_3_and_retry_sends_it(
    tmp_path: Path, hook: WebhookReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.channels.fakes.base_server import Reply

    playbook(tmp_path, hook)
    _, declared = declare(capsys)
    hook.fail_next(*[Reply(503, {"error": "down"})] * 10)

    failed = remind_at(capsys, at(declared, 31))
    hook.recover()
    again = remind_at(capsys, at(declared, 31))
    retried = cli(capsys, "retry", "--yes")

    assert failed.code == 3
    assert "incidentctl retry" in failed.err
    assert (again.code, again.out) == (0, "")  # recorded: not a second reminder
    assert retried.code == 0, retried.err
    assert len(hook.accepted) == 1


def test_french_reminders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    playbook(tmp_path, language="fr")
    incident, declared = declare(capsys)

    soon = remind_at(capsys, at(declared, 25))
    late = remind_at(capsys, at(declared, 37))

    assert soon.code == late.code == 0
    nbsp = "\u00a0"
    assert (
        f"⏰ {incident}{nbsp}: point d'étape attendu dans 5{nbsp}min (dernier point public il y a "
        f"25{nbsp}min, incident commander @alice)"
    ) in soon.out
    assert f"⚠️ {incident}{nbsp}: point d'étape en retard de 7{nbsp}min" in late.out
    assert f"Publiez un point maintenant, même si rien n'a changé{nbsp}:" in late.out


def test_a_bad_now_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    playbook(tmp_path)

    result = cli(capsys, "remind", "--now", "tomorrow")

    assert result.code == 2
    assert result.err.startswith("error: --now 'tomorrow'")
    assert "Traceback" not in result.err


# argv: the moment the process's clock says, then the command
REMINDER_PROCESS = (
    "import sys\nfrom datetime import datetime\nfrom incidentctl.cli.app import run\n"
    "from incidentctl.cli.runtime import Runtime\nmoment = datetime.fromisoformat(sys.argv[1])\n"
    "sys.exit(run(sys.argv[2:], runtime=Runtime(clock=lambda: moment)))"
)


def test_processes_at_once_send_one_reminder(
    tmp_path: Path,
    hook: WebhookReceiver,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = playbook(tmp_path, hook)
    _, declared = declare(capsys)
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENTCTL_")}
    env.update(
        INCIDENTCTL_HOME=os.environ["INCIDENTCTL_HOME"],
        INCIDENTCTL_CACHE=os.environ["INCIDENTCTL_CACHE"],
        INCIDENTCTL_PLAYBOOK=str(path),
        **store_env(Path(os.environ["INCIDENTCTL_HOME"])),
    )
    argv = [sys.executable, "-c", REMINDER_PROCESS, at(declared, 31), "remind"]
    runs = [
        subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    results = [(run.wait(timeout=90), *run.communicate()) for run in runs]

    assert [code for code, _, _ in results] == [0, 0, 0, 0], [err for _, _, err in results]
    assert sum("reminded oncall sent" in out for _, out, _ in results) == 1
    assert len(hook.accepted) == 1


@pytest.mark.parametrize(
    ("reminders", "expected"),
    [
        (
            "reminders:\n  channels: [outbox]\n",
            "reminders go to 'outbox', a public channel: reminders are for responders only; "
            "name an internal channel [reminder-channel]",
        ),
        (
            "reminders:\n  channels: [pager]\n",
            "reminders go to unknown channel 'pager' (known: outbox, room, slack) "
            "[unknown-reference]",
        ),
        ("reminders:\n  before: 5 minutes\n", "invalid duration '5 minutes'"),
    ],
)
def test_lint_locates_a_wrong_reminders_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], reminders: str, expected: str
) -> None:
    path = write_playbook(tmp_path, extra=reminders)
    line = len(path.read_text(encoding="utf-8").splitlines())

    result = cli(capsys, "lint")

    assert result.code == 1
    assert f"incidentctl.yaml:{line}:" in result.out + result.err
    assert expected in result.out + result.err


def test_auto_update_after_must_be_a_duration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = PLAYBOOK.format(language="en").replace(
        "    update_every: 30m\n", "    update_every: 30m\n    auto_update_after: soon\n", 1
    )
    write_playbook(tmp_path, text)

    result = cli(capsys, "remind")

    assert result.code == 1
    assert result.err.startswith("error: ")
    assert "incidentctl.yaml:12:24:" in result.err and "invalid duration 'soon'" in result.err


def test_a_later_now_is_refused_unless_it_is_a_dry_run(
    tmp_path: Path, hook: WebhookReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    playbook(tmp_path, hook)
    incident, declared = declare(capsys)

    refused = cli(capsys, "remind", "--now", at(declared, 37))
    rehearsed = cli(capsys, "remind", "--dry-run", "--now", at(declared, 37))
    caught_up = cli(capsys, "remind", "--now", at(declared, 1))

    assert refused.code == 2 and refused.err.startswith("error: --now ")
    assert "later than the clock" in refused.err and "--dry-run" in refused.err
    assert len(refused.err.strip().splitlines()) == 1
    assert rehearsed.code == 0, rehearsed.err
    assert f"{incident}: update overdue: would remind oncall" in rehearsed.out
    assert caught_up.code == 0, caught_up.err
    assert hook.accepted == []

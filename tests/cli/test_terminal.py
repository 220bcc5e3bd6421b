"""Terminal behaviour through a real pseudo-terminal: prompts, Ctrl-C, pipes, a closed stdout.

`CliRunner`/capsys cannot show these: whether a prompt is asked depends on the stdin being a
terminal, and Ctrl-C is a signal the terminal sends to the process group.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pexpect
import pyte
import pytest

from tests.helpers import PLAYBOOK, write_playbook

TIMEOUT = 20


@pytest.fixture
def project(tmp_path: Path, isolated_state: Path) -> Path:
    write_playbook(tmp_path)
    return tmp_path


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLUMNS")}
    env.update(TERM="xterm", COLUMNS="100", LINES="40", PYTHONUNBUFFERED="1", **extra)
    return env


def shell(project: Path, command: str) -> pexpect.spawn:
    """`command` run by bash on a pseudo-terminal, in the project folder (pipes allowed; the
    exit status of a pipeline is its first failing command's)."""
    return pexpect.spawn(
        "/bin/bash",
        ["-o", "pipefail", "-c", command],
        cwd=str(project),
        env=environment(),
        timeout=TIMEOUT,
        encoding="utf-8",
        # Ctrl-C may stop the live table in the middle of a box-drawing character
        codec_errors="replace",
        dimensions=(40, 100),
    )


def incidentctl() -> str:
    return f"{sys.executable} -m incidentctl"


def recorded(project: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = query(project, "list", "--json")
    return rows


def shown(project: Path, incident_id: str) -> dict[str, Any]:
    """`show ID --json`: the incident with its timeline and deliveries."""
    data: dict[str, Any] = query(project, "show", incident_id, "--json")
    return data


def query(project: Path, *args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "incidentctl", *args],
        cwd=project,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )
    return json.loads(done.stdout)


def test_a_person_is_asked_even_when_stdout_is_piped(project: Path, isolated_state: Path) -> None:
    log = project / "log.txt"
    child = shell(project, f"{incidentctl()} declare sev1 --title 'API down' | tee {log}")
    child.expect(r"Send to 2 channel\(s\)\? \[Y/n\]")
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 7
    assert recorded(project) == []
    assert "cancelled: nothing was sent or stored" in log.read_text()


def test_yes_at_the_prompt_sends(project: Path, isolated_state: Path) -> None:
    child = shell(project, f"{incidentctl()} declare sev1 --title 'API down'")
    child.expect(r"Send to 2 channel\(s\)\? \[Y/n\]")
    child.sendline("y")
    child.expect("next update due by")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert [row["title"] for row in recorded(project)] == ["API down"]


def test_ctrl_c_at_the_prompt_cancels_with_exit_7(project: Path) -> None:
    child = shell(project, f"exec {incidentctl()} declare sev1 --title 'API down'")
    child.expect(r"Send to 2 channel\(s\)\? \[Y/n\]")
    child.sendintr()
    child.expect("cancelled: nothing was sent or stored")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 7, child.before
    assert "Traceback" not in (child.before or "")
    assert recorded(project) == []


def test_a_script_without_yes_is_refused(project: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "incidentctl", "declare", "sev1", "--title", "API down"],
        cwd=project,
        env=environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 2
    [line] = [line for line in done.stderr.splitlines() if line.strip()]
    assert "pass --yes" in line and "Traceback" not in done.stderr
    assert recorded(project) == []


def test_a_reader_that_goes_away_does_not_stop_the_send(project: Path) -> None:
    child = shell(project, f"{incidentctl()} declare sev1 --title 'API down' --yes | head -1")
    child.expect(pexpect.EOF)
    child.close()
    assert "Traceback" not in (child.before or "")
    [row] = recorded(project)
    states = [d["state"] for d in shown(project, str(row["id"]))["deliveries"]]
    assert states == ["sent", "sent"]


@pytest.mark.parametrize("command", ["list", "status", "show INC-1"])
def test_a_closed_stdout_prints_no_traceback(project: Path, command: str) -> None:
    child = shell(project, f"{incidentctl()} {command} >&-; echo exit=$?")
    child.expect(r"exit=(\d+)")
    code = int(child.match.group(1))
    before = child.before or ""
    child.expect(pexpect.EOF)
    assert "Traceback" not in before
    assert code == (4 if command.startswith("show") else 0)


def final_screen(output: str, columns: int = 100, lines: int = 40) -> list[str]:
    """What a person sees once the command is done: the bytes played on a VT100 emulator."""
    screen = pyte.Screen(columns, lines)
    pyte.Stream(screen).feed(output)
    return [line.rstrip() for line in screen.display]


class SlowHook(BaseHTTPRequestHandler):
    """A webhook that takes its time, so the live table is on screen while others print."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(1.5)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slow_hook() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowHook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_the_console_channel_is_not_drawn_over_by_the_live_table(
    tmp_path: Path, isolated_state: Path, slow_hook: str
) -> None:
    text = (
        PLAYBOOK.format(language="en")
        .replace("all: [outbox, room]", "all: [room, slow]")
        .replace("channels:\n", f"channels:\n  slow:\n    type: webhook\n    url: {slow_hook}\n")
    )
    write_playbook(tmp_path, text)
    child = shell(tmp_path, f"{incidentctl()} declare sev1 --title 'API down' --yes")
    child.logfile_read = io.StringIO()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    raw = child.logfile_read.getvalue()
    # while the slow hook is still sending, its elapsed time keeps counting
    sending = [float(t) for t in re.findall(r"slow\s*│[^│]*sending[^│]*│[^│]*│\s*(\d+\.\d)s", raw)]
    assert sending and max(sending) >= 1.0, sending
    screen = final_screen(raw)
    # the console channel `room` printed its whole message above the (vanished) live table
    header = [n for n, line in enumerate(screen) if line.endswith("· investigating · room")]
    assert len(header) == 1, "\n".join(screen)
    body = "\n".join(screen[header[0] :])
    # its last line survived, and no remnant of the live table is left on screen
    assert "Reference: INC-20" in body and "next update due by" in body
    assert not any(line.startswith("Sending") for line in screen), "\n".join(screen)


def test_list_and_status_never_cut_the_id_at_80_columns(project: Path) -> None:
    title = "Checkout errors for every customer paying by card in the European region"
    subprocess.run(
        [sys.executable, "-m", "incidentctl", "declare", "sev1", "--title", title, "--yes"],
        cwd=project,
        env=environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=TIMEOUT,
        check=True,
    )
    [row] = recorded(project)
    for command in ("list", "status"):
        child = pexpect.spawn(
            sys.executable,
            ["-m", "incidentctl", command],
            cwd=str(project),
            env={**environment(), "COLUMNS": "80"},
            timeout=TIMEOUT,
            encoding="utf-8",
            dimensions=(40, 80),
        )
        child.logfile_read = io.StringIO()
        child.expect(pexpect.EOF)
        screen = final_screen(child.logfile_read.getvalue(), columns=80)
        assert any(str(row["id"]) in line for line in screen), "\n".join(screen)


def test_a_missing_title_is_asked_for_on_a_terminal(project: Path) -> None:
    child = shell(project, f"exec {incidentctl()} declare sev1")
    child.expect(r"Title \(what is broken, in the customer's words\):")
    child.sendline("Checkout errors")
    child.expect(r"Send to 2 channel\(s\)\? \[Y/n\]")
    child.sendline("y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert [row["title"] for row in recorded(project)] == ["Checkout errors"]


class HeldHook:
    """A webhook that holds its answer until the test lets it go (the request has arrived)."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.release = threading.Event()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                hook.arrived.set()
                hook.release.wait(TIMEOUT)
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the client is gone

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def test_ctrl_c_while_sending_stops_at_once_and_records_the_request_as_uncertain(
    tmp_path: Path, isolated_state: Path
) -> None:
    hook = HeldHook()
    text = PLAYBOOK.format(language="en").replace(
        "  room:\n    type: console\n",
        f"  room:\n    type: webhook\n    url: {hook.url}\n    timeout: 30\n",
    )
    write_playbook(tmp_path, text)
    try:
        child = shell(tmp_path, f"exec {incidentctl()} declare sev1 --title 'API down' --yes")
        child.logfile_read = io.StringIO()
        assert hook.arrived.wait(TIMEOUT), child.logfile_read.getvalue()
        deadline = time.monotonic() + TIMEOUT
        while not list((isolated_state / "outbox").rglob("*.txt")):
            assert time.monotonic() < deadline, "the outbox message was never written"
            time.sleep(0.01)
        started = time.monotonic()
        child.sendintr()
        child.expect(pexpect.EOF)
        took = time.monotonic() - started
        child.close()
    finally:
        hook.release.set()
        hook.server.shutdown()
    output = child.logfile_read.getvalue()
    assert child.exitstatus == 130, output
    assert took < 3.0, f"took {took:.1f}s to stop"  # a generous bound: it stops at once
    assert "Traceback" not in output
    [line] = [line for line in output.splitlines() if "interrupted" in line]
    assert "room recorded as uncertain" in line and "`incidentctl retry`" in line
    [row] = recorded(tmp_path)
    deliveries = {d["channel"]: d for d in shown(tmp_path, str(row["id"]))["deliveries"]}
    assert deliveries["outbox"]["state"] == "sent"
    room = deliveries["room"]
    assert (room["state"], room["attempts"]) == ("uncertain", 1)
    assert "interrupted while sending" in room["error"]

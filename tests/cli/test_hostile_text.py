"""Text full of terminal escapes, through every command that stores, sends or shows it.

Byte-level: with NO_COLOR and a pipe, no ESC, no C1 and no C0 but newline and tab leaves any
command, what is stored carries none, and neither does the postmortem file. On a terminal
(pexpect, then pyte as the VT100 a person sees): rich's own colours are the only escapes, the
window title is unchanged, nothing is cleared, markup in a title prints as typed. Rows an
older version stored with raw escapes are inserted straight into SQLite.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pexpect
import pyte
import pytest

from tests.cli.test_terminal import TIMEOUT, environment, incidentctl
from tests.helpers import write_playbook

OSC_TITLE = "\x1b]0;pwned\x07"
HOSTILE = f"{OSC_TITLE}\x1b[2J\x1b[H\x9b31m\x1b]8;;http://evil\x1b\\\x1b]8;;\x1b\\\x07\x08\x0b\x7f"
TITLE = f"API {HOSTILE}down [bold red]x[/] [link=http://evil]y[/link]"
MESSAGE = f"Still {HOSTILE}looking\nsecond line"
# C0 but tab and newline (ESC included), DEL, C1; a raw 8-bit C1 byte fails to decode at all
FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def inert(data: bytes) -> str | None:
    """The first control character in `data` (UTF-8), with what surrounds it; None if none."""
    text = data.decode("utf-8")
    found = FORBIDDEN.search(text)
    return None if found is None else repr(text[max(0, found.start() - 40) : found.end() + 10])


def run(project: Path, *args: str, check: bool = True) -> bytes:
    """The command's stdout and stderr (a pipe, NO_COLOR), each checked to carry no control."""
    done = subprocess.run(
        [sys.executable, "-m", "incidentctl", *args],
        cwd=project,
        env=environment(NO_COLOR="1"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )
    for stream in (done.stdout, done.stderr):
        found = inert(stream)
        assert found is None, f"{args[:2]}: {found}"
    assert b"Traceback" not in done.stderr, done.stderr
    if check:
        assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def strings(value: Any) -> list[str]:
    """Every string in a stored value, inside its JSON too."""
    if isinstance(value, str):
        try:
            inner = json.loads(value)
        except ValueError:
            return [value]
        return [value, *strings(inner)] if not isinstance(inner, str) else [value, inner]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


@pytest.fixture
def project(tmp_path: Path, isolated_state: Path) -> Path:
    write_playbook(tmp_path)
    return tmp_path


def database(isolated_state: Path) -> Path:
    return next(isolated_state.glob("*.db"))


def declare(project: Path) -> str:
    run(project, "declare", "sev1", "--title", TITLE, "--impact", MESSAGE, "--workaround",
        HOSTILE + "wait", "--eta", "soon" + HOSTILE, "--yes")  # fmt: skip
    [row] = json.loads(run(project, "list", "--json"))
    return str(row["id"])


def age(isolated_state: Path) -> None:
    """The rows as a version that stored text as typed would have left them."""
    with sqlite3.connect(database(isolated_state)) as raw:
        raw.execute("UPDATE incidents SET title = ?, impact = ?", (TITLE, MESSAGE))
        raw.execute("UPDATE events SET message = ?", (MESSAGE,))
        raw.execute("UPDATE deliveries SET state = 'failed', error = ?", (f"boom {HOSTILE}",))


def test_no_control_character_is_stored_sent_or_printed(
    project: Path, isolated_state: Path
) -> None:
    incident = declare(project)
    run(project, "update", "-m", MESSAGE, "--yes")
    run(project, "declare", "sev2", "--title", TITLE + " elsewhere", "--dry-run")
    run(project, "update", "-m", MESSAGE + " again", "--dry-run")
    with sqlite3.connect(database(isolated_state)) as raw:
        stored = [
            text
            for table in ("incidents", "events", "deliveries")
            for row in raw.execute(f"SELECT * FROM {table}")
            for text in strings(list(row))
        ]
    assert stored and not [s for s in stored if FORBIDDEN.search(s)]
    for sent in (isolated_state / "outbox").rglob("*.txt"):
        assert inert(sent.read_bytes()) is None
    shown = run(project, "show", incident).decode()
    assert "API down [bold red]x[/] [link=http://evil]y[/link]" in shown


def test_rows_an_older_version_stored_are_shown_never_obeyed(
    project: Path, isolated_state: Path
) -> None:
    incident = declare(project)
    age(isolated_state)
    for command in (("list",), ("status",), ("show", incident), ("retry", "--dry-run")):
        printed = run(project, *command).decode()
        assert "\\x1b]0;pwned\\x07" in printed, command  # what was there, as text
    for command in (("list", "--json"), ("status", "--json"), ("show", incident, "--json")):
        json.loads(run(project, *command))
    run(project, "status", "--check", check=False)
    # re-sent to the console channel and the outbox, without what the old rows carried
    retried = run(project, "retry", "--yes").decode()
    assert "Investigating: API down [bold red]x[/]" in retried
    run(project, "postmortem", incident, "--out", "review.md")
    review = (project / "review.md").read_bytes()
    assert inert(review) is None
    assert "# Postmortem: API down [bold red]x[/]" in review.decode()


def test_input_quoted_in_an_error_is_shown_never_obeyed(project: Path) -> None:
    assert (
        "no incident 'INC-\\x1b]0;pwned\\x07'"
        in run(project, "show", f"INC-{OSC_TITLE}", check=False).decode()
    )
    assert (
        "--bogus\\x1b[2J" in run(project, "declare", "sev1", "--bogus\x1b[2J", check=False).decode()
    )
    assert (
        "\\x1b]0;pwned\\x07"
        in run(project, "assign", "comms", f"@bob{OSC_TITLE}", check=False).decode()
    )
    (project / "hostile.yaml").write_text('organization: {name: "Acme \\e]0;pwned\\a"}\n')
    assert "control character U+001B" in run(project, "lint", "hostile.yaml", check=False).decode()
    run(project, "lint", "hostile.yaml", "--format", "json", check=False)
    run(project, "lint", "hostile.yaml", "--format", "github", check=False)


ROWS = 300


def spawn(project: Path, command: str, **env: str) -> tuple[bytes, pyte.Screen]:
    """`command` (bash) on a 100-column pseudo-terminal tall enough that nothing scrolls away:
    its bytes, and the screen they leave."""
    child = pexpect.spawn(
        "/bin/bash",
        ["-c", command],
        cwd=str(project),
        env=environment(**env),
        timeout=TIMEOUT,
        dimensions=(ROWS, 100),
    )
    output = b""
    while True:
        try:
            output += child.read_nonblocking(65536, timeout=TIMEOUT)
        except pexpect.EOF:
            break
    child.close()
    screen = pyte.Screen(100, ROWS)
    pyte.ByteStream(screen).feed(output)
    return output, screen


# what rich itself writes on a terminal: colours and styles, the cursor hidden and shown
RICH_OWN = re.compile(rb"\x1b\[[0-9;]*m|\x1b\[\?25[lh]")


def test_on_a_terminal_only_our_own_styling_is_an_escape(
    project: Path, isolated_state: Path
) -> None:
    incident = declare(project)
    age(isolated_state)
    output, screen = spawn(
        project,
        f"echo MARKER; {incidentctl()} list; {incidentctl()} show {incident}; "
        f"{incidentctl()} status",
    )
    leftover = inert(RICH_OWN.sub(b"", output).replace(b"\r\n", b"\n"))
    assert leftover is None, leftover
    display = "\n".join(line.rstrip() for line in screen.display)
    assert screen.title == "" and screen.icon_name == ""
    assert "MARKER" in display  # not cleared
    assert "[bold red]x[/]" in display and "[link=http://evil]y[/link]" in display
    assert "\\x1b]0;pwned\\x07" in display


def test_the_preview_and_the_console_channel_on_a_terminal(project: Path) -> None:
    _, screen = spawn(
        project,
        f'echo MARKER; {incidentctl()} declare sev1 --title "$TITLE" --impact "$IMPACT" --yes',
        TITLE=TITLE,
        IMPACT="rtl \u202e text",
    )
    display = "\n".join(line.rstrip() for line in screen.display)
    assert screen.title == ""
    assert "MARKER" in display
    assert "Investigating: API down [bold red]x[/]" in display
    assert "impact contains U+202E RIGHT-TO-LEFT OVERRIDE (text may display reversed)" in display


def test_json_is_indented_on_a_terminal_and_one_line_into_a_pipe(project: Path) -> None:
    incident = declare(project)
    piped = run(project, "show", incident, "--json").decode()
    assert piped.count("\n") == 1 and json.loads(piped)["id"] == incident
    output, _ = spawn(project, f"{incidentctl()} show {incident} --json")
    text = output.decode().replace("\r\n", "\n")
    assert text.startswith("{\n  ") and json.loads(text)["id"] == incident

"""Ctrl-C's one line says what became of each channel: a delivery stopped between two failed
attempts failed, it is not "not sent yet"."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pexpect

from tests.channels.fakes.base_server import Reply
from tests.channels.fakes.webhook_server import WebhookReceiver
from tests.cli.test_terminal import TIMEOUT, HeldHook, incidentctl, recorded, shell, shown
from tests.helpers import PLAYBOOK, write_playbook


def test_ctrl_c_says_a_channel_that_failed_its_attempts_failed(
    tmp_path: Path, isolated_state: Path
) -> None:
    slow, failing = HeldHook(), WebhookReceiver(secret=None).start()
    failing.fail_next(*[Reply(500, {"error": "internal"})] * 4)
    text = (
        PLAYBOOK.format(language="en")
        .replace(
            "  room:\n    type: console\n",
            f"  room:\n    type: webhook\n    url: {slow.url}\n    timeout: 30\n",
        )
        .replace(
            "  outbox:\n    type: outbox\n",
            f"  outbox:\n    type: webhook\n    url: {failing.hook_url}\n    timeout: 5\n",
        )
    )
    write_playbook(tmp_path, text)
    try:
        child = shell(tmp_path, f"exec {incidentctl()} declare sev1 --title 'API down' --yes")
        child.logfile_read = io.StringIO()
        assert slow.arrived.wait(TIMEOUT), child.logfile_read.getvalue()
        deadline = time.monotonic() + TIMEOUT
        # after its third failure the engine waits 1-2 s before the fourth attempt
        while len(failing.requests) < 3:
            assert time.monotonic() < deadline, child.logfile_read.getvalue()
            time.sleep(0.01)
        time.sleep(0.3)
        child.sendintr()
        child.expect(pexpect.EOF)
        child.close()
    finally:
        slow.release.set()
        slow.server.shutdown()
        failing.stop()
    output = child.logfile_read.getvalue()
    assert child.exitstatus == 130, output
    [line] = [line for line in output.splitlines() if "interrupted" in line]
    assert "outbox failed" in line and "not sent yet" not in line, line
    assert "room recorded as uncertain" in line
    [row] = recorded(tmp_path)
    deliveries = {d["channel"]: d for d in shown(tmp_path, str(row["id"]))["deliveries"]}
    assert (deliveries["outbox"]["state"], deliveries["outbox"]["attempts"]) == ("failed", 3)

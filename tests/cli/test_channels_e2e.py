"""Declare through the CLI to a webhook on 127.0.0.1: failures are recorded, told in one line,
re-sent by `retry`, and the secret webhook URL never shows."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.helpers import PLAYBOOK, cli, write_playbook

SECRET_PATH = "/hooks/T0-very-secret-token"


class Hook:
    """A webhook receiver whose answers the test scripts; it counts what it accepted."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, str]] = []
        self.accepted: list[dict[str, object]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, text = hook.answers.pop(0) if hook.answers else (200, "ok")
                if status < 300 and self.path == SECRET_PATH:
                    hook.accepted.append(json.loads(body))
                payload = text.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{SECRET_PATH}"


@pytest.fixture
def hook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hook]:
    receiver = Hook()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOOK_URL", receiver.url)
    text = PLAYBOOK.format(language="en").replace(
        "  room:\n    type: console\n",
        "  room:\n    type: webhook\n    url: ${HOOK_URL}\n    timeout: 2\n",
    )
    write_playbook(tmp_path, text)
    yield receiver
    receiver.server.shutdown()


def test_a_permanent_error_is_recorded_and_retried_later(
    hook: Hook, capsys: pytest.CaptureFixture[str]
) -> None:
    hook.answers = [(400, "invalid_payload: missing text")]
    result = cli(capsys, "declare", "sev1", "--title", "API down", "--yes")
    assert result.code == 3
    assert "invalid_payload" in result.out
    assert "very-secret-token" not in result.out + result.err
    assert hook.accepted == []
    retried = cli(capsys, "retry")
    assert retried.code == 0, retried.err
    assert len(hook.accepted) == 1
    accepted = hook.accepted[0]
    assert accepted["incident"]["title"] == "API down"  # type: ignore[index]
    assert cli(capsys, "retry").out.startswith("nothing to retry")
    assert len(hook.accepted) == 1


def test_a_hook_token_echoed_by_the_service_is_neither_shown_nor_stored(
    hook: Hook, capsys: pytest.CaptureFixture[str]
) -> None:
    hook.answers = [(404, "no hook T0-very-secret-token here (hooks/T0-very-secret-token)")]
    result = cli(capsys, "declare", "sev1", "--title", "API down", "--yes")
    assert result.code == 3
    assert "no hook" in result.out
    iid = json.loads(cli(capsys, "list", "--json").out)[0]["id"]
    shown = cli(capsys, "show", iid, "--json").out
    room = next(d for d in json.loads(shown)["deliveries"] if d["channel"] == "room")
    assert "no hook *** here" in room["error"]
    assert "T0-very-secret-token" not in result.out + result.err + shown


def test_transient_errors_are_retried_within_the_command(
    hook: Hook, capsys: pytest.CaptureFixture[str]
) -> None:
    hook.answers = [(503, "busy"), (429, "slow down")]
    result = cli(capsys, "declare", "sev1", "--title", "API down", "--yes")
    assert result.code == 0, result.out
    assert len(hook.accepted) == 1
    iid = json.loads(cli(capsys, "list", "--json").out)[0]["id"]
    shown = json.loads(cli(capsys, "show", iid, "--json").out)
    room = next(d for d in shown["deliveries"] if d["channel"] == "room")
    assert (room["state"], room["attempts"]) == ("sent", 3)
    assert "very-secret-token" not in json.dumps(shown)


def test_a_dead_endpoint_does_not_block_the_others(
    hook: Hook, capsys: pytest.CaptureFixture[str], isolated_state: Path
) -> None:
    hook.server.shutdown()
    hook.server.server_close()
    result = cli(capsys, "declare", "sev1", "--title", "API down", "--yes")
    assert result.code == 3
    assert "very-secret-token" not in result.out + result.err
    assert len(list((isolated_state / "outbox").rglob("*.txt"))) == 1


def test_dry_run_shows_the_request_body_and_sends_nothing(
    hook: Hook, capsys: pytest.CaptureFixture[str]
) -> None:
    result = cli(capsys, "declare", "sev1", "--title", "API down", "--dry-run")
    assert result.code == 0, result.err
    assert "room: request body" in result.out
    assert '"title": "API down"' in result.out
    assert hook.accepted == []
    assert "very-secret-token" not in result.out

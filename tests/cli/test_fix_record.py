"""`note`, `correct` and `reopen` through the CLI, in French, against a fake Slack (Web API:
messages are edited with `chat.update`) beside a console that cannot edit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.channels.fakes.slack_server import TOKEN, SlackServer
from tests.helpers import PLAYBOOK, cli

ROOM = "C0INCIDENT"


@pytest.fixture
def slack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackServer]:
    with SlackServer() as server:
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
        channel = (
            "channels:\n  chat:\n    type: slack\n    bot_token: ${SLACK_BOT_TOKEN}\n"
            f"    channel: {ROOM}\n    api_base: {server.api_base}\n    timeout: 2\n"
        )
        text = PLAYBOOK.format(language="fr").replace("all: [outbox, room]", "all: [chat, room]")
        (tmp_path / "incidentctl.yaml").write_text(text.replace("channels:\n", channel, 1))
        monkeypatch.chdir(tmp_path)
        yield server


def test_note_correct_and_reopen_in_french(
    slack: SlackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    declared = cli(capsys, "declare", "sev1", "--title", "Paiements lents", "--yes", "--json")
    assert declared.code == 0, declared.err
    iid = json.loads(declared.out)["id"]
    posted = cli(capsys, "update", "-m", "Retour arrière du déploiement de 14 h 05", "--yes")
    assert posted.code == 0, posted.err

    noted = cli(capsys, "note", "-m", "Le DBA confirme le retard de réplication")
    corrected = cli(capsys, "correct", "-m", "Retour arrière du déploiement de 13 h 05", "--yes")
    refused = cli(capsys, "reopen", iid, "-m", "De retour", "--yes")
    assert cli(capsys, "resolve", "-m", "Corrigé", "--yes").code == 0
    reopened = cli(capsys, "reopen", iid, "-m", "Les paiements sont de nouveau lents", "--yes")
    shown = cli(capsys, "show", iid)
    status = cli(capsys, "status")

    assert noted.code == 0 and "note added to the timeline (not sent)" in noted.out
    assert corrected.code == 0, corrected.err
    assert "chat: edits its message" in corrected.out
    assert "room: cannot edit its message" in corrected.out
    assert "✏️ Rectificatif\u00a0: Paiements lents" in corrected.out  # the console's correction
    root, update = slack.channels[ROOM].messages[:2]
    # replies also refresh the root's status line: the correction is the edit of the update
    [edit] = [c.json() for c in slack.calls("chat.update") if c.json()["ts"] == update["ts"]]
    assert edit["channel"] == ROOM and "13 h 05" in edit["text"]
    assert "13 h 05" in update["text"] and "14 h 05" not in update["text"]
    assert refused.code == 6 and "only a resolved incident is reopened" in refused.err
    assert reopened.code == 0, reopened.err
    assert "🔴 Incident rouvert\u00a0: Paiements lents" in reopened.out
    last = slack.channels[ROOM].messages[-1]
    assert last["thread_ts"] == root["ts"]  # under the same root
    assert "Incident rouvert" in last["text"]
    assert "Le DBA confirme le retard de réplication" in shown.out
    assert "reopened" in shown.out and "correction" in shown.out
    assert iid in status.out and "investigating" in status.out
    # nothing of the note reached a channel
    assert all("DBA" not in m["text"] for m in slack.channels[ROOM].messages)

"""A title cannot ping a room: mentions typed by a responder reach every chat service as text.

Declared through the use case to fake services on 127.0.0.1 (the real HTTP clients), each of
which reports who a post would notify the way the service decides it; a mention written in a
playbook's own template stays live.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from incidentctl.app.declare import commit_declare, plan_declare
from incidentctl.app.publish import publish
from tests.channels.fakes import mattermost_server, teams_server
from tests.channels.fakes.discord_server import DiscordServer
from tests.channels.fakes.mattermost_server import MattermostServer
from tests.channels.fakes.slack_server import SlackServer
from tests.channels.fakes.teams_server import TeamsServer
from tests.helpers import PLAYBOOK, workspace

TITLE = "@here <!channel> @everyone <@U024BE7LH> <@&123456789012345678> <at>All</at> API down"
IMPACT = "Ask @alice, or write to support@acme.example"

CHANNELS = """\
channels:
  mm:
    type: mattermost
    url: ${MM_URL}
    audience: internal
    templates: {text: "mm-{stage}.j2"}
  dc:
    type: discord
    url: ${DC_URL}
  sl:
    type: slack
    webhook_url: ${SL_URL}
  tm:
    type: teams
    url: ${TM_URL}
"""


@pytest.fixture
def services() -> Iterator[dict[str, Any]]:
    servers: dict[str, Any] = {
        "mm": MattermostServer(),
        "dc": DiscordServer(),
        "sl": SlackServer(),
        "tm": TeamsServer(),
    }
    for server in servers.values():
        server.start()
    yield servers
    for server in servers.values():
        server.stop()


def declare(tmp_path: Path, services: dict[str, Any]) -> None:
    text = PLAYBOOK.format(language="en").replace("all: [outbox, room]", "all: [mm, dc, sl, tm]")
    text = text.replace("channels:\n", CHANNELS, 1) + "templates: tpl\n"
    (tmp_path / "tpl").mkdir()
    # the playbook's own mention, in an internal template: it must stay live
    (tmp_path / "tpl" / "mm-investigating.j2").write_text(
        "@oncall {{ incident.title }}\n{{ incident.impact }}\n"
        "Commander: {{ incident.roles[0].who|live }}, scribe: {{ incident.roles[0].who }}\n",
        encoding="utf-8",
    )
    env = {f"{name.upper()}_URL": server.webhook_url for name, server in services.items()}
    with workspace(tmp_path, text, env=env) as ws:
        plan = plan_declare(ws, "sev1", TITLE, impact=IMPACT)
        published = publish(ws, plan, commit_declare)
    assert published.report is not None
    assert {d.channel: d.state.value for d in published.report.deliveries} == dict.fromkeys(
        services, "sent"
    )


def test_mattermost_notifies_only_whom_the_template_names(
    tmp_path: Path, services: dict[str, Any]
) -> None:
    declare(tmp_path, services)
    [(_, body)] = services["mm"].posts
    assert mattermost_server.mentions(body["text"]) == {"@oncall", "@alice"}
    # still readable: the joiner is invisible, the e-mail address untouched
    shown = body["text"].replace("\u200d", "")
    assert shown.startswith(f"@oncall {TITLE}\n")
    assert "support@acme.example" in body["text"]


def test_discord_pings_no_one_and_shows_mentions_as_text(
    tmp_path: Path, services: dict[str, Any]
) -> None:
    declare(tmp_path, services)
    [message] = services["dc"].messages.values()
    assert (message["mention_everyone"], message["mentions"], message["mention_roles"]) == (
        False,
        [],
        [],
    )
    # `<!channel>` is Slack's syntax, text to Discord
    assert "\\@here <!channel> \\@everyone \\<@U024BE7LH> \\<@&" in message["content"]


def test_slack_notifies_no_one(tmp_path: Path, services: dict[str, Any]) -> None:
    declare(tmp_path, services)
    [message] = services["sl"].channels[services["sl"].webhook_channel].messages
    assert message["notifies"] == []
    assert "&lt;!channel&gt;" in message["text"]


def test_teams_notifies_no_one(tmp_path: Path, services: dict[str, Any]) -> None:
    declare(tmp_path, services)
    [card] = services["tm"].cards
    assert teams_server.mentions(card) == []
    assert "<at>All</at> API down" in card["body"][0]["text"]

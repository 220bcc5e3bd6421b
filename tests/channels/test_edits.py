"""`EditsMessages`: each channel that can edit a message it sent replaces it in place, against
the fake services (which check the edit endpoints as the real ones do)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from incidentctl.channels.capabilities import EditsMessages
from incidentctl.channels.console import ConsoleChannel
from incidentctl.channels.discord import DiscordChannel
from incidentctl.channels.files import FileChannel
from incidentctl.channels.slack.channel import SlackChannel
from incidentctl.channels.statuspage import StatuspageChannel
from incidentctl.channels.statussite import StatusSiteChannel
from incidentctl.channels.twitter import TwitterChannel
from incidentctl.errors import DeliveryError
from incidentctl.model.records import Stage
from tests.channels.fakes.base_server import build_channel, make_outgoing
from tests.channels.fakes.discord_server import DiscordServer
from tests.channels.fakes.slack_server import TOKEN, SlackServer
from tests.channels.fakes.statuspage_server import API_KEY, StatuspageServer


def test_the_channels_that_edit_say_so_and_the_others_do_not() -> None:
    editing = (SlackChannel, DiscordChannel, StatuspageChannel, FileChannel, StatusSiteChannel)
    assert all(isinstance(cls, EditsMessages) for cls in editing)
    assert not isinstance(ConsoleChannel, EditsMessages)
    assert not isinstance(TwitterChannel, EditsMessages)


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with SlackServer() as server:
        yield server


def test_slack_edits_with_chat_update_by_channel_id(slack: SlackServer, tmp_path: Path) -> None:
    options = {
        "bot_token": "${SLACK_BOT_TOKEN}",
        "channel": "#incidents",
        "api_base": slack.api_base,
    }
    channel = build_channel(SlackChannel, options, {"SLACK_BOT_TOKEN": TOKEN}, tmp_path, name="s")
    first = channel.send(make_outgoing("Rolled back the 14:05 deploy."))
    assert first.remote_id

    edited = channel.edit(first.remote_id, make_outgoing("Rolled back the 13:05 deploy."))

    assert edited.remote_id == first.remote_id
    [call] = slack.calls("chat.update")
    assert call.json()["channel"] == "C0INCIDENT"  # Slack wants the id, not `#incidents`
    assert call.json()["ts"] == first.remote_id
    [message] = slack.channels["C0INCIDENT"].messages
    assert "13:05" in message["text"] and "edited" in message


def test_discord_edits_the_webhook_message(tmp_path: Path) -> None:
    with DiscordServer() as server:
        env = {"DISCORD_WEBHOOK_URL": server.webhook_url}
        channel = build_channel(
            DiscordChannel, {"url": "${DISCORD_WEBHOOK_URL}"}, env, tmp_path, name="d"
        )
        first = channel.send(make_outgoing("Rolled back the 14:05 deploy."))
        assert first.remote_id
        edited = channel.edit(first.remote_id, make_outgoing("Rolled back the 13:05 deploy."))
        request = server.requests[-1]
        message = server.messages[first.remote_id]

    assert request.method == "PATCH" and request.path.endswith(f"/messages/{first.remote_id}")
    assert edited.remote_id == first.remote_id
    assert message["content"] == "Rolled back the 13:05 deploy."
    assert message["edited_timestamp"]


def test_statuspage_replaces_the_body_of_the_latest_update(tmp_path: Path) -> None:
    # two requests in one edit (read the newest update, patch it), on the wall clock: a 420
    # between them would be retried by the engine like any rate limit
    with StatuspageServer(clock=time.monotonic, rate_per_second=10_000) as server:
        options = {"api_key": "${SP_KEY}", "page_id": "pg123", "api_base": server.api_base}
        page = build_channel(StatuspageChannel, options, {"SP_KEY": API_KEY}, tmp_path, name="p")
        first = page.send(make_outgoing("Investigating."))
        assert first.remote_id
        page.send(
            make_outgoing("Rolled back 14:05.", stage=Stage.IDENTIFIED, thread=first.remote_id)
        )
        page.edit(first.remote_id, make_outgoing("Rolled back 13:05.", thread=first.remote_id))
        patch = server.requests[-1]
        incident = server.incidents[first.remote_id]

    newest = incident["incident_updates"][0]
    assert (patch.method, patch.path) == (
        "PATCH",
        f"/v1/pages/pg123/incidents/{first.remote_id}/incident_updates/{newest['id']}",
    )
    assert patch.json() == {"incident_update": {"body": "Rolled back 13:05."}}
    assert [u["body"] for u in incident["incident_updates"]] == [
        "Rolled back 13:05.",
        "Investigating.",
    ]
    assert incident["status"] == "identified"  # an edit changes no status


def test_the_outbox_rewrites_its_file_and_only_its_own(tmp_path: Path) -> None:
    channel = build_channel(FileChannel, {"path": str(tmp_path / "out")}, {}, tmp_path, name="o")
    first = channel.send(make_outgoing("Rolled back the 14:05 deploy."))
    assert first.remote_id

    channel.edit(first.remote_id, make_outgoing("Rolled back the 13:05 deploy."))

    assert Path(first.remote_id).read_text() == "Rolled back the 13:05 deploy.\n"
    stranger = tmp_path / "elsewhere.txt"
    stranger.write_text("keep me")
    with pytest.raises(DeliveryError, match="not a message of this outbox"):
        channel.edit(str(stranger), make_outgoing("x"))
    assert stranger.read_text() == "keep me"

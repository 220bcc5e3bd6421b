from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from incidentctl.channels.discord import DiscordChannel, DiscordSettings
from incidentctl.errors import DeliveryError
from incidentctl.model.records import Stage
from tests.channels.fakes.base_server import (
    Reply,
    Request,
    build_channel,
    make_outgoing,
)
from tests.channels.fakes.discord_server import (
    CHANNEL_ID,
    GUILD_ID,
    TOKEN,
    WEBHOOK_ID,
    DiscordServer,
)


@pytest.fixture
def server() -> Iterator[DiscordServer]:
    with DiscordServer() as fake:
        yield fake


def channel(
    tmp_path: Path, env: dict[str, str], *, timeout: float = 5.0, **settings: Any
) -> DiscordChannel:
    options = {"url": "${DISCORD_WEBHOOK_URL}", **settings}
    return build_channel(DiscordChannel, options, env, tmp_path, name="discord", timeout=timeout)


def env_for(server: DiscordServer) -> dict[str, str]:
    return {"DISCORD_WEBHOOK_URL": server.webhook_url}


def test_first_message_returns_its_id_and_link(server: DiscordServer, tmp_path: Path) -> None:
    result = channel(tmp_path, env_for(server), username="Status bot").send(
        make_outgoing("@everyone checkout is failing.")
    )

    request = server.requests[-1]
    assert request.method == "POST"
    assert request.arg("wait") == "true"
    assert request.json() == {
        "content": "@everyone checkout is failing.",
        "allowed_mentions": {"parse": []},
        "username": "Status bot",
    }
    assert result.remote_id in server.messages
    assert result.link == f"https://discord.com/channels/{GUILD_ID}/{CHANNEL_ID}/{result.remote_id}"


def test_no_link_without_a_guild_id(tmp_path: Path) -> None:
    with DiscordServer(include_guild=False) as server:
        result = channel(tmp_path, env_for(server)).send(make_outgoing())

    assert result.remote_id
    assert result.link is None


def test_updates_are_new_messages_that_name_the_incident(
    server: DiscordServer, tmp_path: Path
) -> None:
    discord = channel(tmp_path, env_for(server))
    first = discord.send(make_outgoing("Investigating."))
    second = discord.send(
        make_outgoing("Found it.", stage=Stage.IDENTIFIED, thread=first.remote_id)
    )

    assert second.remote_id != first.remote_id
    update = server.messages[second.remote_id or ""]
    assert update["content"] == "Found it."
    assert update["embeds"] == [
        {"title": "Checkout errors in EU", "footer": {"text": "INC-20250101-001"}}
    ]
    assert server.messages[first.remote_id or ""]["embeds"] == []
    assert [r.method for r in server.requests] == ["POST", "POST"]


def test_edit_root_shows_the_current_status_on_the_first_message(
    server: DiscordServer, tmp_path: Path
) -> None:
    discord = channel(tmp_path, env_for(server), edit_root=True)
    first = discord.send(make_outgoing("Investigating."))
    text = "Monitoring: fix deployed.\nDetails…"
    discord.send(make_outgoing(text, stage=Stage.MONITORING, thread=first.remote_id))

    patch, post = server.requests[-2:]
    assert (patch.method, patch.path) == (
        "PATCH",
        f"/api/webhooks/{WEBHOOK_ID}/{TOKEN}/messages/{first.remote_id}",
    )
    assert post.method == "POST"
    root = server.messages[first.remote_id or ""]
    assert root["content"] == "Investigating."
    assert root["embeds"][0]["description"] == "Monitoring: fix deployed."
    assert root["embeds"][0]["footer"] == {"text": "INC-20250101-001"}


def test_edit_root_of_a_deleted_message_still_posts(server: DiscordServer, tmp_path: Path) -> None:
    discord = channel(tmp_path, env_for(server), edit_root=True)
    result = discord.send(make_outgoing("Update.", thread="1234567890"))

    assert result.remote_id in server.messages
    assert [r.method for r in server.requests] == ["PATCH", "POST"]


def test_edit_root_failure_posts_nothing(server: DiscordServer, tmp_path: Path) -> None:
    discord = channel(tmp_path, env_for(server), edit_root=True)
    first = discord.send(make_outgoing())
    server.fail_next(Reply(503, {"message": "upstream"}))
    with pytest.raises(DeliveryError) as caught:
        discord.send(make_outgoing("Update.", thread=first.remote_id))

    assert caught.value.retryable
    assert len(server.messages) == 1


def test_edit_root_timeout_is_retryable_not_uncertain(
    server: DiscordServer, tmp_path: Path
) -> None:
    first = channel(tmp_path, env_for(server)).send(make_outgoing())
    server.delay_next(2.0)
    with pytest.raises(DeliveryError) as caught:
        channel(tmp_path, env_for(server), edit_root=True, timeout=0.3).send(
            make_outgoing("Update.", thread=first.remote_id)
        )

    assert caught.value.retryable
    assert not caught.value.uncertain
    assert len(server.messages) == 1


def test_thread_id_posts_into_that_thread(server: DiscordServer, tmp_path: Path) -> None:
    result = channel(tmp_path, env_for(server), thread_id="4242").send(make_outgoing())

    assert server.requests[-1].arg("thread_id") == "4242"
    assert server.messages[result.remote_id or ""]["channel_id"] == "4242"


@pytest.mark.parametrize(
    "echo",
    [lambda request: request.target, lambda request: request.path.rsplit("/", 1)[1]],
    ids=["path", "token"],
)
def test_webhook_token_echoed_in_an_error_is_scrubbed(
    server: DiscordServer, tmp_path: Path, echo: Callable[[Request], str]
) -> None:
    server.fail_next(
        lambda request: Reply(404, {"message": f"Unknown Webhook {echo(request)}", "code": 10015})
    )
    with pytest.raises(DeliveryError) as caught:
        channel(tmp_path, env_for(server)).send(make_outgoing())
    assert "Unknown Webhook" in caught.value.message
    assert TOKEN not in caught.value.message
    assert WEBHOOK_ID not in caught.value.message


def test_check_settings() -> None:
    def keys(**settings: Any) -> list[str]:
        model = DiscordSettings(url="${DISCORD_WEBHOOK_URL}", **settings)
        return [p.key for p in DiscordChannel.check_settings(model)]

    assert keys(thread_id="general") == ["thread_id"]
    assert keys(avatar_url="http://cdn.example.com/a.png") == ["avatar_url"]

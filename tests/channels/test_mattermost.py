from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from incidentctl.channels.mattermost import MattermostChannel, MattermostSettings
from incidentctl.errors import DeliveryError
from tests.channels.fakes.base_server import (
    Reply,
    Request,
    build_channel,
    make_outgoing,
)
from tests.channels.fakes.mattermost_server import HOOK_KEY, MattermostServer


@pytest.fixture
def server() -> Iterator[MattermostServer]:
    with MattermostServer() as fake:
        yield fake


def channel(tmp_path: Path, env: dict[str, str], **settings: Any) -> MattermostChannel:
    options = {"url": "${MATTERMOST_WEBHOOK_URL}", **settings}
    return build_channel(MattermostChannel, options, env, tmp_path, name="mm")


def env_for(server: MattermostServer) -> dict[str, str]:
    return {"MATTERMOST_WEBHOOK_URL": server.webhook_url}


def test_posts_the_text(server: MattermostServer, tmp_path: Path) -> None:
    result = channel(tmp_path, env_for(server)).send(make_outgoing("Checkout is failing.\nMore."))

    assert result.remote_id is None
    assert server.posts == [("town-square", {"text": "Checkout is failing.\nMore."})]


def test_channel_and_username_overrides(server: MattermostServer, tmp_path: Path) -> None:
    mm = channel(tmp_path, env_for(server), channel="incidents", username="status-bot")
    mm.send(make_outgoing("Hi"))

    assert server.posts == [
        ("incidents", {"text": "Hi", "channel": "incidents", "username": "status-bot"})
    ]


def test_locked_webhook_refuses_another_channel(tmp_path: Path) -> None:
    with MattermostServer(channel_locked=True) as server:
        mm = channel(tmp_path, env_for(server), channel="incidents")
        with pytest.raises(DeliveryError) as caught:
            mm.send(make_outgoing())

    assert caught.value.status == 403
    assert not caught.value.retryable
    assert "not permitted to post to the requested channel" in caught.value.message


@pytest.mark.parametrize(
    "echo",
    [lambda request: request.target, lambda request: request.path.rsplit("/", 1)[1]],
    ids=["path", "key"],
)
def test_hook_path_echoed_in_an_error_is_scrubbed(
    server: MattermostServer, tmp_path: Path, echo: Callable[[Request], str]
) -> None:
    server.fail_next(lambda request: Reply(400, f"Unable to find the hook {echo(request)}"))
    with pytest.raises(DeliveryError) as caught:
        channel(tmp_path, env_for(server)).send(make_outgoing())
    assert "Unable to find the hook" in caught.value.message
    assert HOOK_KEY not in caught.value.message


def test_check_settings() -> None:
    def keys(**settings: Any) -> list[str]:
        model = MattermostSettings(url="${MATTERMOST_WEBHOOK_URL}", **settings)
        return [p.key for p in MattermostChannel.check_settings(model)]

    assert keys(channel="#incidents") == ["channel"]
    assert keys(icon_url="http://cdn.example.com/i.png") == ["icon_url"]

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from incidentctl.channels.mattermost import MattermostChannel, MattermostSettings
from incidentctl.errors import DeliveryError, MissingSecret
from tests.channels.fakes.base_server import (
    Reply,
    Request,
    build_channel,
    closed_port_url,
    make_outgoing,
)
from tests.channels.fakes.mattermost_server import HOOK_KEY, MattermostServer


@pytest.fixture
def server() -> Iterator[MattermostServer]:
    with MattermostServer() as fake:
        yield fake


def channel(
    tmp_path: Path, env: dict[str, str], *, timeout: float = 5.0, **settings: Any
) -> MattermostChannel:
    options = {"url": "${MATTERMOST_WEBHOOK_URL}", **settings}
    return build_channel(MattermostChannel, options, env, tmp_path, name="mm", timeout=timeout)


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


def test_too_long_message_carries_mattermost_text(server: MattermostServer, tmp_path: Path) -> None:
    with pytest.raises(DeliveryError) as caught:
        channel(tmp_path, env_for(server)).send(make_outgoing("x" * 16384))

    assert caught.value.status == 400
    assert "Invalid Message. (message length is 16384, the maximum is 16383)" in (
        caught.value.message
    )


@pytest.mark.parametrize(("headers", "retry_after"), [({"Retry-After": "4"}, 4.0), ({}, None)])
def test_429_is_retryable(
    server: MattermostServer, tmp_path: Path, headers: dict[str, str], retry_after: float | None
) -> None:
    server.fail_next(Reply(429, {"message": "Too many requests."}, headers))
    with pytest.raises(DeliveryError) as caught:
        channel(tmp_path, env_for(server)).send(make_outgoing())

    assert (caught.value.retryable, caught.value.retry_after) == (True, retry_after)


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retryable(server: MattermostServer, tmp_path: Path, status: int) -> None:
    server.fail_next(Reply(status, "Bad gateway"))
    with pytest.raises(DeliveryError) as caught:
        channel(tmp_path, env_for(server)).send(make_outgoing())

    assert caught.value.retryable
    assert caught.value.status == status


def test_unknown_hook_is_not_retryable_and_not_shown(
    server: MattermostServer, tmp_path: Path
) -> None:
    env = {"MATTERMOST_WEBHOOK_URL": server.webhook_url.replace(HOOK_KEY, "wronghookkey98765")}
    with pytest.raises(DeliveryError) as caught:
        channel(tmp_path, env).send(make_outgoing())

    assert not caught.value.retryable
    assert "Invalid webhook." in caught.value.message
    assert "wronghookkey98765" not in caught.value.message


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


def test_hang_past_timeout_is_uncertain(server: MattermostServer, tmp_path: Path) -> None:
    server.delay_next(2.0)
    with pytest.raises(DeliveryError) as caught:
        channel(tmp_path, env_for(server), timeout=0.3).send(make_outgoing())

    assert caught.value.uncertain
    assert HOOK_KEY not in caught.value.message


def test_connection_refused_is_retryable(tmp_path: Path) -> None:
    env = {"MATTERMOST_WEBHOOK_URL": f"{closed_port_url()}/hooks/{HOOK_KEY}"}
    with pytest.raises(DeliveryError) as caught:
        channel(tmp_path, env).send(make_outgoing())

    assert caught.value.retryable
    assert HOOK_KEY not in caught.value.message


def test_missing_variable_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(MissingSecret) as caught:
        channel(tmp_path, {}).send(make_outgoing())

    assert "MATTERMOST_WEBHOOK_URL" in caught.value.message


def test_plain_http_to_a_remote_host_is_refused(tmp_path: Path) -> None:
    env = {"MATTERMOST_WEBHOOK_URL": f"http://chat.example.com/hooks/{HOOK_KEY}"}
    with pytest.raises(DeliveryError) as caught:
        channel(tmp_path, env).send(make_outgoing())

    assert "http:// is refused" in caught.value.message
    assert HOOK_KEY not in caught.value.message


def test_check_settings() -> None:
    def keys(**settings: Any) -> list[str]:
        model = MattermostSettings(url="${MATTERMOST_WEBHOOK_URL}", **settings)
        return [p.key for p in MattermostChannel.check_settings(model)]

    assert keys() == []
    assert keys(channel="#incidents") == ["channel"]
    assert keys(icon_url="http://cdn.example.com/i.png") == ["icon_url"]

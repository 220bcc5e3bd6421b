from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from incidentctl.channels.teams import PAYLOAD_LIMIT, TeamsChannel, TeamsSettings
from incidentctl.errors import DeliveryError, MissingSecret
from incidentctl.model.records import RenderedMessage
from tests.channels.fakes.base_server import (
    Reply,
    Request,
    build_channel,
    closed_port_url,
    make_outgoing,
)
from tests.channels.fakes.teams_server import SIGNATURE, WORKFLOW_PATH, TeamsServer


@pytest.fixture
def server() -> Iterator[TeamsServer]:
    with TeamsServer() as fake:
        yield fake


def channel(
    tmp_path: Path, env: dict[str, str], *, timeout: float = 5.0, **settings: Any
) -> TeamsChannel:
    options = {"url": "${TEAMS_WEBHOOK_URL}", **settings}
    return build_channel(TeamsChannel, options, env, tmp_path, name="teams", timeout=timeout)


def env_for(server: TeamsServer) -> dict[str, str]:
    return {"TEAMS_WEBHOOK_URL": server.webhook_url}


def test_posts_an_adaptive_card(server: TeamsServer, tmp_path: Path) -> None:
    text = "We are investigating.\nPayments fail in the EU.\n\nNext update in 30 minutes."
    result = channel(tmp_path, env_for(server)).send(make_outgoing(text))

    assert result.remote_id is None
    envelope = server.requests[-1].json()
    assert envelope["type"] == "message"
    assert envelope["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = server.cards[-1]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    blocks = card["body"]
    assert blocks[0] == {
        "type": "TextBlock",
        "text": "Checkout errors in EU",
        "weight": "Bolder",
        "size": "Medium",
        "wrap": True,
    }
    assert [(b["text"], b.get("spacing")) for b in blocks[1:]] == [
        ("We are investigating.", "None"),
        ("Payments fail in the EU.", "None"),
        ("Next update in 30 minutes.", "Medium"),
    ]


def test_subject_is_the_card_title(server: TeamsServer, tmp_path: Path) -> None:
    channel(tmp_path, env_for(server)).send(make_outgoing("Body", subject="[Identified] Checkout"))

    assert server.cards[-1]["body"][0]["text"] == "[Identified] Checkout"


def test_measure_counts_the_payload_bytes(tmp_path: Path) -> None:
    teams = channel(tmp_path, {})
    ascii_size = teams.measure(RenderedMessage(text="a" * 100))
    accented_size = teams.measure(RenderedMessage(text="é" * 100))

    assert ascii_size > 100
    assert accented_size == ascii_size + 100


def test_oversized_card_is_refused_before_sending(server: TeamsServer, tmp_path: Path) -> None:
    with pytest.raises(DeliveryError) as caught:
        channel(tmp_path, env_for(server)).send(make_outgoing("x" * PAYLOAD_LIMIT))

    assert not caught.value.retryable
    assert "28672" in caught.value.message
    assert server.requests == []


def test_api_base_replaces_the_webhook_origin(server: TeamsServer, tmp_path: Path) -> None:
    remote = f"https://prod-12.westeurope.logic.azure.com{WORKFLOW_PATH}?sig={SIGNATURE}"
    teams = channel(tmp_path, {"TEAMS_WEBHOOK_URL": remote}, api_base=server.url)
    teams.send(make_outgoing())

    assert len(server.cards) == 1


def test_the_fake_rejects_a_bare_text_payload(server: TeamsServer) -> None:
    response = httpx.post(server.webhook_url, json={"text": "hello"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidRequestContent"


@pytest.mark.parametrize(("headers", "retry_after"), [({"Retry-After": "12"}, 12.0), ({}, None)])
def test_429_is_retryable(
    server: TeamsServer, tmp_path: Path, headers: dict[str, str], retry_after: float | None
) -> None:
    server.fail_next(Reply(429, {"error": {"code": "429", "message": "Rate limit"}}, headers))
    with pytest.raises(DeliveryError) as caught:
        channel(tmp_path, env_for(server)).send(make_outgoing())

    assert (caught.value.status, caught.value.retryable) == (429, True)
    assert caught.value.retry_after == retry_after


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retryable(server: TeamsServer, tmp_path: Path, status: int) -> None:
    server.fail_next(Reply(status, "busy"))
    with pytest.raises(DeliveryError) as caught:
        channel(tmp_path, env_for(server)).send(make_outgoing())

    assert caught.value.retryable
    assert caught.value.status == status


def test_400_carries_the_workflow_error_text(server: TeamsServer, tmp_path: Path) -> None:
    message = "The template validation failed: 'attachments' is required."
    server.fail_next(Reply(400, {"error": {"code": "InvalidTemplate", "message": message}}))
    with pytest.raises(DeliveryError) as caught:
        channel(tmp_path, env_for(server)).send(make_outgoing())

    assert not caught.value.retryable
    assert caught.value.status == 400
    assert message in caught.value.message


def test_wrong_signature_never_shows_the_url(server: TeamsServer, tmp_path: Path) -> None:
    wrong = server.webhook_url.replace(SIGNATURE, "leakedsig987654321")
    with pytest.raises(DeliveryError) as caught:
        channel(tmp_path, {"TEAMS_WEBHOOK_URL": wrong}).send(make_outgoing())

    assert caught.value.status == 401
    assert not caught.value.retryable
    assert "leakedsig987654321" not in caught.value.message
    assert WORKFLOW_PATH not in caught.value.message
    assert "The request must be authorized." in caught.value.message


@pytest.mark.parametrize(
    "echo",
    [
        lambda request: request.target,
        lambda request: unquote(request.target),
        lambda request: f"sig={request.arg('sig')}",
    ],
    ids=["request-line", "decoded", "sig"],
)
def test_workflow_path_echoed_in_an_error_is_scrubbed(
    server: TeamsServer, tmp_path: Path, echo: Callable[[Request], str]
) -> None:
    error = {"code": "WorkflowTriggerIsNotEnabled", "message": ""}
    server.fail_next(
        lambda request: Reply(400, {"error": {**error, "message": f"not enabled: {echo(request)}"}})
    )
    with pytest.raises(DeliveryError) as caught:
        channel(tmp_path, env_for(server)).send(make_outgoing())
    assert "not enabled" in caught.value.message
    assert SIGNATURE not in caught.value.message
    assert "0a1b2c3d" not in caught.value.message


def test_hang_past_timeout_is_uncertain(server: TeamsServer, tmp_path: Path) -> None:
    server.delay_next(2.0)
    with pytest.raises(DeliveryError) as caught:
        channel(tmp_path, env_for(server), timeout=0.3).send(make_outgoing())

    assert caught.value.uncertain
    assert SIGNATURE not in caught.value.message
    assert len(server.cards) == 1


def test_connection_refused_is_retryable(tmp_path: Path) -> None:
    env = {"TEAMS_WEBHOOK_URL": closed_port_url() + WORKFLOW_PATH + "?sig=" + SIGNATURE}
    with pytest.raises(DeliveryError) as caught:
        channel(tmp_path, env).send(make_outgoing())

    assert caught.value.retryable
    assert SIGNATURE not in caught.value.message


def test_missing_variable_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(MissingSecret) as caught:
        channel(tmp_path, {}).send(make_outgoing())

    assert "TEAMS_WEBHOOK_URL" in caught.value.message


def test_plain_http_to_a_remote_host_is_refused(tmp_path: Path) -> None:
    env = {"TEAMS_WEBHOOK_URL": f"http://teams.example.com{WORKFLOW_PATH}?sig={SIGNATURE}"}
    with pytest.raises(DeliveryError) as caught:
        channel(tmp_path, env).send(make_outgoing())

    assert "http:// is refused" in caught.value.message
    assert SIGNATURE not in caught.value.message


def test_check_settings() -> None:
    def keys(**settings: Any) -> list[str]:
        return [p.key for p in TeamsChannel.check_settings(TeamsSettings(**settings))]

    assert keys(url="${TEAMS_WEBHOOK_URL}") == []
    assert keys(url="http://127.0.0.1:8080/hook") == []
    assert keys(url="https://x.logic.azure.com/workflows/1?sig=abc") == ["url"]
    assert keys(url="${TEAMS_WEBHOOK_URL}", api_base="http://proxy.example.com") == ["api_base"]

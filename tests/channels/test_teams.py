from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from incidentctl.channels.teams import TeamsChannel
from incidentctl.errors import DeliveryError
from incidentctl.model.records import RenderedMessage
from tests.channels.fakes.base_server import (
    Reply,
    Request,
    build_channel,
    make_outgoing,
)
from tests.channels.fakes.teams_server import SIGNATURE, WORKFLOW_PATH, TeamsServer


@pytest.fixture
def server() -> Iterator[TeamsServer]:
    with TeamsServer() as fake:
        yield fake


def channel(tmp_path: Path, env: dict[str, str], **settings: Any) -> TeamsChannel:
    options = {"url": "${TEAMS_WEBHOOK_URL}", **settings}
    return build_channel(TeamsChannel, options, env, tmp_path, name="teams")


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


def test_api_base_replaces_the_webhook_origin(server: TeamsServer, tmp_path: Path) -> None:
    remote = f"https://prod-12.westeurope.logic.azure.com{WORKFLOW_PATH}?sig={SIGNATURE}"
    teams = channel(tmp_path, {"TEAMS_WEBHOOK_URL": remote}, api_base=server.url)
    teams.send(make_outgoing())

    assert len(server.cards) == 1


def test_the_fake_rejects_a_bare_text_payload(server: TeamsServer) -> None:
    response = httpx.post(server.webhook_url, json={"text": "hello"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "InvalidRequestContent"


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

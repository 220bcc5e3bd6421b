"""`teams`: an Adaptive Card posted to a Microsoft Teams Workflows webhook.

Workflows webhooks take a `message` envelope with one Adaptive Card attachment and answer 202
without a message id, so updates are new cards (no threading). The card shows the message's
subject, else the incident title, in bold, then one TextBlock per line of the text.

Settings: `url` — the workflow's HTTP trigger URL, e.g. `${TEAMS_WEBHOOK_URL}` (a secret: its
`sig` parameter authorizes the post); `api_base` — optional, replaces the URL's scheme and host.
Length is the JSON payload in bytes; Teams refuses more than 28 KB.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from incidentctl.channels.base import BaseChannel, Outgoing, SendResult, SettingProblem, redact_url
from incidentctl.channels.http import (
    WebhookUrlSettings,
    json_object,
    request,
    webhook_target,
    webhook_url_problems,
)
from incidentctl.errors import DeliveryError
from incidentctl.model.records import RenderedMessage

if TYPE_CHECKING:
    import httpx

# Teams refuses messages over 28 KB; we count the JSON payload's bytes
PAYLOAD_LIMIT = 28 * 1024
CARD_TYPE = "application/vnd.microsoft.card.adaptive"


class TeamsSettings(WebhookUrlSettings):
    """The workflow's trigger URL is all Teams needs."""


class TeamsChannel(BaseChannel[TeamsSettings]):
    type = "teams"
    message_format = "chat"
    max_length = 28000
    settings_model = TeamsSettings

    @classmethod
    def settings_problems(cls, settings: TeamsSettings) -> Iterator[SettingProblem]:
        return webhook_url_problems(settings)

    def measure(self, message: RenderedMessage) -> int:
        return len(encode(card_payload(message.subject or "", message.text)))

    def wire_payload(self, outgoing: Outgoing) -> dict[str, Any] | None:
        return card_payload(card_title(outgoing), outgoing.message.text)

    def send(self, outgoing: Outgoing) -> SendResult:
        url = webhook_target(self, self.settings)
        body = encode(card_payload(card_title(outgoing), outgoing.message.text))
        if len(body) > PAYLOAD_LIMIT:
            raise DeliveryError(
                f"message is {len(body)} bytes as a card; Teams accepts at most {PAYLOAD_LIMIT}"
            )
        request(
            self,
            "POST",
            url,
            what=f"Teams webhook {redact_url(url)}",
            secrets=(*self.context.secrets, url),
            detail=_detail,
            content=body,
            headers={"Content-Type": "application/json"},
        )
        # Workflows answer 202 without a message id: nothing to thread under
        return SendResult()


def card_title(outgoing: Outgoing) -> str:
    """The card's bold first line: the rendered subject, else the incident title."""
    return outgoing.message.subject or outgoing.incident.title


def card_payload(title: str, text: str) -> dict[str, Any]:
    """The `message` envelope with an Adaptive Card 1.4: a bold title, then one block per line."""
    blocks: list[dict[str, Any]] = []
    if title:
        blocks.append(
            {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True}
        )
    gap = False
    # one TextBlock per line: hosts differ on how a lone "\n" renders inside a TextBlock
    for line in text.strip().splitlines():
        if not line.strip():
            gap = True
            continue
        block: dict[str, Any] = {"type": "TextBlock", "text": line, "wrap": True}
        if blocks:
            block["spacing"] = "Medium" if gap else "None"
        blocks.append(block)
        gap = False
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": blocks,
    }
    return {
        "type": "message",
        "attachments": [{"contentType": CARD_TYPE, "contentUrl": None, "content": card}],
    }


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _detail(response: httpx.Response) -> str:
    """Workflows errors are `{"error": {"code": ..., "message": ...}}`; older ones plain text."""
    error = json_object(response).get("error")
    if isinstance(error, dict):
        return str(error.get("message") or error.get("code") or "")
    if isinstance(error, str):
        return error
    return response.text

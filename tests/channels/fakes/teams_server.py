"""A fake Microsoft Teams Workflows webhook: checks the Adaptive Card envelope, answers 202.

`POST /workflows/<id>/triggers/manual/paths/invoke?api-version=1&sig=<secret>`; a wrong `sig`
answers 401, a malformed envelope 400 with a Workflows-style `{"error": {code, message}}`,
payloads over 28 KB 413.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.channels.fakes.base_server import FakeServer, Reply, Request

SIGNATURE = "teamsfakesig0123456789"
WORKFLOW_PATH = "/workflows/0a1b2c3d/triggers/manual/paths/invoke"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
PAYLOAD_LIMIT = 28 * 1024


class TeamsServer(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.cards: list[dict[str, Any]] = []

    @property
    def webhook_url(self) -> str:
        return f"{self.url}{WORKFLOW_PATH}?api-version=1&sig={SIGNATURE}"

    def handle(self, request: Request) -> Reply:
        if request.method != "POST" or request.path != WORKFLOW_PATH:
            return _error(404, "WorkflowNotFound", "The workflow could not be found.")
        if request.arg("sig") != SIGNATURE:
            return _error(401, "DirectApiAuthorizationRequired", "The request must be authorized.")
        if len(request.body) > PAYLOAD_LIMIT:
            return Reply(413, "Request Entity Too Large")
        try:
            envelope = request.json()
        except ValueError:
            return _error(400, "InvalidRequestContent", "The request content is not valid JSON.")
        problem = envelope_problem(envelope)
        if problem:
            return _error(400, "InvalidRequestContent", problem)
        self.cards.append(envelope["attachments"][0]["content"])
        return Reply(202)


def mentions(card: dict[str, Any]) -> list[str]:
    """Whom the card notifies: an `<at>name</at>` in a TextBlock mentions someone only when
    the card's `msteams.entities` has a mention entity with that text; other text is text."""
    entities = (card.get("msteams") or {}).get("entities") or []
    known = {e.get("text"): e for e in entities if e.get("type") == "mention"}
    tags = re.findall(r"<at>.*?</at>", json.dumps(card, ensure_ascii=False))
    return [tag for tag in tags if tag in known]


def envelope_problem(envelope: Any) -> str | None:
    """What Teams would reject in a `message` envelope carrying Adaptive Cards."""
    if not isinstance(envelope, dict) or envelope.get("type") != "message":
        return "The envelope type must be 'message'."
    attachments = envelope.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        return "The message has no attachments."
    for attachment in attachments:
        if not isinstance(attachment, dict) or attachment.get("contentType") != CARD_TYPE:
            return f"Attachments must have contentType '{CARD_TYPE}'."
        card = attachment.get("content")
        if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
            return "The attachment content must be an AdaptiveCard."
        if card.get("version") not in ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5"):
            return f"Unsupported Adaptive Card version {card.get('version')!r}."
        body = card.get("body")
        if not isinstance(body, list) or not body:
            return "The card body is empty."
        for element in body:
            if not isinstance(element, dict) or element.get("type") != "TextBlock":
                return "Only TextBlock elements are expected."
            if not isinstance(element.get("text"), str) or not element["text"]:
                return "A TextBlock has no text."
    return None


def _error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"error": {"code": code, "message": message}})

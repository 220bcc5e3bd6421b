"""A fake Discord webhook: execute (`?wait=true` returns the message) and edit a message.

`POST /api/webhooks/<id>/<token>` and `PATCH|GET /api/webhooks/<id>/<token>/messages/<id>`,
with Discord's limits (content ≤ 2000, ≤ 10 embeds, title ≤ 256, description ≤ 4096, 6000
characters of embed text) and its error shapes (`{"message", "code", "errors"}`).
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from tests.channels.fakes.base_server import FakeServer, Reply, Request

WEBHOOK_ID = "112233445566778899"
TOKEN = "discordfaketoken-abcdefghijklmnop"
CHANNEL_ID = "998877665544332211"
GUILD_ID = "555555555555555555"
ROUTE = re.compile(r"^/api/webhooks/(?P<id>\d+)/(?P<token>[^/]+)(?:/messages/(?P<message>\d+))?$")
MENTION_TYPES = {"roles", "users", "everyone"}


class DiscordServer(FakeServer):
    def __init__(self, *, include_guild: bool = True) -> None:
        super().__init__()
        self.messages: dict[str, dict[str, Any]] = {}
        self.include_guild = include_guild
        self._ids = itertools.count(1)

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/api/webhooks/{WEBHOOK_ID}/{TOKEN}"

    def handle(self, request: Request) -> Reply:
        match = ROUTE.match(request.path)
        if match is None or match["id"] != WEBHOOK_ID:
            return Reply(404, {"message": "Unknown Webhook", "code": 10015})
        if match["token"] != TOKEN:
            return Reply(401, {"message": "Invalid Webhook Token", "code": 50027})
        message_id = match["message"]
        if message_id is None:
            if request.method != "POST":
                return Reply(405, {"message": "405: Method Not Allowed", "code": 0})
            return self._execute(request)
        message = self.messages.get(message_id)
        if message is None or message["channel_id"] != (request.arg("thread_id") or CHANNEL_ID):
            return Reply(404, {"message": "Unknown Message", "code": 10008})
        if request.method == "GET":
            return Reply(200, message)
        if request.method == "PATCH":
            body, problem = _checked(request, editing=True)
            if problem is not None:
                return problem
            for key in ("content", "embeds"):
                if key in body:
                    message[key] = body[key]
            message["edited_timestamp"] = "2025-01-01T09:05:00+00:00"
            return Reply(200, message)
        return Reply(405, {"message": "405: Method Not Allowed", "code": 0})

    def _execute(self, request: Request) -> Reply:
        body, problem = _checked(request, editing=False)
        if problem is not None:
            return problem
        message_id = str(1300000000000000000 + next(self._ids))
        message: dict[str, Any] = {
            "id": message_id,
            "type": 0,
            "content": body.get("content", ""),
            "embeds": body.get("embeds", []),
            "channel_id": request.arg("thread_id") or CHANNEL_ID,
            "webhook_id": WEBHOOK_ID,
            "author": {"id": WEBHOOK_ID, "username": body.get("username", "Captain Hook")},
            "timestamp": "2025-01-01T09:00:00+00:00",
            "edited_timestamp": None,
            **_mentions(body),
        }
        if self.include_guild:
            message["guild_id"] = GUILD_ID
        self.messages[message_id] = message
        if request.arg("wait") != "true":
            return Reply(204)
        return Reply(200, message)


def _mentions(body: dict[str, Any]) -> dict[str, Any]:
    """Who the message pings, as Discord reports it: only the kinds `allowed_mentions.parse`
    lists (every kind without `allowed_mentions`); a backslashed mention is plain text."""
    content = str(body.get("content") or "")
    allowed = body.get("allowed_mentions")
    parse = set(allowed.get("parse", [])) if allowed is not None else MENTION_TYPES
    live = re.sub(r"\\[@<]", "", content)
    return {
        "mention_everyone": "everyone" in parse and bool(re.search(r"@(everyone|here)", live)),
        "mentions": re.findall(r"<@!?(\d+)>", live) if "users" in parse else [],
        "mention_roles": re.findall(r"<@&(\d+)>", live) if "roles" in parse else [],
    }


def _checked(request: Request, *, editing: bool) -> tuple[dict[str, Any], Reply | None]:
    try:
        body = request.json()
    except ValueError:
        return {}, Reply(400, {"message": "400: Bad Request", "code": 0})
    if not isinstance(body, dict):
        return {}, _form_error("_", "BASE_TYPE_DICT", "Must be an object.")
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        return {}, _form_error("content", "BASE_TYPE_STRING", "Must be a string.")
    if content is not None and len(content) > 2000:
        return {}, _form_error(
            "content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length."
        )
    embeds = body.get("embeds")
    if embeds is not None:
        problem = _embeds_problem(embeds)
        if problem is not None:
            return {}, problem
    mentions = body.get("allowed_mentions")
    if mentions is not None and not set(mentions.get("parse", [])) <= MENTION_TYPES:
        return {}, _form_error("allowed_mentions.parse", "ENUM_TYPE_COERCE", "Not a valid value.")
    if not editing and not content and not embeds:
        return {}, Reply(400, {"message": "Cannot send an empty message", "code": 50006})
    return body, None


def _embeds_problem(embeds: Any) -> Reply | None:
    if not isinstance(embeds, list):
        return _form_error("embeds", "BASE_TYPE_LIST", "Must be an array.")
    if len(embeds) > 10:
        return _form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for index, embed in enumerate(embeds):
        limits = {"title": 256, "description": 4096}
        for key, limit in limits.items():
            value = embed.get(key, "")
            total += len(value)
            if len(value) > limit:
                return _form_error(
                    f"embeds.{index}.{key}",
                    "BASE_TYPE_MAX_LENGTH",
                    f"Must be {limit} or fewer in length.",
                )
        footer = embed.get("footer", {}).get("text", "")
        total += len(footer)
        if len(footer) > 2048:
            return _form_error(
                f"embeds.{index}.footer.text",
                "BASE_TYPE_MAX_LENGTH",
                "Must be 2048 or fewer in length.",
            )
    if total > 6000:
        return _form_error("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size")
    return None


def _form_error(path: str, code: str, message: str) -> Reply:
    errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path.split(".")):
        errors = {part: errors}
    return Reply(400, {"code": 50035, "errors": errors, "message": "Invalid Form Body"})

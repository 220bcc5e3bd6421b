"""A fake Mattermost incoming webhook: Slack-compatible body in, 200 `ok` out.

`POST /hooks/<key>` with JSON `{"text", "channel"?, "username"?, "icon_url"?, "attachments"?}`;
errors are Mattermost AppErrors (`{"id", "message", "detailed_error", "status_code"}`).
`mentions(text)` is who a post would notify, found the way the server finds them.
"""

from __future__ import annotations

import re
from typing import Any

from tests.channels.fakes.base_server import FakeServer, Reply, Request

HOOK_KEY = "mmfakehookkey0123456789ab"
CHANNELS = ("town-square", "incidents")
POST_LIMIT = 16383
KNOWN_KEYS = {
    "text",
    "channel",
    "username",
    "icon_url",
    "icon_emoji",
    "attachments",
    "props",
    "type",
    "priority",
}


class MattermostServer(FakeServer):
    def __init__(self, *, channel_locked: bool = False) -> None:
        super().__init__()
        self.channel_locked = channel_locked
        # (channel, body) of each accepted post
        self.posts: list[tuple[str, dict[str, Any]]] = []

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/hooks/{HOOK_KEY}"

    def handle(self, request: Request) -> Reply:
        if request.method != "POST" or not request.path.startswith("/hooks/"):
            return _app_error(
                404, "api.context.404.app_error", "Sorry, we could not find the page."
            )
        if request.path != f"/hooks/{HOOK_KEY}":
            return _app_error(400, "web.incoming_webhook.invalid.app_error", "Invalid webhook.")
        try:
            body = request.json()
        except ValueError:
            return _app_error(
                400, "web.incoming_webhook.parse.app_error", "Unable to parse incoming data."
            )
        if not isinstance(body, dict) or set(body) - KNOWN_KEYS:
            return _app_error(
                400, "web.incoming_webhook.parse.app_error", "Unable to parse incoming data."
            )
        text = body.get("text")
        if not text and not body.get("attachments"):
            return _app_error(400, "web.incoming_webhook.text.app_error", "No text specified.")
        if isinstance(text, str) and len(text) > POST_LIMIT:
            return _app_error(
                400,
                "model.post.is_valid.msg.app_error",
                "Invalid Message.",
                f"message length is {len(text)}, the maximum is {POST_LIMIT}",
            )
        channel = body.get("channel") or CHANNELS[0]
        if body.get("channel") and self.channel_locked:
            return _app_error(
                403,
                "web.incoming_webhook.channel_locked.app_error",
                "This webhook is not permitted to post to the requested channel.",
            )
        if channel.lstrip("@") not in CHANNELS and not channel.startswith("@"):
            return _app_error(
                400, "web.incoming_webhook.channel.app_error", "Couldn't find the channel."
            )
        self.posts.append((channel, body))
        return Reply(200, "ok")


_ANNOUNCEMENT = re.compile(r"<!(channel|here|all)(?:\|[^>]*)?>")
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


def mentions(text: str) -> set[str]:
    """The mentions Mattermost notifies for `text`: the webhook first expands Slack's
    `<!channel>` (model.ExpandAnnouncement), then code is set aside and the words are split at
    any character but a letter, a digit or one of `:.-_@` (app.GetExplicitMentions); a word
    starting with `@` is a mention, its trailing punctuation trimmed (`@here.` notifies)."""
    text = _ANNOUNCEMENT.sub(lambda found: "@" + found.group(1), text)
    text = _CODE.sub(" ", text)
    words = re.split(r"[^\w:.@-]", text)
    return {word.rstrip(".:-_").lower() for word in words if re.match(r"@\w", word)}


def _app_error(status: int, error_id: str, message: str, detailed: str = "") -> Reply:
    body = {
        "id": error_id,
        "message": message,
        "detailed_error": detailed,
        "request_id": "fakerequestid",
        "status_code": status,
    }
    return Reply(status, body)

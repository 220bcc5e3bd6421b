"""`discord`: messages through a Discord channel webhook.

Each message is posted with `?wait=true` so Discord returns it, and its id becomes the thread id
of the incident. Webhooks cannot reply to a message, so updates are new messages carrying a small
embed (incident title, id in the footer); with `edit_root: true` the first message also gets an
embed showing the current status line (`PATCH .../messages/{id}`). `thread_id` posts into a
thread or forum post of the channel. Mentions in the text never ping anyone
(`allowed_mentions` parses none), and those in a value a template prints (`@everyone` in a
title) are also escaped with a backslash, so they do not even look like one.

Settings: `url` — the webhook URL, e.g. `${DISCORD_WEBHOOK_URL}` (its token is a secret);
`username`, `avatar_url`, `thread_id`, `edit_root` (default false) — optional; `api_base` —
optional, replaces the URL's scheme and host. Content is at most 2000 characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from incidentctl.channels.base import (
    BaseChannel,
    Outgoing,
    SendResult,
    SettingProblem,
    check_url,
    redact_url,
)
from incidentctl.channels.http import (
    WebhookUrlSettings,
    exchange,
    json_object,
    open_client,
    status_error,
    webhook_target,
    webhook_url_problems,
)
from incidentctl.errors import DeliveryError

if TYPE_CHECKING:
    import httpx

CONTENT_LIMIT = 2000
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
# text from templates must not ping @everyone, roles or users
NO_MENTIONS: dict[str, Any] = {"parse": []}
# `@everyone`, `@here` and `<@id>`, `<@&role>`, `<#channel>`: Discord's markdown shows a
# backslashed one as plain text
_MENTION = re.compile(r"(?<!\\)(?:@(?=everyone|here)|<(?=[@#]))", re.IGNORECASE)


class DiscordSettings(WebhookUrlSettings):
    username: str | None = None
    avatar_url: str | None = None
    # a thread (or forum post) of the webhook's channel to post into
    thread_id: str | None = None
    # keep the incident's first message showing the current status
    edit_root: bool = False


class DiscordChannel(BaseChannel[DiscordSettings]):
    type = "discord"
    message_format = "chat"
    max_length = CONTENT_LIMIT
    # Discord allows about 30 messages a minute per channel to webhooks
    rate_per_second = 0.5
    settings_model = DiscordSettings

    @classmethod
    def settings_problems(cls, settings: DiscordSettings) -> Iterator[SettingProblem]:
        yield from webhook_url_problems(settings)
        if settings.avatar_url is not None:
            yield from check_url(settings.avatar_url, "avatar_url")
        if settings.thread_id is not None and not settings.thread_id.isdigit():
            yield SettingProblem("thread_id", "a Discord thread id is a number (a snowflake)")

    def send(self, outgoing: Outgoing) -> SendResult:
        url = webhook_target(self, self.settings)
        what = f"Discord webhook {redact_url(url)}"
        secrets = (*self.context.secrets, url)
        params = {"thread_id": self.settings.thread_id} if self.settings.thread_id else {}
        with open_client(self.timeout) as client:
            if outgoing.thread is not None and self.settings.edit_root:
                self._edit_root(client, url, params, outgoing, what, secrets)
            message = self._payload(outgoing)
            posted = self._call(
                client, "POST", url, what, secrets, json=message, params={**params, "wait": "true"}
            )
        data = json_object(posted)
        if not data.get("id"):
            raise DeliveryError(f"{what}: answered {posted.status_code} without the message")
        return SendResult(remote_id=str(data["id"]), link=message_link(data))

    def edit(self, remote_id: str, outgoing: Outgoing) -> SendResult:
        """`PATCH /webhooks/{id}/{token}/messages/{message_id}`: the message's new content."""
        url = webhook_target(self, self.settings)
        what = f"Discord webhook {redact_url(url)}"
        secrets = (*self.context.secrets, url)
        params = {"thread_id": self.settings.thread_id} if self.settings.thread_id else {}
        base, _, query = url.partition("?")
        target = f"{base}/messages/{quote(remote_id, safe='')}" + (f"?{query}" if query else "")
        body = {"content": outgoing.message.text, "allowed_mentions": NO_MENTIONS}
        with open_client(self.timeout) as client:
            edited = self._call(
                client, "PATCH", target, what, secrets, idempotent=True, json=body, params=params
            )
        return SendResult(remote_id=remote_id, link=message_link(json_object(edited)))

    def wire_payload(self, outgoing: Outgoing) -> dict[str, Any] | None:
        return self._payload(outgoing)

    def quote_value(self, text: str) -> str:
        return _MENTION.sub(lambda found: "\\" + found.group(), text)

    def _payload(self, outgoing: Outgoing) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "content": outgoing.message.text,
            "allowed_mentions": NO_MENTIONS,
        }
        if outgoing.thread is not None:
            payload["embeds"] = [_incident_embed(outgoing)]
        if self.settings.username:
            payload["username"] = self.settings.username
        if self.settings.avatar_url:
            payload["avatar_url"] = self.settings.avatar_url
        return payload

    def _edit_root(
        self,
        client: httpx.Client,
        url: str,
        params: dict[str, str],
        outgoing: Outgoing,
        what: str,
        secrets: tuple[str, ...],
    ) -> None:
        """Show the current status on the first message; done before posting the update, so a
        failure here leaves nothing posted and the whole send can be retried."""
        thread = quote(outgoing.thread or "", safe="")
        base, _, query = url.partition("?")
        target = f"{base}/messages/{thread}" + (f"?{query}" if query else "")
        embed = _incident_embed(outgoing)
        embed["description"] = status_line(outgoing.message.text)
        try:
            self._call(
                client,
                "PATCH",
                target,
                what,
                secrets,
                idempotent=True,  # an edit is safe to repeat
                json={"embeds": [embed], "allowed_mentions": NO_MENTIONS},
                params=params,
            )
        except DeliveryError as exc:
            if exc.status == 404:  # the first message was deleted: post the update anyway
                return
            raise

    def _call(
        self,
        client: httpx.Client,
        method: str,
        url: str,
        what: str,
        secrets: tuple[str, ...],
        **kwargs: Any,
    ) -> httpx.Response:
        response = exchange(self, method, url, what=what, secrets=secrets, client=client, **kwargs)
        if response.is_success:
            return response
        error = status_error(response, what, secrets, now=self.clock(), text=_detail(response))
        # Discord gives the wait in its JSON body, more precisely than in Retry-After
        wait = json_object(response).get("retry_after")
        if error.retryable and isinstance(wait, int | float) and not isinstance(wait, bool):
            error.retry_after = max(0.0, float(wait))
        raise error


def status_line(text: str) -> str:
    """The first non-empty line of a message, as short as an embed description allows."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if len(line) > EMBED_DESCRIPTION_LIMIT:
        return line[: EMBED_DESCRIPTION_LIMIT - 1] + "…"
    return line


def message_link(message: dict[str, Any]) -> str | None:
    """A jump link, when Discord says which server the message is in."""
    guild, channel, message_id = (message.get(k) for k in ("guild_id", "channel_id", "id"))
    if guild and channel and message_id:
        return f"https://discord.com/channels/{guild}/{channel}/{message_id}"
    return None


def _incident_embed(outgoing: Outgoing) -> dict[str, Any]:
    title = outgoing.incident.title or outgoing.incident_id
    if len(title) > EMBED_TITLE_LIMIT:
        title = title[: EMBED_TITLE_LIMIT - 1] + "…"
    return {"title": title, "footer": {"text": outgoing.incident_id}}


def _detail(response: httpx.Response) -> str:
    """Discord's `message`, with the first field error of an "Invalid Form Body"."""
    data = json_object(response)
    message = str(data.get("message") or response.text)
    found = _first_field_error(data.get("errors"), [])
    return f"{message} ({found})" if found else message


def _first_field_error(errors: Any, path: list[str]) -> str | None:
    if not isinstance(errors, dict):
        return None
    listed = errors.get("_errors")
    if isinstance(listed, list) and listed and isinstance(listed[0], dict):
        where = ".".join(path) or "body"
        return f"{where}: {listed[0].get('message', '')}"
    for key, value in errors.items():
        found = _first_field_error(value, [*path, str(key)])
        if found:
            return found
    return None

"""`slack`: Block Kit messages through an incoming webhook or the Web API (threaded updates).

Two modes, chosen by the settings (secrets written `${VAR}`, resolved at send time):

- Incoming webhook — `webhook_url: ${SLACK_WEBHOOK_URL}`. Simplest to set up, but Slack returns
  no message id, so updates cannot be threaded and an uncertain delivery cannot be checked.
- Web API — `bot_token: ${SLACK_BOT_TOKEN}` (scopes `chat:write`, `channels:history`,
  `groups:history`, plus `channels:read`/`groups:read` when `channel` is a `#name`) and
  `channel: C0123ABCD` (an id, or `#name`). Updates reply in the thread of the incident's
  first message, whose header is edited to show the current status. Each message carries
  metadata (`incidentctl_delivery`: incident id, delivery id) so `reconcile` can find a
  message whose response was lost. `api_base` (default `https://slack.com/api`) points
  elsewhere for tests.

Message layout: a header block (status line, ≤ 150 characters), the text in mrkdwn sections of
at most 3000 characters, and a context block with the incident id, severity and status.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from incidentctl.channels.base import (
    BaseChannel,
    ChannelSettings,
    Outgoing,
    SendResult,
    SettingProblem,
    check_url,
    redact_url,
    require_safe_url,
    scrub,
)
from incidentctl.channels.http import (
    api_base_url,
    clip,
    json_body,
    open_client,
    request,
    status_error,
    transport_error,
)
from incidentctl.channels.http import retry_after as parse_retry_after
from incidentctl.channels.secrets import SECRET
from incidentctl.errors import DeliveryError

if TYPE_CHECKING:
    import httpx

DEFAULT_API_BASE = "https://slack.com/api"
HEADER_LIMIT = 150
SECTION_LIMIT = 3000
BLOCK_LIMIT = 50
TEXT_LIMIT = 40000
HEADER_BLOCK_ID = "incidentctl_header"
CONTEXT_BLOCK_ID = "incidentctl_context"
METADATA_EVENT = "incidentctl_delivery"
# messages are looked up from this long before the incident was declared (clock skew)
RECONCILE_MARGIN = 300.0
RECONCILE_PAGES = 10
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
CHANNEL_NAME = re.compile(r"^#[a-z0-9][a-z0-9._-]{0,79}$")
# `ok: false` errors worth another attempt; the write may have happened for the uncertain ones
RETRYABLE_ERRORS = frozenset({"ratelimited", "service_unavailable", "request_timeout"})
UNCERTAIN_ERRORS = frozenset({"internal_error", "fatal_error"})


class SlackSettings(ChannelSettings):
    webhook_url: Annotated[str | None, SECRET] = None
    bot_token: Annotated[str | None, SECRET] = None
    channel: str | None = None
    api_base: str = DEFAULT_API_BASE


class SlackChannel(BaseChannel[SlackSettings]):
    type = "slack"
    message_format = "chat"
    # Slack truncates `text` beyond 40k characters; blocks are split to respect their limits
    max_length = TEXT_LIMIT
    # about one message per second per channel
    rate_per_second = 1.0
    settings_model = SlackSettings

    @classmethod
    def settings_problems(cls, settings: SlackSettings) -> Iterator[SettingProblem]:
        api = settings.bot_token is not None or settings.channel is not None
        if settings.webhook_url is not None and api:
            key = "bot_token" if settings.bot_token is not None else "channel"
            yield SettingProblem(key, "use either webhook_url or bot_token + channel, not both")
        elif settings.webhook_url is None and not api:
            yield SettingProblem("webhook_url", "set webhook_url, or bot_token and channel")
        elif api and settings.bot_token is None:
            yield SettingProblem("bot_token", "channel needs bot_token (Web API mode)")
        elif api and settings.channel is None:
            yield SettingProblem("channel", "bot_token needs a channel id (C0123ABCD) or #name")
        if settings.webhook_url is not None:
            yield from check_url(settings.webhook_url, "webhook_url")
            if "${" not in settings.webhook_url:
                yield SettingProblem(
                    "webhook_url",
                    "a Slack webhook URL is a secret: write it as ${SLACK_WEBHOOK_URL}",
                    "warning",
                )
        if settings.bot_token is not None and "${" not in settings.bot_token:
            yield SettingProblem(
                "bot_token", "a bot token is a secret: write it as ${SLACK_BOT_TOKEN}", "warning"
            )
        channel = settings.channel
        if channel is not None and "${" not in channel:
            if not (CHANNEL_ID.match(channel) or CHANNEL_NAME.match(channel)):
                yield SettingProblem(
                    "channel", f"{channel!r} is neither a channel id (C0123ABCD) nor a #name"
                )
            elif channel.startswith("#"):
                yield SettingProblem(
                    "channel",
                    "a #name costs a channel lookup to check uncertain deliveries: prefer the id",
                    "warning",
                )
        yield from check_url(settings.api_base, "api_base")

    def send(self, outgoing: Outgoing) -> SendResult:
        if self.settings.webhook_url is not None:
            return self._send_webhook(outgoing)
        with self._api() as api:
            return self._send_api(api, outgoing)

    def reconcile(self, outgoing: Outgoing) -> SendResult | None:
        """Find the message of a delivery whose response was lost (Web API mode only).

        Returns None when it is not there (safe to re-send); raises DeliveryError when Slack
        could not be asked (the delivery stays uncertain)."""
        if self.settings.webhook_url is not None:
            raise DeliveryError(
                f"channel {self.name!r}: a Slack incoming webhook cannot read messages back; "
                "check the channel by hand",
                uncertain=True,
            )
        with self._api() as api:
            channel = api.channel_id(self.resolve(self.settings.channel or "", key="channel"))
            params: dict[str, str] = {"channel": channel, "include_all_metadata": "true"}
            if outgoing.thread:
                method = "conversations.replies"
                params["ts"] = outgoing.thread
            else:
                method = "conversations.history"
                declared = epoch(outgoing.incident.get("declared_at"))
                if declared is not None:
                    params["oldest"] = f"{declared - RECONCILE_MARGIN:.6f}"
            for page in api.pages(method, params):
                for message in page.get("messages") or []:
                    if is_delivery(message, outgoing):
                        return SendResult(remote_id=str(message.get("ts")))
            return None

    # --- incoming webhook ------------------------------------------------------------------

    def wire_payload(self, outgoing: Outgoing) -> dict[str, Any] | None:
        return {"text": fallback_text(outgoing), "blocks": blocks(outgoing)}

    def _send_webhook(self, outgoing: Outgoing) -> SendResult:
        url = self.resolve(self.settings.webhook_url or "", key="webhook_url")
        require_safe_url(url, "webhook_url", self.name)
        request(
            self,
            "POST",
            url,
            what=f"slack webhook {redact_url(url)}",
            secrets=(*self.context.secrets, url),
            json={"text": fallback_text(outgoing), "blocks": blocks(outgoing)},
        )
        # no ts: incoming webhooks cannot be threaded or edited
        return SendResult()

    # --- Web API ---------------------------------------------------------------------------

    def _api(self) -> SlackApi:
        token = self.resolve(self.settings.bot_token or "", key="bot_token")
        base = api_base_url(self, self.settings.api_base)
        return SlackApi(base, token, self.timeout, self.clock, self.context.secrets)

    def _send_api(self, api: SlackApi, outgoing: Outgoing) -> SendResult:
        channel = self.resolve(self.settings.channel or "", key="channel")
        body: dict[str, Any] = {
            "channel": channel,
            "text": fallback_text(outgoing),
            "blocks": blocks(outgoing),
            "metadata": {
                "event_type": METADATA_EVENT,
                "event_payload": {
                    "incident_id": outgoing.incident_id,
                    "delivery_id": outgoing.delivery_id,
                },
            },
        }
        if outgoing.thread:
            body["thread_ts"] = outgoing.thread
        reply = api.call("chat.postMessage", body, write=True)
        ts = reply.get("ts")
        if outgoing.thread:
            # the reply went out: a failed refresh of the root's status line must not fail it
            with contextlib.suppress(DeliveryError):
                refresh_root(api, str(reply.get("channel") or channel), outgoing)
        return SendResult(remote_id=str(ts) if ts else None)


class SlackApi:
    """One httpx client for a few Web API calls; maps Slack's answers to DeliveryError."""

    def __init__(
        self,
        base: str,
        token: str,
        timeout: float,
        clock: Callable[[], float],
        secrets: set[str],
    ) -> None:
        self.base = base.rstrip("/")
        self.clock = clock
        self.secrets = (*secrets, token)
        self.client = open_client(timeout, headers={"Authorization": f"Bearer {token}"})

    def __enter__(self) -> SlackApi:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.client.close()

    def call(
        self,
        method: str,
        body: dict[str, Any] | None = None,
        *,
        params: dict[str, str] | None = None,
        write: bool = False,
    ) -> dict[str, Any]:
        """POST `body` as JSON (or GET with `params`) and return the `ok: true` document."""
        import httpx

        what = f"slack {method}"
        url = f"{self.base}/{method}"
        try:
            if body is not None:
                response = self.client.post(url, json=body)
            else:
                response = self.client.get(url, params=params)
        except httpx.HTTPError as exc:
            # a read that timed out changed nothing: safe to repeat
            raise transport_error(exc, what, self.secrets, idempotent=not write) from None
        document = json_body(response)
        if not response.is_success or not isinstance(document, dict):
            code = document.get("error") if isinstance(document, dict) else None
            raise status_error(
                response, what, self.secrets, now=self.clock(), text=str(code) if code else None
            )
        if document.get("ok"):
            return document
        return self._logical_error(what, document, response, write=write)

    def _logical_error(
        self, what: str, document: dict[str, Any], response: httpx.Response, *, write: bool
    ) -> dict[str, Any]:
        code = str(document.get("error") or "unknown_error")
        details = (document.get("response_metadata") or {}).get("messages") or []
        text = clip(scrub(" ".join([code, *map(str, details)]), self.secrets))
        message = f"{what}: {text}"
        if code in RETRYABLE_ERRORS:
            wait = parse_retry_after(response.headers.get("Retry-After"), now=self.clock())
            raise DeliveryError(message, retryable=True, retry_after=wait)
        if code in UNCERTAIN_ERRORS:
            if write:
                raise DeliveryError(message + " (it may have been posted)", uncertain=True)
            raise DeliveryError(message, retryable=True)
        raise DeliveryError(message)

    def pages(self, method: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        """Documents of a cursor-paginated read method, newest page first."""
        params = {**params, "limit": "200"}
        for _ in range(RECONCILE_PAGES):
            document = self.call(method, params=params)
            yield document
            cursor = (document.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return
            params["cursor"] = str(cursor)
        raise DeliveryError(f"slack {method}: too many pages to look through", uncertain=True)

    def channel_id(self, channel: str) -> str:
        """The id of a channel given as an id or `#name` (history methods need the id)."""
        if not channel.startswith("#"):
            return channel
        name = channel[1:]
        params = {
            "types": "public_channel,private_channel",
            "exclude_archived": "true",
        }
        for page in self.pages("conversations.list", params):
            for found in page.get("channels") or []:
                if found.get("name") == name and found.get("id"):
                    return str(found["id"])
        raise DeliveryError(f"slack: channel {channel} not found (is the app in it?)")


def refresh_root(api: SlackApi, channel: str, outgoing: Outgoing) -> None:
    """Edit the thread's first message so its header and context show the current status."""
    found = api.call(
        "conversations.replies",
        params={"channel": channel, "ts": outgoing.thread or "", "limit": "1"},
    )
    messages = found.get("messages")
    if not isinstance(messages, list) or not messages or not isinstance(messages[0], dict):
        return
    root = messages[0]
    old = root.get("blocks")
    if root.get("ts") != outgoing.thread or not isinstance(old, list):
        return
    fresh = {HEADER_BLOCK_ID: header_block(outgoing), CONTEXT_BLOCK_ID: context_block(outgoing)}
    ours = [isinstance(block, dict) and block.get("block_id") in fresh for block in old]
    if not any(ours):
        return  # not a message incidentctl laid out
    new = [
        fresh[block["block_id"]] if mine else block for block, mine in zip(old, ours, strict=True)
    ]
    if new == old:
        return
    text = root.get("text") if isinstance(root.get("text"), str) else ""
    api.call(
        "chat.update", {"channel": channel, "ts": outgoing.thread, "text": text, "blocks": new}
    )


# --- layout ------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Slack's mrkdwn needs `&`, `<` and `>` escaped (this also stops stray `<!channel>`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def status_line(outgoing: Outgoing) -> str:
    """The header: the rendered subject if the channel has one, else title and status."""
    title = str(outgoing.incident.get("title") or outgoing.incident_id)
    line = outgoing.message.subject or f"{title} — {outgoing.stage.value}"
    return shorten(" ".join(line.split()), HEADER_LIMIT) or outgoing.incident_id


def header_block(outgoing: Outgoing) -> dict[str, Any]:
    return {
        "type": "header",
        "block_id": HEADER_BLOCK_ID,
        "text": {"type": "plain_text", "text": status_line(outgoing), "emoji": True},
    }


def context_block(outgoing: Outgoing) -> dict[str, Any]:
    severity = outgoing.incident.get("severity") or "?"
    line = f"*{outgoing.incident_id}* · severity {severity} · status {outgoing.stage.value}"
    return {
        "type": "context",
        "block_id": CONTEXT_BLOCK_ID,
        "elements": [{"type": "mrkdwn", "text": shorten(escape(line), SECTION_LIMIT)}],
    }


def blocks(outgoing: Outgoing) -> list[dict[str, Any]]:
    """Header, the text in sections of at most 3000 characters, context — at most 50 blocks."""
    sections = split_text(escape(outgoing.message.text), SECTION_LIMIT)
    room = BLOCK_LIMIT - 2
    if len(sections) > room:
        sections = [*sections[: room - 1], shorten(sections[room - 1], SECTION_LIMIT)]
    return [
        header_block(outgoing),
        *({"type": "section", "text": {"type": "mrkdwn", "text": s}} for s in sections),
        context_block(outgoing),
    ]


def fallback_text(outgoing: Outgoing) -> str:
    """The `text` notifications and old clients show."""
    text = escape(outgoing.message.text).strip() or escape(status_line(outgoing))
    return shorten(text, TEXT_LIMIT)


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: safe_cut(text, limit - 1)].rstrip() + "…"


def safe_cut(text: str, at: int) -> int:
    """`at`, moved back so it does not split an `&amp;`-style entity."""
    amp = text.rfind("&", max(0, at - 5), at)
    if amp != -1 and ";" not in text[amp:at]:
        return amp
    return at


def split_text(text: str, limit: int) -> list[str]:
    """Chunks of at most `limit` characters, cut at paragraph, line or word breaks if possible."""
    chunks: list[str] = []
    rest = text.strip()
    while rest:
        if len(rest) <= limit:
            chunks.append(rest)
            break
        window = rest[:limit]
        cut = skip = 0
        for separator in ("\n\n", "\n", " "):
            at = window.rfind(separator)
            if at >= limit // 2:
                cut, skip = at, len(separator)
                break
        else:
            cut = safe_cut(rest, limit) or limit
        chunk = rest[:cut].rstrip()
        if chunk:
            chunks.append(chunk)
        rest = rest[cut + skip :].lstrip("\n")
    return chunks


# --- reconciliation ----------------------------------------------------------------------------


def is_delivery(message: dict[str, Any], outgoing: Outgoing) -> bool:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != METADATA_EVENT:
        return False
    payload = metadata.get("event_payload") or {}
    return (
        str(payload.get("delivery_id")) == str(outgoing.delivery_id)
        and str(payload.get("incident_id")) == outgoing.incident_id
        and bool(message.get("ts"))
    )


def epoch(value: object) -> float | None:
    """Unix seconds of an ISO 8601 string or datetime (naive means UTC), else None."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()

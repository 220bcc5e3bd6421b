"""The Slack Web API: one client for a few calls, posting a message with its delivery metadata,
refreshing a thread's first message, and finding a delivery whose answer was lost."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from incidentctl.channels.base import Outgoing, SendResult
from incidentctl.channels.http import json_body, open_client, status_error, transport_error
from incidentctl.channels.http import retry_after as parse_retry_after
from incidentctl.channels.redaction import scrub_line
from incidentctl.channels.slack.layout import (
    CONTEXT_BLOCK_ID,
    HEADER_BLOCK_ID,
    context_block,
    header_block,
    message,
)
from incidentctl.errors import DeliveryError

if TYPE_CHECKING:
    import httpx

METADATA_EVENT = "incidentctl_delivery"
# messages are looked up from this long before the incident was declared (clock skew)
RECONCILE_MARGIN = 300.0
RECONCILE_PAGES = 10
# `ok: false` errors worth another attempt; the write may have happened for the uncertain ones
RETRYABLE_ERRORS = frozenset({"ratelimited", "service_unavailable", "request_timeout"})
UNCERTAIN_ERRORS = frozenset({"internal_error", "fatal_error"})


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
        text = scrub_line(" ".join([code, *map(str, details)]), self.secrets)
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


def post_message(api: SlackApi, channel: str, outgoing: Outgoing) -> SendResult:
    """`chat.postMessage`, in the thread of the incident's first message for an update (whose
    status line is then refreshed); the message carries metadata that `find_delivery` reads."""
    body: dict[str, Any] = {
        "channel": channel,
        **message(outgoing),
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


def edit_message(api: SlackApi, channel: str, ts: str, outgoing: Outgoing) -> SendResult:
    """`chat.update` of the message `ts` with the message of `outgoing` (Slack wants the
    channel's id there, not its `#name`)."""
    body = {"channel": api.channel_id(channel), "ts": ts, **message(outgoing)}
    reply = api.call("chat.update", body, write=True)
    return SendResult(remote_id=str(reply.get("ts") or ts))


def find_delivery(api: SlackApi, channel: str, outgoing: Outgoing) -> SendResult | None:
    """The message of `outgoing` as the channel's history (or its thread) shows it, or None."""
    params: dict[str, str] = {"channel": api.channel_id(channel), "include_all_metadata": "true"}
    if outgoing.thread:
        method = "conversations.replies"
        params["ts"] = outgoing.thread
    else:
        method = "conversations.history"
        declared = epoch(outgoing.incident.declared_at)
        params["oldest"] = f"{declared - RECONCILE_MARGIN:.6f}"
    for page in api.pages(method, params):
        for found in page.get("messages") or []:
            if is_delivery(found, outgoing):
                return SendResult(remote_id=str(found.get("ts")))
    return None


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


def epoch(value: datetime) -> float:
    """Unix seconds of a datetime (naive means UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()

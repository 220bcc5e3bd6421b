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
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from incidentctl.channels.base import (
    BaseChannel,
    ChannelSettings,
    DeliveryError,
    Outgoing,
    SendResult,
    SettingProblem,
    check_url,
    is_loopback,
    redact_url,
    require_safe_url,
)
from incidentctl.channels.webhook import (
    resolve_secret,
    status_error,
    transport_error,
    validated,
)
from incidentctl.core.models import RenderedMessage
from incidentctl.playbook.env import references

if TYPE_CHECKING:
    import httpx

# Teams refuses messages over 28 KB; we count the JSON payload's bytes
PAYLOAD_LIMIT = 28 * 1024
CARD_TYPE = "application/vnd.microsoft.card.adaptive"


class TeamsSettings(ChannelSettings):
    url: str
    # replaces the webhook URL's scheme and host (tests, proxies); path and query are kept
    api_base: str | None = None


class TeamsChannel(BaseChannel):
    type = "teams"
    message_format = "chat"
    max_length = 28000
    settings_model = TeamsSettings
    settings: TeamsSettings

    @classmethod
    def check_settings(cls, settings: Any) -> Iterator[SettingProblem]:
        settings = yield from validated(TeamsSettings, settings)
        if settings is not None:
            yield from webhook_url_problems(settings.url, settings.api_base)

    def measure(self, message: RenderedMessage) -> int:
        return len(encode(card_payload(message.subject or "", message.text)))

    def send(self, outgoing: Outgoing) -> SendResult:
        import httpx

        url = webhook_target(self, self.settings.url, self.settings.api_base)
        title = outgoing.message.subject or str(outgoing.incident.get("title") or "")
        body = encode(card_payload(title, outgoing.message.text))
        if len(body) > PAYLOAD_LIMIT:
            raise DeliveryError(
                f"message is {len(body)} bytes as a card; Teams accepts at most {PAYLOAD_LIMIT}"
            )
        what = f"Teams webhook {redact_url(url)}"
        secrets = (*self.context.secrets, url)
        headers = {"Content-Type": "application/json"}
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
                response = client.post(url, content=body, headers=headers)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise transport_error(exc, what, secrets) from None
        if not response.is_success:
            raise status_error(response, what, secrets, now=time.time(), text=_detail(response))
        # Workflows answer 202 without a message id: nothing to thread under
        return SendResult()


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
    try:
        data = response.json()
    except ValueError:
        data = None
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or error.get("code") or "")
    if isinstance(error, str):
        return error
    return response.text


# --- webhook URL settings, also used by discord.py and mattermost.py ------------------------


def webhook_url_problems(url: str, api_base: str | None) -> Iterator[SettingProblem]:
    """A literal webhook URL is a secret in the playbook, unless it points at this machine."""
    if not references(url):
        yield from check_url(url, "url")
        if not is_loopback(urlsplit(url).hostname or ""):
            yield SettingProblem("url", "write the webhook URL as ${ENV_VAR}: it is a secret")
    if api_base is not None:
        yield from check_url(api_base, "api_base")


def webhook_target(channel: BaseChannel, url_setting: str, api_base: str | None) -> str:
    """The resolved webhook URL; `api_base` replaces its scheme and host (tests, proxies)."""
    url = resolve_secret(channel.context, url_setting, key="url")
    require_safe_url(url, "url", channel.name)
    if api_base is None:
        return url
    base = channel.context.resolve(api_base, key="api_base", secret=False)
    require_safe_url(base, "api_base", channel.name)
    parts = urlsplit(url)
    return base.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")

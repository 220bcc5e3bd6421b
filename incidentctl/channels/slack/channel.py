"""`slack`: Block Kit messages through an incoming webhook or the Web API (threaded updates).

Two modes, chosen by the settings (secrets written `${VAR}`, resolved at send time):

- Incoming webhook — `webhook_url: ${SLACK_WEBHOOK_URL}`. Simplest to set up, but Slack returns
  no message id, so updates cannot be threaded and an uncertain delivery cannot be checked.
  The URL is the whole endpoint: `api_base` is refused in this mode.
- Web API — `bot_token: ${SLACK_BOT_TOKEN}` (scopes `chat:write`, `channels:history`,
  `groups:history`, plus `channels:read`/`groups:read` when `channel` is a `#name`) and
  `channel: C0123ABCD` (an id, or `#name`). Updates reply in the thread of the incident's
  first message, whose header is edited to show the current status. Each message carries
  metadata (`incidentctl_delivery`: incident id, delivery id) so `reconcile` can find a
  message whose response was lost. `api_base` (default `https://slack.com/api`) points
  elsewhere for tests.

Message layout (`layout.py`): a header block (status line, ≤ 150 characters), the text in mrkdwn
sections of at most 3000 characters, and a context block with the incident id, severity and
status. The transports are `webhook.py` and `api.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

from incidentctl.channels.base import (
    BaseChannel,
    ChannelSettings,
    Outgoing,
    SendResult,
    SettingProblem,
    check_url,
)
from incidentctl.channels.http import api_base_url
from incidentctl.channels.secrets import SECRET
from incidentctl.channels.slack.api import SlackApi, edit_message, find_delivery, post_message
from incidentctl.channels.slack.layout import TEXT_LIMIT, message
from incidentctl.channels.slack.webhook import post_webhook
from incidentctl.errors import DeliveryError

DEFAULT_API_BASE = "https://slack.com/api"
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
CHANNEL_NAME = re.compile(r"^#[a-z0-9][a-z0-9._-]{0,79}$")


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
    # a chat update may go out of the thread (with a warning) rather than wait
    needs_thread = False
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
        if settings.webhook_url is not None and "api_base" in settings.model_fields_set:
            yield SettingProblem(
                "api_base",
                "api_base is the Web API's address (bot_token + channel); an incoming webhook "
                "posts to webhook_url as written: remove api_base, or point webhook_url elsewhere",
            )
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
            url = self.resolve(self.settings.webhook_url, key="webhook_url")
            return post_webhook(self, url, outgoing)
        with self._api() as api:
            return post_message(api, self._channel(), outgoing)

    def edit(self, remote_id: str, outgoing: Outgoing) -> SendResult:
        """Replace a message sent through the Web API (a webhook's messages have no id)."""
        if self.settings.webhook_url is not None:
            raise DeliveryError(
                f"channel {self.name!r}: a Slack incoming webhook cannot edit a message",
                retryable=False,
            )
        with self._api() as api:
            return edit_message(api, self._channel(), remote_id, outgoing)

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
            return find_delivery(api, self._channel(), outgoing)

    def wire_payload(self, outgoing: Outgoing) -> dict[str, Any] | None:
        return message(outgoing)

    def _api(self) -> SlackApi:
        token = self.resolve(self.settings.bot_token or "", key="bot_token")
        base = api_base_url(self, self.settings.api_base)
        return SlackApi(base, token, self.timeout, self.clock, self.context.secrets)

    def _channel(self) -> str:
        return self.resolve(self.settings.channel or "", key="channel")

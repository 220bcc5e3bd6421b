"""`mattermost`: a post through a Mattermost incoming webhook (Slack-compatible body).

The webhook answers 200 `ok` without a post id, so updates are new posts (no threading).

Settings: `url` — the webhook URL, e.g. `${MATTERMOST_WEBHOOK_URL}` (a secret); `channel`,
`username`, `icon_url` — optional, honoured only when the webhook allows overriding them;
`api_base` — optional, replaces the URL's scheme and host. A post is at most 16383 characters.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from incidentctl.channels.base import (
    BaseChannel,
    ChannelSettings,
    Outgoing,
    SendResult,
    SettingProblem,
    check_url,
    redact_url,
)
from incidentctl.channels.teams import webhook_target, webhook_url_problems
from incidentctl.channels.webhook import status_error, transport_error, validated

if TYPE_CHECKING:
    import httpx

# Mattermost's post size limit, in characters
POST_LIMIT = 16383


class MattermostSettings(ChannelSettings):
    url: str
    # replaces the webhook URL's scheme and host (tests, proxies); path and query are kept
    api_base: str | None = None
    # a channel name (`town-square`) or `@user`; else the webhook's own channel
    channel: str | None = None
    username: str | None = None
    icon_url: str | None = None


class MattermostChannel(BaseChannel):
    type = "mattermost"
    message_format = "chat"
    max_length = POST_LIMIT
    settings_model = MattermostSettings
    settings: MattermostSettings

    @classmethod
    def check_settings(cls, settings: Any) -> Iterator[SettingProblem]:
        settings = yield from validated(MattermostSettings, settings)
        if settings is None:
            return
        yield from webhook_url_problems(settings.url, settings.api_base)
        if settings.icon_url is not None:
            yield from check_url(settings.icon_url, "icon_url")
        if settings.channel is not None and settings.channel.startswith("#"):
            yield SettingProblem("channel", "name the channel without '#' (its URL name)")

    def send(self, outgoing: Outgoing) -> SendResult:
        import httpx

        url = webhook_target(self, self.settings.url, self.settings.api_base)
        what = f"Mattermost webhook {redact_url(url)}"
        secrets = (*self.context.secrets, url)
        body: dict[str, Any] = {"text": outgoing.message.text}
        for key in ("channel", "username", "icon_url"):
            value = getattr(self.settings, key)
            if value:
                body[key] = value
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
                response = client.post(url, json=body)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise transport_error(exc, what, secrets) from None
        if not response.is_success:
            raise status_error(response, what, secrets, now=time.time(), text=_detail(response))
        return SendResult()


def _detail(response: httpx.Response) -> str:
    """Mattermost answers errors as JSON (`{"id", "message", "detailed_error"}`)."""
    try:
        data = response.json()
    except ValueError:
        return response.text
    if isinstance(data, dict) and data.get("message"):
        detail = str(data.get("detailed_error") or "")
        return f"{data['message']} ({detail})" if detail else str(data["message"])
    return response.text

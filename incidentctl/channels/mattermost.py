"""`mattermost`: a post through a Mattermost incoming webhook (Slack-compatible body).

The webhook answers 200 `ok` without a post id, so updates are new posts (no threading).
Mentions in a title, a message or any value a template prints never notify anyone: a zero-width
joiner follows the `@` of `@here`, `@channel`, `@all`, `@name` and the `<` of the Slack-style
`<!channel>` and `<@user>` the webhook would expand (Mattermost ends a word there); mentions
written in the template itself stay live.

Settings: `url` — the webhook URL, e.g. `${MATTERMOST_WEBHOOK_URL}` (a secret); `channel`,
`username`, `icon_url` — optional, honoured only when the webhook allows overriding them;
`api_base` — optional, replaces the URL's scheme and host. A post is at most 16383 characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

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
    json_object,
    request,
    webhook_target,
    webhook_url_problems,
)

if TYPE_CHECKING:
    import httpx

# Mattermost's post size limit, in characters
POST_LIMIT = 16383
# Mattermost splits words at any character that is not a letter, digit or one of `:.-_@`: a
# zero-width joiner cuts `@here` into `@` and `here`. An `@` inside a word (an e-mail address)
# is no mention and stays as it is.
JOINER = "\u200d"
_MENTION = re.compile(r"(?<!\w)@(?=\w)|<(?=[!@#])")


class MattermostSettings(WebhookUrlSettings):
    # a channel name (`town-square`) or `@user`; else the webhook's own channel
    channel: str | None = None
    username: str | None = None
    icon_url: str | None = None


class MattermostChannel(BaseChannel[MattermostSettings]):
    type = "mattermost"
    message_format = "chat"
    max_length = POST_LIMIT
    settings_model = MattermostSettings

    @classmethod
    def settings_problems(cls, settings: MattermostSettings) -> Iterator[SettingProblem]:
        yield from webhook_url_problems(settings)
        if settings.icon_url is not None:
            yield from check_url(settings.icon_url, "icon_url")
        if settings.channel is not None and settings.channel.startswith("#"):
            yield SettingProblem("channel", "name the channel without '#' (its URL name)")

    def quote_value(self, text: str) -> str:
        return quiet_mentions(text)

    def send(self, outgoing: Outgoing) -> SendResult:
        url = webhook_target(self, self.settings)
        body: dict[str, Any] = {"text": outgoing.message.text}
        for key in ("channel", "username", "icon_url"):
            value = getattr(self.settings, key)
            if value:
                body[key] = value
        request(
            self,
            "POST",
            url,
            what=f"Mattermost webhook {redact_url(url)}",
            secrets=(*self.context.secrets, url),
            detail=_detail,
            json=body,
        )
        return SendResult()


def quiet_mentions(text: str) -> str:
    """`text` with no mention Mattermost would notify: `@here` → `@\u200dhere`."""
    return _MENTION.sub(lambda found: found.group() + JOINER, text)


def _detail(response: httpx.Response) -> str:
    """Mattermost answers errors as JSON (`{"id", "message", "detailed_error"}`)."""
    data = json_object(response)
    if data.get("message"):
        detail = str(data.get("detailed_error") or "")
        return f"{data['message']} ({detail})" if detail else str(data["message"])
    return response.text

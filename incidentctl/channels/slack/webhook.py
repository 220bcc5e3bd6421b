"""Slack incoming webhooks: the simplest set-up, but Slack returns no message id, so updates
cannot be threaded and an uncertain delivery cannot be checked."""

from __future__ import annotations

from typing import Any

from incidentctl.channels.base import (
    BaseChannel,
    Outgoing,
    SendResult,
    redact_url,
    require_safe_url,
)
from incidentctl.channels.http import request
from incidentctl.channels.slack.layout import message


def post_webhook(channel: BaseChannel[Any], url: str, outgoing: Outgoing) -> SendResult:
    """Post the message to the resolved webhook `url` (refused unless safe)."""
    require_safe_url(url, "webhook_url", channel.name)
    request(
        channel,
        "POST",
        url,
        what=f"slack webhook {redact_url(url)}",
        secrets=(*channel.context.secrets, url),
        json=message(outgoing),
    )
    # no ts: incoming webhooks cannot be threaded or edited
    return SendResult()

"""Channel types by name. Built-ins are imported lazily; plugins come from an entry-point group."""

from __future__ import annotations

import importlib
import importlib.util
from functools import cache
from importlib.metadata import entry_points

from incidentctl.channels.base import Channel

ENTRY_POINT_GROUP = "incidentctl.channels"

# type name -> "module:Class"; imported only when a playbook uses the type
BUILTIN_CHANNELS: dict[str, str] = {
    "outbox": "incidentctl.channels.outbox:OutboxChannel",
    "console": "incidentctl.channels.console:ConsoleChannel",
    "webhook": "incidentctl.channels.webhook:WebhookChannel",
    "slack": "incidentctl.channels.slack:SlackChannel",
    "teams": "incidentctl.channels.teams:TeamsChannel",
    "discord": "incidentctl.channels.discord:DiscordChannel",
    "mattermost": "incidentctl.channels.mattermost:MattermostChannel",
    "sendgrid": "incidentctl.channels.sendgrid:SendGridChannel",
    "twitter": "incidentctl.channels.twitter:TwitterChannel",
    "sms": "incidentctl.channels.sms:SmsChannel",
    "statuspage": "incidentctl.channels.statuspage:StatuspageChannel",
    "pagerduty": "incidentctl.channels.pagerduty:PagerDutyChannel",
}


@cache
def _plugins() -> dict[str, str]:
    found: dict[str, str] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep.value)
    return found


def known_types() -> list[str]:
    return sorted(set(_available_builtins()) | set(_plugins()))


@cache
def _module_exists(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _available_builtins() -> dict[str, str]:
    # a built-in whose module is not written yet is not offered
    return {
        name: target
        for name, target in BUILTIN_CHANNELS.items()
        if _module_exists(target.split(":")[0])
    }


def channel_type(name: str) -> type[Channel] | None:
    """The class implementing channel type `name`, or None when no such type is known."""
    # only this type's module is looked for: finding every built-in's costs a lint ~1 ms
    target = BUILTIN_CHANNELS.get(name)
    if target is None or not _module_exists(target.split(":")[0]):
        target = _plugins().get(name)
    if target is None:
        return None
    module_name, _, attr = target.partition(":")
    cls: type[Channel] = getattr(importlib.import_module(module_name), attr)
    return cls

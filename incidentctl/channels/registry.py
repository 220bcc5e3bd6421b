"""Channel types by name: a typed table of the built-ins, and plugins from an entry-point group.

Each built-in has a loader that imports its module only when a playbook uses the type (`--help`
and `list` import no channel module), and whose return type makes mypy check the class against
the `ChannelType` protocol (and so its instances against `Channel`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from incidentctl.channels.base import ChannelType

ENTRY_POINT_GROUP = "incidentctl.channels"


def _files() -> ChannelType:
    from incidentctl.channels.files import FileChannel

    return FileChannel


def _console() -> ChannelType:
    from incidentctl.channels.console import ConsoleChannel

    return ConsoleChannel


def _webhook() -> ChannelType:
    from incidentctl.channels.webhook import WebhookChannel

    return WebhookChannel


def _slack() -> ChannelType:
    from incidentctl.channels.slack.channel import SlackChannel

    return SlackChannel


def _teams() -> ChannelType:
    from incidentctl.channels.teams import TeamsChannel

    return TeamsChannel


def _discord() -> ChannelType:
    from incidentctl.channels.discord import DiscordChannel

    return DiscordChannel


def _mattermost() -> ChannelType:
    from incidentctl.channels.mattermost import MattermostChannel

    return MattermostChannel


def _sendgrid() -> ChannelType:
    from incidentctl.channels.email.sendgrid import SendGridChannel

    return SendGridChannel


def _twitter() -> ChannelType:
    from incidentctl.channels.twitter import TwitterChannel

    return TwitterChannel


def _sms() -> ChannelType:
    from incidentctl.channels.sms.channel import SmsChannel

    return SmsChannel


def _statuspage() -> ChannelType:
    from incidentctl.channels.statuspage import StatuspageChannel

    return StatuspageChannel


def _pagerduty() -> ChannelType:
    from incidentctl.channels.pagerduty import PagerDutyChannel

    return PagerDutyChannel


def _statussite() -> ChannelType:
    from incidentctl.channels.statussite import StatusSiteChannel

    return StatusSiteChannel


# type name (as written in playbooks) -> loader of the class implementing it
BUILTIN_CHANNELS: dict[str, Callable[[], ChannelType]] = {
    "outbox": _files,
    "console": _console,
    "webhook": _webhook,
    "slack": _slack,
    "teams": _teams,
    "discord": _discord,
    "mattermost": _mattermost,
    "sendgrid": _sendgrid,
    "twitter": _twitter,
    "sms": _sms,
    "statuspage": _statuspage,
    "pagerduty": _pagerduty,
    "statussite": _statussite,
}


@cache
def _plugins() -> dict[str, str]:
    """Type name -> "module:Class" of the installed plugins (a built-in name wins)."""
    # importlib.metadata (12 ms, with the e-mail parser it reads metadata with) only when a
    # name is not a built-in's, which a playbook of built-in types never asks
    from importlib.metadata import entry_points

    found: dict[str, str] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep.value)
    return found


def known_types() -> list[str]:
    return sorted(set(BUILTIN_CHANNELS) | set(_plugins()))


def channel_type(name: str) -> ChannelType | None:
    """The class implementing channel type `name`, or None when no such type is known."""
    loader = BUILTIN_CHANNELS.get(name)
    if loader is not None:
        return loader()
    target = _plugins().get(name)
    if target is None:
        return None
    from importlib.metadata import EntryPoint

    # a plugin is not type-checked here: it is whatever its entry point names
    cls: ChannelType = EntryPoint(name, target, ENTRY_POINT_GROUP).load()
    return cls

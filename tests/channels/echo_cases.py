"""Every HTTP channel type aimed at an echoing server, with random canary secrets.

Each secret is built from random hex chunks (`Canaries.chunk`), so a leak is found by looking
for the chunks — in any encoding a service may echo them, since percent-, JSON- and
HTML-escaping leave letters and digits as they are — and for the base64 forms a Basic auth
header takes (`Canaries.fingerprints`). The short password is looked for in each encoding.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from incidentctl.channels.base import BaseChannel
from incidentctl.channels.discord import DiscordChannel
from incidentctl.channels.email.sendgrid import SendGridChannel
from incidentctl.channels.mattermost import MattermostChannel
from incidentctl.channels.pagerduty import PagerDutyChannel
from incidentctl.channels.slack.channel import SlackChannel
from incidentctl.channels.sms.channel import SmsChannel
from incidentctl.channels.statuspage import StatuspageChannel
from incidentctl.channels.teams import TeamsChannel
from incidentctl.channels.twitter import TwitterChannel
from incidentctl.channels.webhook import WebhookChannel
from tests.channels.fakes.echo_server import ENCODERS

# an unresolvable host (RFC 2606); `offline_dns` makes resolving it fail without asking anyone
DNS_FAILURE_ROOT = "https://nonexistent.invalid"
# channel types that send nothing over the network: no service can echo anything to them (a
# `statussite` publish command's output is scrubbed like a service's error text: test_site)
OFFLINE_TYPES = frozenset({"outbox", "console", "statussite"})


@dataclass
class Canaries:
    """Distinctive random secrets, one set per test session."""

    chunks: list[str] = field(default_factory=list)
    short: list[str] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)

    def chunk(self, size: int = 6) -> str:
        value = secrets.token_hex(size)
        self.chunks.append(value)
        return value

    def digits(self, count: int) -> str:
        value = "".join(secrets.choice("123456789") for _ in range(count))
        self.chunks.append(value)
        return value

    def short_secret(self) -> str:
        # five characters: redacted only where it stands alone (`redaction.ANYWHERE`)
        value = "p~" + "".join(secrets.choice("BCDFGHJKLMNPQRSTVWXZ") for _ in range(3))
        self.short.append(value)
        return value

    def basic(self, user: str, password: str) -> None:
        self.pairs.append((user, password))

    def fingerprints(self) -> set[str]:
        """What must appear nowhere: each chunk, each form of each short secret, and the base64
        of each `user:password` pair (a Basic auth header), padded or not."""
        found = set(self.chunks)
        for value in self.short:
            found.update(encode(value) for encode in ENCODERS.values())
            found.add(quote(value, safe=""))
        for user, password in self.pairs:
            encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
            found.update({encoded, encoded.rstrip("=")})
        return found

    def leaks(self, text: str) -> list[str]:
        """The fingerprints that `text` contains (empty: nothing leaked)."""
        return sorted(f for f in self.fingerprints() if f in text)


CANARY = Canaries()


def _url_pieces() -> dict[str, str]:
    c = CANARY
    return {
        "user": f"ops-{c.chunk()}",
        "password": c.short_secret(),
        "hook": f"T{c.chunk(4)}",
        "token": f"{c.chunk()}-{c.chunk()}",
        # a query value percent-encoded in the URL: `/`, `+` and `=` as %2F, %2B, %3D
        "query": f"{c.chunk()}%2F{c.chunk()}%2B{c.chunk()}%3D",
    }


URL = _url_pieces()
CANARY.basic(URL["user"], URL["password"])
SLACK_WEBHOOK = f"/services/T{CANARY.chunk(4)}/B{CANARY.chunk(4)}/{CANARY.chunk(12)}"
SLACK_TOKEN = f"xoxb-{CANARY.digits(12)}-{CANARY.chunk(12)}"
TEAMS_PATH = (
    f"/workflows/{CANARY.chunk(16)}/triggers/manual/paths/invoke?api-version=2016-06-01"
    f"&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={CANARY.chunk(10)}%2B{CANARY.chunk(10)}%3D"
)
DISCORD_PATH = f"/api/webhooks/{CANARY.digits(18)}/{CANARY.chunk(16)}_{CANARY.chunk(16)}"
MATTERMOST_PATH = f"/hooks/{CANARY.chunk(13)}"
SENDGRID_KEY = f"SG.{CANARY.chunk(11)}.{CANARY.chunk(21)}"
X_CREDENTIALS = {
    "X_CONSUMER_KEY": CANARY.chunk(12),
    "X_CONSUMER_SECRET": CANARY.chunk(24),
    "X_ACCESS_TOKEN": f"{CANARY.digits(10)}-{CANARY.chunk(16)}",
    "X_ACCESS_TOKEN_SECRET": CANARY.chunk(22),
}
TWILIO_SID = f"AC{CANARY.chunk(16)}"
TWILIO_TOKEN = CANARY.chunk(16)
CANARY.basic(TWILIO_SID, TWILIO_TOKEN)
PHONE = f"+336{CANARY.digits(8)}"
STATUSPAGE_KEY = CANARY.chunk(18)
PAGERDUTY_KEY = CANARY.chunk(16)
WEBHOOK_SECRET = f"whsec_{CANARY.chunk(16)}"
WEBHOOK_KEY = CANARY.chunk(14)


def webhook_url(root: str) -> str:
    """The webhook's URL under `root`: a user and short password, tokens in path and query."""
    scheme, _, host = root.partition("://")
    path = f"/hooks/{URL['hook']}/B0/{URL['token']}"
    query = f"?token={URL['query']}&api-version=2016-06-01&page=2"
    return f"{scheme}://{URL['user']}:{URL['password']}@{host}{path}{query}"


# (environment, settings laid over the case's) that point a channel at a server root URL
Aim = Callable[[str], tuple[dict[str, str], dict[str, Any]]]


@dataclass(frozen=True)
class EchoCase:
    id: str  # the channel's name in the playbook
    type: str
    cls: type[BaseChannel[Any]]
    options: dict[str, Any]  # as the playbook writes them: secrets as ${VAR}
    aim: Aim

    def __str__(self) -> str:
        return self.id


def _api_base(variable_env: dict[str, str], suffix: str = "") -> Aim:
    return lambda root: (dict(variable_env), {"api_base": root + suffix})


def _url_in(variable: str, path: str) -> Aim:
    return lambda root: ({variable: root + path}, {})


CASES = [
    EchoCase(
        "webhook",
        "webhook",
        WebhookChannel,
        {
            "url": "${WEBHOOK_URL}",
            "secret": "${WEBHOOK_SECRET}",
            "headers": {"X-Api-Key": "${WEBHOOK_KEY}", "X-Team": "sre"},
        },
        lambda root: (
            {
                "WEBHOOK_URL": webhook_url(root),
                "WEBHOOK_SECRET": WEBHOOK_SECRET,
                "WEBHOOK_KEY": WEBHOOK_KEY,
            },
            {},
        ),
    ),
    EchoCase(
        "slack-webhook",
        "slack",
        SlackChannel,
        {"webhook_url": "${SLACK_WEBHOOK_URL}"},
        _url_in("SLACK_WEBHOOK_URL", SLACK_WEBHOOK),
    ),
    EchoCase(
        "slack-api",
        "slack",
        SlackChannel,
        {"bot_token": "${SLACK_BOT_TOKEN}", "channel": "C0INCIDENT"},
        _api_base({"SLACK_BOT_TOKEN": SLACK_TOKEN}, "/api"),
    ),
    EchoCase(
        "teams",
        "teams",
        TeamsChannel,
        {"url": "${TEAMS_WEBHOOK_URL}"},
        _url_in("TEAMS_WEBHOOK_URL", TEAMS_PATH),
    ),
    EchoCase(
        "discord",
        "discord",
        DiscordChannel,
        {"url": "${DISCORD_WEBHOOK_URL}"},
        _url_in("DISCORD_WEBHOOK_URL", DISCORD_PATH),
    ),
    EchoCase(
        "mattermost",
        "mattermost",
        MattermostChannel,
        {"url": "${MATTERMOST_WEBHOOK_URL}"},
        _url_in("MATTERMOST_WEBHOOK_URL", MATTERMOST_PATH),
    ),
    EchoCase(
        "sendgrid",
        "sendgrid",
        SendGridChannel,
        {
            "api_key": "${SENDGRID_API_KEY}",
            "from_email": "status@example.com",
            "to": ["alice@example.com"],
        },
        _api_base({"SENDGRID_API_KEY": SENDGRID_KEY}),
    ),
    EchoCase(
        "twitter",
        "twitter",
        TwitterChannel,
        {key.removeprefix("X_").lower(): f"${{{key}}}" for key in X_CREDENTIALS},
        _api_base(X_CREDENTIALS),
    ),
    EchoCase(
        "sms",
        "sms",
        SmsChannel,
        {
            "account_sid": "${TWILIO_ACCOUNT_SID}",
            "auth_token": "${TWILIO_AUTH_TOKEN}",
            "from_number": "+15005550006",
            "to": ["${ONCALL_PHONE}"],
        },
        _api_base(
            {
                "TWILIO_ACCOUNT_SID": TWILIO_SID,
                "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
                "ONCALL_PHONE": PHONE,
            }
        ),
    ),
    EchoCase(
        "statuspage",
        "statuspage",
        StatuspageChannel,
        {"api_key": "${STATUSPAGE_API_KEY}", "page_id": "pg123", "components": {"api": "cmp_api"}},
        _api_base({"STATUSPAGE_API_KEY": STATUSPAGE_KEY}, "/v1"),
    ),
    EchoCase(
        "pagerduty",
        "pagerduty",
        PagerDutyChannel,
        {"routing_key": "${PAGERDUTY_ROUTING_KEY}"},
        _api_base({"PAGERDUTY_ROUTING_KEY": PAGERDUTY_KEY}),
    ),
]


def covered_types(cases: Iterable[EchoCase] = CASES) -> set[str]:
    return {case.type for case in cases}

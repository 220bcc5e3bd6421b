"""What every HTTP channel type does alike, tested once over a table of its types.

Each `Case` builds one channel type through its real client library (httpx, sendgrid, tweepy)
pointed at its fake server, names the fault-injection knobs that fake has, and gives the outcome
where types legitimately differ: PagerDuty's dedup key makes a timeout retryable, Statuspage also
rate-limits with 420, X gives its wait in `x-rate-limit-reset`, Twilio and SendGrid (no
idempotency key) call a connection dropped before the answer uncertain, Twilio sends one request
per recipient. What only one type does (threading, reconciliation, batching, layout, segments…)
stays in its test_<type>.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from incidentctl.channels.base import BaseChannel, Outgoing
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
from incidentctl.errors import DeliveryError, MissingSecret
from incidentctl.model.records import RenderedMessage
from tests.channels.fakes import discord_server, mattermost_server, slack_server, teams_server
from tests.channels.fakes import sendgrid_server as sendgrid
from tests.channels.fakes import twilio_server as twilio
from tests.channels.fakes import x_server as x
from tests.channels.fakes.base_server import (
    FakeServer,
    ManualClock,
    Reply,
    build_channel,
    closed_port_url,
    make_outgoing,
)
from tests.channels.fakes.pagerduty_server import ROUTING_KEY, PagerDutyServer
from tests.channels.fakes.statuspage_server import API_KEY as STATUSPAGE_KEY
from tests.channels.fakes.statuspage_server import StatuspageServer
from tests.channels.fakes.webhook_server import HOOK_TOKEN, PATH, SECRET, WebhookReceiver

RETRYABLE = (True, False)  # (retryable, uncertain)
UNCERTAIN = (False, True)
HANG, TIMEOUT = 2.0, 0.3  # the fake answers after HANG seconds, the client gives up at TIMEOUT
ALICE, BOB = "+33612345678", "+14155550123"


@dataclass(frozen=True)
class Aim:
    """Environment and settings that point a channel somewhere; `|` lays one over another."""

    env: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)

    def __or__(self, other: Aim) -> Aim:
        return Aim({**self.env, **other.env}, {**self.options, **other.options})


@dataclass(frozen=True)
class Fault:
    """A retryable answer: `reply` scripted with `fail_next`, or None for the fake's own rate
    limit (reached by sending once first); the `status` and `retry_after` the error carries,
    and `text` it contains."""

    reply: Reply | None
    status: int | None
    retry_after: float | None = None
    text: str = ""


@dataclass(frozen=True)
class Rejection:
    """A final answer built from the running fake; the error keeps `text` and `status`."""

    reply: Callable[[Any], Reply]
    status: int
    text: str


@dataclass(frozen=True)
class WrongCredential:
    """A wrong secret over the right ones (`aim` of the fake's root URL) and how it is refused."""

    aim: Callable[[str], Aim]
    leaked: str  # the wrong secret itself: never shown
    status: int | None
    text: str


@dataclass(frozen=True)
class TooLong:
    """A message over `max_length` as the type measures it, refused before sending (`status`
    None) or by the service with `status`; the error contains `fragment`."""

    text: str
    fragment: str
    status: int | None = None


@dataclass(frozen=True)
class Lint:
    """`check_settings` over the case's settings with one (key, value) laid over them."""

    literal: tuple[str, str]  # a secret written into the playbook is a problem at its key…
    level: str  # …of this level, whose message does not show…
    hidden: str = ""  # …this part of the secret (default: all of it)
    # an http:// URL to a public host is an error at its key (default: the case's public
    # api_base)
    plain_http: tuple[str, str] | None = None
    plain_http_also: tuple[tuple[str, str], ...] = ()  # more (key, level) problems it causes
    loopback: tuple[str, str] | None = ("api_base", "http://127.0.0.1:9")  # no problem
    unknown: str = "colour"  # a key the type does not have


def rate_limited(body: Any, seconds: str) -> tuple[Fault, Fault]:
    """A 429 with `body` and a Retry-After of `seconds`, and one without a Retry-After."""
    return (
        Fault(Reply(429, body, {"Retry-After": seconds}), 429, float(seconds)),
        Fault(Reply(429, body), 429),
    )


def server_errors(body: Any, *statuses: int, retry_after: str = "") -> tuple[Fault, ...]:
    """Answers of these statuses with `body` (a function of the status, or the same for all)."""
    headers = {"Retry-After": retry_after} if retry_after else {}
    wait = float(retry_after) if retry_after else None
    return tuple(
        Fault(Reply(status, body(status) if callable(body) else body, dict(headers)), status, wait)
        for status in statuses
    )


def url_in(variable: str, path: str) -> Callable[[str], Aim]:
    """For a type whose webhook URL is the secret: `variable` holds the root plus `path`."""
    return lambda base: Aim({variable: base + path})


def delay_next(fake: FakeServer, seconds: float) -> None:
    fake.delay_next(seconds)


def accept_slowly(fake: Any, seconds: float) -> None:
    fake.accept_slowly = seconds


def respond_late(fake: Any, seconds: float) -> None:
    fake.respond_late(seconds)


@dataclass(frozen=True)
class Case:
    """One channel type: how to build it against its fake, and what it answers to each fault."""

    id: str  # also the channel's name
    cls: type[BaseChannel[Any]]
    fake: Callable[[], FakeServer]
    options: dict[str, Any]  # the documented settings, secrets as ${VAR}
    aim: Callable[[str], Aim]  # env and settings pointing the channel at a server root URL
    secrets: tuple[str, ...]  # never in an error text
    missing: tuple[str, str]  # a variable the settings use, and the key that uses it
    wrong: WrongCredential
    public: Aim  # over `aim`: the same secrets sent to a public host over plain http
    held: Callable[[Any], int]  # how many messages the fake holds
    rate_limits: tuple[Fault, ...]
    server_errors: tuple[Fault, ...]
    rejections: tuple[Rejection, ...]
    lint: Lint
    hang: Callable[[Any, float], None] = delay_next  # the fake's knob for answering late
    timeout: tuple[bool, bool] = UNCERTAIN
    timeout_text: str = "may have accepted"
    # for a retryable timeout: after a re-send the fake shows the message once
    deduped: Callable[[Any], bool] | None = None
    dropped: tuple[bool, bool] = RETRYABLE  # the connection closed before an answer
    too_long: TooLong | None = None
    clock: float | None = None  # frozen unix time, for waits given as a reset time
    status_text: str = "HTTP {status}"  # how its errors name an HTTP status

    def __str__(self) -> str:
        return self.id


def x_fake() -> x.XFake:
    # the fake builds its OpenAPI validator on first use (~0.7 s): not while a client waits
    x.request_validator()
    return x.XFake()


def slack_held(fake: Any) -> int:
    return len(fake.channels[fake.webhook_channel].messages)


SLACK_SECRETS = (slack_server.TOKEN, slack_server.WEBHOOK_PATH, "fakewebhooksecret42")

CASES = [
    Case(
        id="webhook",
        cls=WebhookChannel,
        fake=lambda: WebhookReceiver(required_headers={"Authorization": f"Bearer {HOOK_TOKEN}"}),
        options={
            "url": "${WEBHOOK_URL}",
            "secret": "${WEBHOOK_SECRET}",
            "headers": {"Authorization": "Bearer ${HOOK_TOKEN}", "X-Team": "sre"},
        },
        aim=lambda base: Aim(
            {"WEBHOOK_URL": base + PATH, "WEBHOOK_SECRET": SECRET, "HOOK_TOKEN": HOOK_TOKEN}
        ),
        secrets=(SECRET, HOOK_TOKEN, PATH, "fake-path-token-99"),
        missing=("HOOK_TOKEN", "headers.Authorization"),
        wrong=WrongCredential(
            lambda _: Aim({"HOOK_TOKEN": "hook-wrong-token-456"}),
            "hook-wrong-token-456",
            403,
            "missing or wrong authorization header",
        ),
        public=Aim({"WEBHOOK_URL": "http://hooks.example.com" + PATH}),
        held=lambda fake: len(fake.accepted),
        rate_limits=rate_limited("slow down", "7"),
        server_errors=(
            Fault(Reply(500, "boom"), 500),
            Fault(Reply(503, "maintenance", {"Retry-After": "30"}), 503, 30.0),
        ),
        rejections=(
            Rejection(
                lambda fake: Reply(
                    400, f"bad signature for {SECRET} at {fake.hook_url} token {HOOK_TOKEN}"
                ),
                400,
                "bad signature",
            ),
            Rejection(lambda _: Reply(400, {"error": "unknown field"}), 400, "unknown field"),
            Rejection(lambda _: Reply(404, "no such hook"), 404, "no such hook"),
        ),
        lint=Lint(
            ("secret", "whsec-literal-value-1"),
            "warning",
            plain_http=("url", "http://hooks.example.com" + PATH),
            loopback=("url", "http://127.0.0.1:8080/x"),
        ),
    ),
    Case(
        id="discord",
        cls=DiscordChannel,
        fake=discord_server.DiscordServer,
        options={"url": "${DISCORD_WEBHOOK_URL}"},
        aim=url_in(
            "DISCORD_WEBHOOK_URL",
            f"/api/webhooks/{discord_server.WEBHOOK_ID}/{discord_server.TOKEN}",
        ),
        secrets=(discord_server.TOKEN,),
        missing=("DISCORD_WEBHOOK_URL", "url"),
        wrong=WrongCredential(
            url_in(
                "DISCORD_WEBHOOK_URL",
                f"/api/webhooks/{discord_server.WEBHOOK_ID}/leaked-token-123456",
            ),
            "leaked-token-123456",
            401,
            "Invalid Webhook Token",
        ),
        public=Aim(options={"api_base": "http://discord.example.com"}),
        held=lambda fake: len(fake.messages),
        rate_limits=(
            # Discord's body gives the wait more precisely than Retry-After
            Fault(
                Reply(429, {"message": "You are being rate limited.", "retry_after": 1.5}), 429, 1.5
            ),
            Fault(Reply(429, {"message": "Slow"}, {"Retry-After": "3"}), 429, 3.0),
            Fault(Reply(429, "Too Many Requests"), 429),
        ),
        server_errors=server_errors("oops", 500, 502),
        rejections=(
            Rejection(
                lambda fake: Reply(
                    400, {"message": f"Invalid Form Body for {fake.webhook_url}", "code": 50035}
                ),
                400,
                "Invalid Form Body for ***",
            ),
        ),
        too_long=TooLong(
            "x" * 2001, "Invalid Form Body (content: Must be 2000 or fewer in length.)", 400
        ),
        lint=Lint(
            ("url", f"https://discord.com/api/webhooks/1/{discord_server.TOKEN}"),
            "error",
            hidden=discord_server.TOKEN,
        ),
    ),
    Case(
        id="mattermost",
        cls=MattermostChannel,
        fake=mattermost_server.MattermostServer,
        options={"url": "${MATTERMOST_WEBHOOK_URL}"},
        aim=url_in("MATTERMOST_WEBHOOK_URL", f"/hooks/{mattermost_server.HOOK_KEY}"),
        secrets=(mattermost_server.HOOK_KEY,),
        missing=("MATTERMOST_WEBHOOK_URL", "url"),
        wrong=WrongCredential(
            url_in("MATTERMOST_WEBHOOK_URL", "/hooks/wronghookkey98765"),
            "wronghookkey98765",
            400,
            "Invalid webhook.",
        ),
        public=Aim(
            {
                "MATTERMOST_WEBHOOK_URL": f"http://chat.example.com/hooks/{mattermost_server.HOOK_KEY}"
            }
        ),
        held=lambda fake: len(fake.posts),
        rate_limits=rate_limited({"message": "Too many requests."}, "4"),
        server_errors=server_errors("Bad gateway", 500, 503),
        rejections=(
            Rejection(
                lambda fake: Reply(
                    400,
                    {
                        "message": "Unable to parse incoming data.",
                        "detailed_error": fake.webhook_url,
                    },
                ),
                400,
                "Unable to parse incoming data. (***)",
            ),
        ),
        too_long=TooLong(
            "x" * 16384, "Invalid Message. (message length is 16384, the maximum is 16383)", 400
        ),
        lint=Lint(
            ("url", f"https://chat.example.com/hooks/{mattermost_server.HOOK_KEY}"),
            "error",
            hidden=mattermost_server.HOOK_KEY,
            plain_http=("api_base", "http://chat.example.com"),
        ),
    ),
    Case(
        id="teams",
        cls=TeamsChannel,
        fake=teams_server.TeamsServer,
        options={"url": "${TEAMS_WEBHOOK_URL}"},
        aim=url_in(
            "TEAMS_WEBHOOK_URL",
            f"{teams_server.WORKFLOW_PATH}?api-version=1&sig={teams_server.SIGNATURE}",
        ),
        secrets=(teams_server.SIGNATURE, teams_server.WORKFLOW_PATH),
        missing=("TEAMS_WEBHOOK_URL", "url"),
        wrong=WrongCredential(
            url_in("TEAMS_WEBHOOK_URL", f"{teams_server.WORKFLOW_PATH}?sig=leakedsig987654321"),
            "leakedsig987654321",
            401,
            "The request must be authorized.",
        ),
        public=Aim(
            {
                "TEAMS_WEBHOOK_URL": (
                    f"http://teams.example.com{teams_server.WORKFLOW_PATH}"
                    f"?sig={teams_server.SIGNATURE}"
                )
            }
        ),
        held=lambda fake: len(fake.cards),
        rate_limits=rate_limited({"error": {"code": "429", "message": "Rate limit"}}, "12"),
        server_errors=server_errors("busy", 500, 503),
        rejections=(
            Rejection(
                lambda fake: Reply(
                    400,
                    {
                        "error": {
                            "code": "InvalidTemplate",
                            "message": "The template validation failed: 'attachments' is "
                            f"required. ({fake.webhook_url})",
                        }
                    },
                ),
                400,
                "The template validation failed: 'attachments' is required.",
            ),
        ),
        too_long=TooLong("x" * teams_server.PAYLOAD_LIMIT, "28672"),
        lint=Lint(
            ("url", "https://x.logic.azure.com/workflows/1?sig=literalsig0123"),
            "error",
            hidden="literalsig0123",
            plain_http=("api_base", "http://proxy.example.com"),
            loopback=("url", "http://127.0.0.1:8080/hook"),
        ),
    ),
    Case(
        id="pagerduty",
        cls=PagerDutyChannel,
        fake=PagerDutyServer,
        options={"routing_key": "${PAGERDUTY_ROUTING_KEY}"},
        aim=lambda base: Aim({"PAGERDUTY_ROUTING_KEY": ROUTING_KEY}, {"api_base": base}),
        secrets=(ROUTING_KEY,),
        missing=("PAGERDUTY_ROUTING_KEY", "routing_key"),
        wrong=WrongCredential(
            lambda _: Aim({"PAGERDUTY_ROUTING_KEY": "short-key-value"}),
            "short-key-value",
            400,
            "Event object is invalid: Length of 'routing_key' is incorrect "
            "(should be 32 characters)",
        ),
        public=Aim(options={"api_base": "http://events.example.com"}),
        held=lambda fake: len(fake.alerts),
        rate_limits=rate_limited({"status": "throttle event", "message": "Too many"}, "30"),
        server_errors=server_errors("Internal Server Error", 500, 503),
        rejections=(
            Rejection(
                lambda _: Reply(400, {"message": f"unknown key {ROUTING_KEY}", "errors": []}),
                400,
                "unknown key ***",
            ),
        ),
        # the dedup key makes re-sending an event whose answer was lost harmless
        timeout=RETRYABLE,
        deduped=lambda fake: len(fake.alerts) == 1 and len(fake.alerts[0].log) == 2,
        lint=Lint(("routing_key", ROUTING_KEY), "error"),
    ),
    Case(
        id="statuspage",
        cls=StatuspageChannel,
        fake=lambda: StatuspageServer(api_key=STATUSPAGE_KEY, clock=ManualClock()),
        options={
            "api_key": "${STATUSPAGE_API_KEY}",
            "page_id": "pg123",
            "components": {"checkout": "cmp_checkout", "api": "cmp_api"},
        },
        aim=lambda base: Aim({"STATUSPAGE_API_KEY": STATUSPAGE_KEY}, {"api_base": base + "/v1"}),
        secrets=(STATUSPAGE_KEY,),
        missing=("STATUSPAGE_API_KEY", "api_key"),
        wrong=WrongCredential(
            lambda _: Aim({"STATUSPAGE_API_KEY": "sp-wrong-key-secret-value"}),
            "sp-wrong-key-secret-value",
            401,
            "Couldn't authenticate you",
        ),
        public=Aim(options={"api_base": "http://status.example.com/v1"}),
        held=lambda fake: len(fake.incidents),
        rate_limits=(
            # the fake allows one request per second per key, as Statuspage does, and answers 420
            Fault(None, 420, text="Rate limit exceeded"),
            *rate_limited({"error": "Too many requests"}, "7"),
        ),
        server_errors=server_errors("upstream trouble", 500, 502, 503, retry_after="2"),
        rejections=(
            Rejection(
                lambda _: Reply(400, {"error": f"token {STATUSPAGE_KEY} is malformed"}),
                400,
                "token *** is malformed",
            ),
        ),
        too_long=TooLong("x" * 25001, "Body is too long (maximum is 25000 characters)", 422),
        lint=Lint(("api_key", "literal-key"), "error"),
    ),
    Case(
        id="twitter",
        cls=TwitterChannel,
        fake=x_fake,
        options=x.OPTIONS,
        aim=lambda base: Aim(x.ENV, {"api_base": base}),
        secrets=tuple(x.CREDENTIALS.values()),
        missing=("X_ACCESS_TOKEN_SECRET", "access_token_secret"),
        wrong=WrongCredential(
            lambda _: Aim({"X_CONSUMER_SECRET": "cs-wrong-secret-42"}),
            "cs-wrong-secret-42",
            401,
            "X refused the credentials (401)",
        ),
        public=Aim(options={"api_base": "http://x.example.com"}),
        held=lambda fake: len(fake.posts),
        rate_limits=(
            Fault(
                Reply(
                    429,
                    x.problem(429, "Too Many Requests", "Too Many Requests"),
                    {"x-rate-limit-reset": "1700000042"},
                ),
                429,
                42.0,
                "X rate limit reached",
            ),
        ),
        server_errors=server_errors(
            lambda status: x.problem(status, "Service Unavailable", "over capacity"), 500, 503
        ),
        rejections=(
            Rejection(
                lambda _: Reply(
                    403,
                    x.problem(403, "Forbidden", "You are not permitted to perform this action."),
                ),
                403,
                "You are not permitted to perform this action.",
            ),
            Rejection(
                lambda _: Reply(
                    400,
                    {"errors": [{"message": f"token {x.CREDENTIALS['access_token']} is revoked"}]},
                ),
                400,
                "token *** is revoked",
            ),
        ),
        hang=accept_slowly,
        timeout_text="may have been published",
        too_long=TooLong("a" * 279 + "🔥", "281 weighted characters"),
        clock=1_700_000_000.0,
        status_text="({status})",
        lint=Lint(("consumer_secret", "literal-consumer-secret"), "warning"),
    ),
    Case(
        id="sms",
        cls=SmsChannel,
        fake=twilio.TwilioFake,
        options={
            "account_sid": "${TWILIO_ACCOUNT_SID}",
            "auth_token": "${TWILIO_AUTH_TOKEN}",
            "from_number": "+15005550006",
            "to": [ALICE],
        },
        aim=lambda base: Aim(
            {"TWILIO_ACCOUNT_SID": twilio.ACCOUNT_SID, "TWILIO_AUTH_TOKEN": twilio.AUTH_TOKEN},
            {"api_base": base},
        ),
        # phone numbers are personal data: errors show them masked
        secrets=(twilio.ACCOUNT_SID, twilio.AUTH_TOKEN, ALICE, BOB),
        missing=("TWILIO_AUTH_TOKEN", "auth_token"),
        # one request per recipient: the second number is not tried with the same credentials
        wrong=WrongCredential(
            lambda _: Aim({"TWILIO_AUTH_TOKEN": "wrong-token-424242"}, {"to": [ALICE, BOB]}),
            "wrong-token-424242",
            401,
            "20003: Authenticate",
        ),
        public=Aim(options={"api_base": "http://twilio.example.com"}),
        held=lambda fake: len(fake.messages),
        rate_limits=(
            Fault(
                Reply(
                    429, twilio.twilio_error(429, 20429, "Too Many Requests"), {"Retry-After": "3"}
                ),
                429,
                3.0,
                "20429: Too Many Requests",
            ),
        ),
        server_errors=server_errors(
            lambda status: twilio.twilio_error(status, 20500, "Internal Server Error"), 500, 503
        ),
        rejections=(
            Rejection(
                lambda _: Reply(
                    400,
                    twilio.twilio_error(
                        400, 21601, f"Invalid request for {twilio.ACCOUNT_SID}:{twilio.AUTH_TOKEN}"
                    ),
                ),
                400,
                "21601: Invalid request for ***:***",
            ),
        ),
        hang=accept_slowly,
        timeout_text="the SMS may have been sent",
        # Twilio has no idempotency key: a message whose answer was lost may have gone out
        dropped=UNCERTAIN,
        too_long=TooLong("a" * 1601, "1601 characters"),
        clock=1_000_000.0,
        status_text="Twilio HTTP {status}",
        lint=Lint(("auth_token", "literal-token"), "warning"),
    ),
    Case(
        id="sendgrid",
        cls=SendGridChannel,
        fake=sendgrid.SendGridFake,
        options={
            "api_key": "${SENDGRID_API_KEY}",
            "from_email": "status@example.com",
            "from_name": "Example Status",
            "to": ["alice@example.com"],
        },
        aim=lambda base: Aim({"SENDGRID_API_KEY": sendgrid.API_KEY}, {"api_base": base}),
        secrets=(sendgrid.API_KEY,),
        missing=("SENDGRID_API_KEY", "api_key"),
        wrong=WrongCredential(
            lambda _: Aim({"SENDGRID_API_KEY": "SG.wrong-key-9876543210"}),
            "SG.wrong-key-9876543210",
            401,
            "authorization grant is invalid",
        ),
        public=Aim(options={"api_base": "http://api.sendgrid.example.com"}),
        # one recipient: the number of recipients reached is the number of messages
        held=lambda fake: fake.recipients,
        rate_limits=(
            *rate_limited(sendgrid.errors(("too many requests", None)), "7"),
            # the end of SendGrid's rate-limit window, against the frozen clock
            Fault(Reply(429, {"errors": []}, {"X-RateLimit-Reset": "1000030"}), 429, 30.0),
        ),
        server_errors=server_errors(sendgrid.errors(("internal error", None)), 500, 502, 503),
        rejections=(
            Rejection(
                lambda _: Reply(
                    400,
                    sendgrid.errors(
                        ("The from address does not match a verified Sender Identity.", "from"),
                        (f"The key {sendgrid.API_KEY} lacks a permission.", None),
                    ),
                ),
                400,
                "does not match a verified Sender Identity. (from); The key *** lacks",
            ),
        ),
        hang=accept_slowly,
        # Mail Send has no idempotency key: an e-mail whose answer was lost may have gone out
        dropped=UNCERTAIN,
        clock=1_000_000.0,
        status_text="sendgrid: HTTP {status}",
        lint=Lint(("api_key", "SG.literal-key-1"), "warning"),
    ),
    Case(
        id="slack-webhook",
        cls=SlackChannel,
        fake=slack_server.SlackServer,
        options={"webhook_url": "${SLACK_WEBHOOK_URL}"},
        aim=url_in("SLACK_WEBHOOK_URL", slack_server.WEBHOOK_PATH),
        secrets=SLACK_SECRETS,
        missing=("SLACK_WEBHOOK_URL", "webhook_url"),
        wrong=WrongCredential(
            url_in("SLACK_WEBHOOK_URL", "/services/T0/B0/wrongsecret77"),
            "wrongsecret77",
            404,
            "no_service",
        ),
        public=Aim({"SLACK_WEBHOOK_URL": "http://hooks.slack.com" + slack_server.WEBHOOK_PATH}),
        held=slack_held,
        rate_limits=rate_limited("rate_limited", "4"),
        server_errors=(
            *server_errors("internal_error", 500),
            *server_errors("service_unavailable", 503),
        ),
        rejections=(
            Rejection(
                lambda fake: Reply(400, f"invalid_payload for {fake.webhook_url}"),
                400,
                "invalid_payload for ***",
            ),
        ),
        hang=respond_late,
        lint=Lint(
            ("webhook_url", "https://hooks.slack.com/services/T/B/literalhook1"),
            "warning",
            hidden="literalhook1",
            plain_http=("webhook_url", "http://hooks.slack.com" + slack_server.WEBHOOK_PATH),
            # a literal Slack webhook URL is also a secret in the playbook
            plain_http_also=(("webhook_url", "warning"),),
            loopback=None,
            unknown="username",
        ),
    ),
    Case(
        id="slack-api",
        cls=SlackChannel,
        fake=slack_server.SlackServer,
        options={"bot_token": "${SLACK_BOT_TOKEN}", "channel": "C0INCIDENT"},
        aim=lambda base: Aim({"SLACK_BOT_TOKEN": slack_server.TOKEN}, {"api_base": base + "/api"}),
        secrets=SLACK_SECRETS,
        missing=("SLACK_BOT_TOKEN", "bot_token"),
        # Slack answers logical errors with 200 `{"ok": false, "error": ...}`: no status
        wrong=WrongCredential(
            lambda _: Aim({"SLACK_BOT_TOKEN": "xoxb-revoked-token"}),
            "xoxb-revoked-token",
            None,
            "invalid_auth",
        ),
        public=Aim(options={"api_base": "http://slack.example.com/api"}),
        held=slack_held,
        rate_limits=(
            Fault(
                Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "3"}), 429, 3.0
            ),
            Fault(
                Reply(200, {"ok": False, "error": "ratelimited"}, {"Retry-After": "2"}), None, 2.0
            ),
        ),
        server_errors=(
            Fault(Reply(200, {"ok": False, "error": "service_unavailable"}), None),
            *server_errors("upstream down", 503),
        ),
        rejections=(
            Rejection(
                lambda _: Reply(400, f"bad header Bearer {slack_server.TOKEN}"),
                400,
                "bad header Bearer ***",
            ),
        ),
        hang=respond_late,
        lint=Lint(
            ("bot_token", "xoxb-literal"),
            "warning",
            loopback=("api_base", "http://127.0.0.1:9/api"),
        ),
    ),
]

each_case = pytest.mark.parametrize("case", CASES, ids=str)


@pytest.fixture
def fake(case: Case) -> Iterator[Any]:
    with case.fake() as server:
        yield server


def channel(case: Case, tmp_path: Path, aim: Aim, *, timeout: float = 5.0) -> BaseChannel[Any]:
    """The case's channel with its settings and `aim` laid over them."""
    clock: Callable[[], float] | float = time.time if case.clock is None else case.clock
    options = {**case.options, **aim.options}
    return build_channel(
        case.cls, options, dict(aim.env), tmp_path, name=case.id, timeout=timeout, clock=clock
    )


def failure(sender: BaseChannel[Any]) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        sender.send(message())
    return caught.value


def message() -> Outgoing:
    return make_outgoing(subject="Checkout errors in EU")


def assert_hidden(case: Case, error: Exception, *more: str) -> None:
    for secret in (*case.secrets, *more):
        assert secret not in str(error)
        assert secret not in getattr(error, "message", "")


def assert_status(case: Case, error: DeliveryError, status: int | None) -> None:
    assert error.status == status
    if status is not None:
        assert case.status_text.format(status=status) in error.message


@each_case
def test_sends_through_its_fake(case: Case, fake: Any, tmp_path: Path) -> None:
    channel(case, tmp_path, case.aim(fake.url)).send(message())

    assert case.held(fake) == 1


@each_case
def test_missing_variable_is_named_and_nothing_is_sent(
    case: Case, fake: Any, tmp_path: Path
) -> None:
    variable, key = case.missing
    aim = case.aim(fake.url)
    env = {name: value for name, value in aim.env.items() if name != variable}
    with pytest.raises(MissingSecret) as caught:
        channel(case, tmp_path, Aim(env, aim.options)).send(message())

    text = str(caught.value)
    assert variable in text
    assert f"channel {case.id!r} key {key!r}" in text
    assert_hidden(case, caught.value)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("case", "fault"),
    [
        pytest.param(case, fault, id=f"{case}-{kind}{index}")
        for case in CASES
        for kind, faults in (("rate-limit", case.rate_limits), ("5xx", case.server_errors))
        for index, fault in enumerate(faults, 1)
    ],
)
def test_rate_limits_and_server_errors_are_retryable(
    case: Case, fault: Fault, fake: Any, tmp_path: Path
) -> None:
    sender = channel(case, tmp_path, case.aim(fake.url))
    if fault.reply is None:
        sender.send(message())  # the next request is over the fake's rate
    else:
        fake.fail_next(fault.reply)
    error = failure(sender)

    assert (error.retryable, error.uncertain) == RETRYABLE
    assert error.retry_after == fault.retry_after
    assert_status(case, error, fault.status)
    assert fault.text in error.message
    assert_hidden(case, error)


@pytest.mark.parametrize(
    ("case", "rejection"),
    [
        pytest.param(case, rejection, id=f"{case}-{rejection.status}-{index}")
        for case in CASES
        for index, rejection in enumerate(case.rejections, 1)
    ],
)
def test_rejected_request_carries_the_service_text_without_secrets(
    case: Case, rejection: Rejection, fake: Any, tmp_path: Path
) -> None:
    fake.fail_next(rejection.reply(fake))
    error = failure(channel(case, tmp_path, case.aim(fake.url)))

    assert (error.retryable, error.uncertain) == (False, False)
    assert_status(case, error, rejection.status)
    assert rejection.text in error.message
    assert_hidden(case, error)


@each_case
def test_wrong_credential_is_final_and_never_shown(case: Case, fake: Any, tmp_path: Path) -> None:
    wrong = case.wrong
    error = failure(channel(case, tmp_path, case.aim(fake.url) | wrong.aim(fake.url)))

    assert (error.retryable, error.uncertain) == (False, False)
    assert_status(case, error, wrong.status)
    assert wrong.text in error.message
    assert_hidden(case, error, wrong.leaked)
    assert len(fake.requests) == 1  # tried once: the same credential would fail again
    assert case.held(fake) == 0


@each_case
def test_hang_past_the_timeout(case: Case, fake: Any, tmp_path: Path) -> None:
    case.hang(fake, HANG)
    error = failure(channel(case, tmp_path, case.aim(fake.url), timeout=TIMEOUT))

    assert (error.retryable, error.uncertain) == case.timeout
    assert case.timeout_text in error.message
    assert_hidden(case, error)
    assert case.held(fake) == 1  # the service did take it: a blind re-send could repeat it
    if case.timeout == RETRYABLE:
        assert case.deduped is not None, "a retryable timeout needs a service that dedupes"
        channel(case, tmp_path, case.aim(fake.url)).send(message())
        assert case.deduped(fake)


@each_case
def test_connection_dropped_before_an_answer(case: Case, fake: Any, tmp_path: Path) -> None:
    fake.fail_next(Reply(drop=True))
    error = failure(channel(case, tmp_path, case.aim(fake.url)))

    assert (error.retryable, error.uncertain) == case.dropped
    assert error.retry_after is None
    assert_hidden(case, error)


@each_case
def test_connection_refused_is_retryable(case: Case, tmp_path: Path) -> None:
    error = failure(channel(case, tmp_path, case.aim(closed_port_url())))

    assert (error.retryable, error.uncertain) == RETRYABLE
    assert_hidden(case, error)


@each_case
def test_plain_http_off_loopback_is_refused(case: Case, fake: Any, tmp_path: Path) -> None:
    error = failure(channel(case, tmp_path, case.aim(fake.url) | case.public))

    assert not error.retryable
    assert "http:// is refused" in error.message
    assert_hidden(case, error)
    assert fake.requests == []


@pytest.mark.parametrize("case", [c for c in CASES if c.too_long is not None], ids=str)
def test_message_over_max_length(case: Case, fake: Any, tmp_path: Path) -> None:
    assert case.too_long is not None and case.cls.max_length is not None
    sender = channel(case, tmp_path, case.aim(fake.url))
    text = case.too_long.text
    assert sender.measure(RenderedMessage(text=text)) > case.cls.max_length
    with pytest.raises(DeliveryError) as caught:
        sender.send(make_outgoing(text))

    error = caught.value
    assert not error.retryable
    assert case.too_long.fragment in error.message
    assert error.status == case.too_long.status
    if case.too_long.status is None:
        assert fake.requests == []  # refused before sending


def problems(case: Case, key: str, value: Any, *hidden: str) -> list[tuple[str, str]]:
    """(key, level) of what `check_settings` finds with `key` set to `value`; no message shows
    a secret of the case or `hidden`."""
    found = list(case.cls.check_settings({**case.options, key: value}))
    for problem in found:
        for secret in (*case.secrets, *hidden):
            assert secret not in problem.message
    return [(p.key, p.level) for p in found]


@each_case
def test_check_settings_accepts_the_documented_settings(case: Case) -> None:
    assert list(case.cls.check_settings(case.options)) == []


@each_case
def test_check_settings_flags_a_literal_secret_without_showing_it(case: Case) -> None:
    key, value = case.lint.literal
    assert problems(case, key, value, case.lint.hidden or value) == [(key, case.lint.level)]


@each_case
def test_check_settings_refuses_plain_http_off_loopback(case: Case) -> None:
    lint = case.lint
    key, url = lint.plain_http or ("api_base", case.public.options["api_base"])
    assert problems(case, key, url) == [(key, "error"), *lint.plain_http_also]
    if lint.loopback is not None:
        assert problems(case, *lint.loopback) == []


@each_case
def test_check_settings_refuses_an_unknown_key(case: Case) -> None:
    assert problems(case, case.lint.unknown, "x") == [(case.lint.unknown, "error")]

"""The `slack` channel, both modes, against a fake Slack on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from incidentctl.channels.base import Outgoing
from incidentctl.channels.slack.channel import SlackChannel
from incidentctl.channels.slack.layout import split_text
from incidentctl.errors import DeliveryError
from incidentctl.model.records import Stage
from tests.channels.fakes.base_server import (
    Reply,
    Request,
    build_channel,
    make_outgoing,
)
from tests.channels.fakes.slack_server import TOKEN, WEBHOOK_PATH, SlackServer

CHANNEL = "C0INCIDENT"


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with SlackServer() as server:
        yield server


def webhook_channel(slack: SlackServer, tmp_path: Path) -> SlackChannel:
    options = {"webhook_url": "${SLACK_WEBHOOK_URL}"}
    env = {"SLACK_WEBHOOK_URL": slack.webhook_url}
    return build_channel(SlackChannel, options, env, tmp_path, name="slack", timeout=2.0)


def api_channel(
    slack: SlackServer, tmp_path: Path, *, channel: str = CHANNEL, timeout: float = 2.0
) -> SlackChannel:
    options = {"bot_token": "${SLACK_BOT_TOKEN}", "channel": channel, "api_base": slack.api_base}
    env = {"SLACK_BOT_TOKEN": TOKEN}
    return build_channel(SlackChannel, options, env, tmp_path, name="slack", timeout=timeout)


def messages(slack: SlackServer, channel: str = CHANNEL) -> list[dict[str, Any]]:
    return slack.channels[channel].messages


def texts(blocks: list[dict[str, Any]], kind: str) -> list[str]:
    found = [b for b in blocks if b["type"] == kind]
    if kind == "context":
        return [e["text"] for b in found for e in b["elements"]]
    return [b["text"]["text"] for b in found]


def assert_no_secrets(text: str) -> None:
    for secret in (TOKEN, WEBHOOK_PATH, "fakewebhooksecret42"):
        assert secret not in text


# --- incoming webhook ------------------------------------------------------------------------


def test_webhook_posts_blocks(slack: SlackServer, tmp_path: Path) -> None:
    outgoing = make_outgoing("Payments fail for some <EU> customers & we are on it.")
    result = webhook_channel(slack, tmp_path).send(outgoing)

    assert result.remote_id is None and result.link is None
    (message,) = messages(slack)
    assert message["text"] == "Payments fail for some &lt;EU&gt; customers &amp; we are on it."
    blocks = message["blocks"]
    assert [b["type"] for b in blocks] == ["header", "section", "context"]
    assert texts(blocks, "header") == ["Checkout errors in EU — investigating"]
    assert texts(blocks, "section") == [message["text"]]
    (context,) = texts(blocks, "context")
    assert "INC-20250101-001" in context and "sev1" in context and "investigating" in context


def test_subject_becomes_the_header_and_is_cut_at_150(slack: SlackServer, tmp_path: Path) -> None:
    webhook_channel(slack, tmp_path).send(make_outgoing(subject="Panne " * 40))
    (header,) = texts(messages(slack)[0]["blocks"], "header")
    assert len(header) == 150 and header.endswith("…")


def test_long_text_is_split_into_sections(slack: SlackServer, tmp_path: Path) -> None:
    paragraphs = [f"Paragraph {i}: " + "word " * 300 for i in range(8)]  # ~12k characters
    webhook_channel(slack, tmp_path).send(make_outgoing("\n\n".join(paragraphs)))

    sections = texts(messages(slack)[0]["blocks"], "section")
    assert len(sections) >= 5
    assert all(0 < len(s) <= 3000 for s in sections)
    assert all(s.startswith("Paragraph") for s in sections)  # cut at paragraph breaks
    assert " ".join(" ".join(sections).split()) == " ".join(" ".join(paragraphs).split())


def test_split_never_cuts_an_entity() -> None:
    escaped = "&amp;" * 1000  # no break anywhere
    chunks = split_text(escaped, 3000)
    assert all(len(c) <= 3000 for c in chunks)
    assert all(c.startswith("&amp;") and c.endswith("&amp;") for c in chunks)
    assert "".join(chunks) == escaped


def test_text_at_max_length_fits_the_block_limit(slack: SlackServer, tmp_path: Path) -> None:
    text = "<" * SlackChannel.max_length  # escaping makes it four times longer
    webhook_channel(slack, tmp_path).send(make_outgoing(text))
    (message,) = messages(slack)
    assert len(message["blocks"]) == 50
    assert len(message["text"]) <= 40000


@pytest.mark.parametrize(
    ("code", "status"),
    [("channel_not_found", 404), ("channel_is_archived", 410), ("invalid_token", 403)],
)
def test_webhook_permanent_errors(
    slack: SlackServer, tmp_path: Path, code: str, status: int
) -> None:
    slack.webhook_error = code
    with pytest.raises(DeliveryError) as caught:
        webhook_channel(slack, tmp_path).send(make_outgoing())
    error = caught.value
    assert (error.retryable, error.uncertain, error.status) == (False, False, status)
    assert error.message.endswith(f"HTTP {status} {code}")
    assert_no_secrets(error.message)


def test_webhook_cannot_reconcile(slack: SlackServer, tmp_path: Path) -> None:
    with pytest.raises(DeliveryError) as cannot:
        webhook_channel(slack, tmp_path).reconcile(make_outgoing())
    assert cannot.value.uncertain
    assert slack.requests == []


# --- Web API ---------------------------------------------------------------------------------


def test_api_posts_with_metadata(slack: SlackServer, tmp_path: Path) -> None:
    result = api_channel(slack, tmp_path).send(make_outgoing(delivery_id=5))

    (message,) = messages(slack)
    assert result.remote_id == message["ts"]
    assert message["metadata"] == {
        "event_type": "incidentctl_delivery",
        "event_payload": {"incident_id": "INC-20250101-001", "delivery_id": 5},
    }
    assert "thread_ts" not in message
    (request,) = slack.calls("chat.postMessage")
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert slack.calls("chat.update") == []


def test_api_accepts_a_channel_name(slack: SlackServer, tmp_path: Path) -> None:
    result = api_channel(slack, tmp_path, channel="#incidents").send(make_outgoing())
    assert result.remote_id == messages(slack)[0]["ts"]


def test_updates_reply_in_thread_and_refresh_the_root(slack: SlackServer, tmp_path: Path) -> None:
    chan = api_channel(slack, tmp_path)
    root = chan.send(make_outgoing("First news.", delivery_id=1)).remote_id
    assert root is not None

    update = make_outgoing(
        "Cause found.", stage=Stage.IDENTIFIED, thread=root, delivery_id=2, severity="sev2"
    )
    reply = chan.send(update)

    first, second = messages(slack)
    assert second["ts"] == reply.remote_id and second["thread_ts"] == root
    assert texts(first["blocks"], "header") == ["Checkout errors in EU — identified"]
    (context,) = texts(first["blocks"], "context")
    assert "status identified" in context and "sev2" in context
    assert texts(first["blocks"], "section") == ["First news."]  # body kept
    assert first["text"] == "First news."
    assert first["metadata"]["event_payload"]["delivery_id"] == 1  # metadata kept
    assert len(slack.calls("chat.update")) == 1

    # same status again: nothing to refresh
    chan.send(
        make_outgoing(
            "Still on it.", stage=Stage.IDENTIFIED, thread=root, delivery_id=3, severity="sev2"
        )
    )
    assert len(slack.calls("chat.update")) == 1


@pytest.mark.parametrize("method", ["conversations.replies", "chat.update"])
@pytest.mark.parametrize(
    "fault",
    [
        Reply(500, "oops"),
        Reply(200, {"ok": False, "error": "cant_update_message"}),
        Reply(drop=True),
    ],
)
def test_failed_root_refresh_does_not_fail_the_reply(
    slack: SlackServer, tmp_path: Path, method: str, fault: Reply
) -> None:
    chan = api_channel(slack, tmp_path)
    root = chan.send(make_outgoing()).remote_id
    slack.fail_method(method, fault)
    result = chan.send(make_outgoing("Update.", stage=Stage.MONITORING, thread=root))
    assert result.remote_id == messages(slack)[-1]["ts"]
    assert messages(slack)[-1]["thread_ts"] == root


def test_reply_errors_are_not_swallowed(slack: SlackServer, tmp_path: Path) -> None:
    with pytest.raises(DeliveryError) as caught:
        api_channel(slack, tmp_path).send(make_outgoing(thread="1700000000.999999"))
    assert "thread_not_found" in caught.value.message
    assert not caught.value.retryable
    assert slack.calls("chat.update") == []


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("unknown", "channel_not_found"),
        ("archived", "is_archived"),
        ("too_long", "msg_too_long"),
        ("blocks", "invalid_blocks"),
    ],
)
def test_api_permanent_errors(slack: SlackServer, tmp_path: Path, setup: str, code: str) -> None:
    channel = CHANNEL
    if setup == "unknown":
        channel = "C0NOSUCH"
    elif setup == "archived":
        slack.add_channel("C0OLD", "old", archived=True)
        channel = "C0OLD"
    elif setup == "too_long":
        slack.fail_method("chat.postMessage", Reply(200, {"ok": False, "error": code}))
    else:
        slack.fail_method(
            "chat.postMessage",
            Reply(
                200,
                {
                    "ok": False,
                    "error": code,
                    "response_metadata": {"messages": ["[ERROR] must be less than 151"]},
                },
            ),
        )
    with pytest.raises(DeliveryError) as caught:
        api_channel(slack, tmp_path, channel=channel).send(make_outgoing())
    error = caught.value
    assert (error.retryable, error.uncertain) == (False, False)
    assert code in error.message
    assert_no_secrets(error.message)
    if setup == "blocks":
        assert "less than 151" in error.message


def test_api_without_token_is_not_authed(slack: SlackServer, tmp_path: Path) -> None:
    import httpx

    answer = httpx.post(slack.api_base + "/chat.postMessage", json={"channel": CHANNEL})
    assert answer.json() == {"ok": False, "error": "not_authed"}


def test_api_internal_error_is_uncertain(slack: SlackServer, tmp_path: Path) -> None:
    slack.fail_method("chat.postMessage", Reply(200, {"ok": False, "error": "internal_error"}))
    with pytest.raises(DeliveryError) as caught:
        api_channel(slack, tmp_path).send(make_outgoing())
    assert caught.value.uncertain


@pytest.mark.parametrize(
    "echo",
    [
        lambda request: f"no_service: {request.target}",
        lambda request: f"no_service ({request.path.lstrip('/')})",
        lambda request: f"no_service for hook {request.path.rsplit('/', 1)[1]}",
    ],
    ids=["request-line", "path", "token"],
)
def test_webhook_path_echoed_in_an_error_is_scrubbed(
    slack: SlackServer, tmp_path: Path, echo: Callable[[Request], str]
) -> None:
    slack.fail_next(lambda request: Reply(404, echo(request)))
    with pytest.raises(DeliveryError) as caught:
        webhook_channel(slack, tmp_path).send(make_outgoing())
    assert "no_service" in caught.value.message
    assert_no_secrets(caught.value.message)
    for part in ("T0001", "B0001"):
        assert part not in caught.value.message


# --- reconcile -------------------------------------------------------------------------------


def lose_response(slack: SlackServer, chan: SlackChannel, outgoing: Outgoing) -> None:
    slack.respond_late(3)
    with pytest.raises(DeliveryError) as caught:
        chan.send(outgoing)
    assert caught.value.uncertain


def test_reconcile_finds_a_message_whose_response_was_lost(
    slack: SlackServer, tmp_path: Path
) -> None:
    chan = api_channel(slack, tmp_path, timeout=0.3)
    outgoing = make_outgoing(delivery_id=41)
    lose_response(slack, chan, outgoing)

    found = chan.reconcile(outgoing)
    assert found is not None and found.remote_id == messages(slack)[0]["ts"]
    (history,) = slack.calls("conversations.history")
    assert history.arg("include_all_metadata") == "true"
    assert history.arg("oldest") is not None


def test_reconcile_finds_a_lost_thread_reply(slack: SlackServer, tmp_path: Path) -> None:
    chan = api_channel(slack, tmp_path, timeout=0.3, channel="#incidents")
    root = chan.send(make_outgoing(delivery_id=1)).remote_id
    update = make_outgoing("Fixed.", stage=Stage.RESOLVED, thread=root, delivery_id=2)
    lose_response(slack, chan, update)

    found = chan.reconcile(update)
    assert found is not None and found.remote_id == messages(slack)[-1]["ts"]
    assert found.remote_id != root
    assert slack.calls("conversations.replies")[-1].arg("ts") == root


def test_reconcile_pages_through_history(slack: SlackServer, tmp_path: Path) -> None:
    chan = api_channel(slack, tmp_path)
    outgoing = make_outgoing(delivery_id=9)
    chan.send(outgoing)
    for i in range(450):
        slack.post(CHANNEL, f"chatter {i}")
    found = chan.reconcile(outgoing)
    assert found is not None and found.remote_id == messages(slack)[0]["ts"]
    assert len(slack.calls("conversations.history")) == 3


def test_reconcile_returns_none_when_nothing_was_posted(slack: SlackServer, tmp_path: Path) -> None:
    chan = api_channel(slack, tmp_path)
    chan.send(make_outgoing(delivery_id=1))
    slack.post(CHANNEL, "someone else")
    slack.fail_method("chat.postMessage", Reply(500, "oops"))
    outgoing = make_outgoing(delivery_id=2)
    with pytest.raises(DeliveryError):
        chan.send(outgoing)
    assert chan.reconcile(outgoing) is None
    # another incident's delivery with the same id does not count
    assert chan.reconcile(make_outgoing(delivery_id=1, id="INC-OTHER")) is None


def test_reconcile_failure_raises(slack: SlackServer, tmp_path: Path) -> None:
    slack.fail_method("conversations.history", Reply(200, {"ok": False, "error": "missing_scope"}))
    with pytest.raises(DeliveryError) as caught:
        api_channel(slack, tmp_path).reconcile(make_outgoing())
    assert "missing_scope" in caught.value.message


# --- settings --------------------------------------------------------------------------------


def problems(**settings: Any) -> list[tuple[str, str]]:
    return [(p.key, p.level) for p in SlackChannel.check_settings(settings)]


def test_check_settings() -> None:
    assert problems(bot_token="${SLACK_BOT_TOKEN}", channel="${SLACK_CHANNEL}") == []
    assert problems(bot_token="${T}", channel="#incidents") == [("channel", "warning")]
    assert problems() == [("webhook_url", "error")]
    assert problems(webhook_url="${U}", bot_token="${T}", channel="C0123") == [
        ("bot_token", "error")
    ]
    assert problems(bot_token="${T}") == [("channel", "error")]
    assert problems(channel="C0123ABCD") == [("bot_token", "error")]
    assert problems(bot_token="${T}", channel="incidents") == [("channel", "error")]


def test_api_base_is_refused_in_webhook_mode() -> None:
    found = list(
        SlackChannel.check_settings({"webhook_url": "${U}", "api_base": "https://slack.com/api"})
    )
    assert [(p.key, p.level) for p in found] == [("api_base", "error")]
    assert "incoming webhook" in found[0].message
    # the default is the Web API's: leaving it out is not setting it
    assert problems(webhook_url="${U}") == []


def test_channel_type_attributes() -> None:
    assert SlackChannel.type == "slack"
    assert SlackChannel.message_format == "chat"
    assert SlackChannel.max_length == 40000
    assert SlackChannel.rate_per_second == 1.0

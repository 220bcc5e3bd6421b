"""`retry` and the sending commands on channels that thread, fold repeats or were down: what is
re-sent, what is held, what is superseded, and what the on-call engineer is told."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from incidentctl.cli.runtime import Runtime
from incidentctl.delivery.engine import RetryPolicy
from incidentctl.model.records import Delivery, DeliveryState
from incidentctl.store import open_store, state_dir
from tests.channels.fakes.base_server import Reply
from tests.channels.fakes.pagerduty_server import ROUTING_KEY, PagerDutyServer
from tests.channels.fakes.sendgrid_server import SendGridFake
from tests.channels.fakes.slack_server import TOKEN as SLACK_TOKEN
from tests.channels.fakes.slack_server import SlackServer
from tests.channels.fakes.statuspage_server import StatuspageServer
from tests.channels.fakes.webhook_server import WebhookReceiver
from tests.channels.fakes.x_server import XFake
from tests.helpers import Result, cli

PLAYBOOK = """\
organization:
  name: Acme Cloud
  timezone: UTC
  language: en
  status_page_url: https://status.acme.example
severities:
  - id: sev1
    name: Critical
    criteria: [All customers affected]
    update_every: 30m
    notify:
      all: [{names}]
channels:
{channels}"""


def write_playbook(directory: Path, **channels: dict[str, Any]) -> None:
    """A playbook whose one severity notifies `channels` (name -> its settings)."""
    body = "".join(
        f"  {name}:\n" + "".join(f"    {k}: {json.dumps(v)}\n" for k, v in settings.items())
        for name, settings in channels.items()
    )
    text = PLAYBOOK.format(names=", ".join(channels), channels=body)
    (directory / "incidentctl.yaml").write_text(text, encoding="utf-8")


def statuspage_channel(server: StatuspageServer, **extra: Any) -> dict[str, Any]:
    return {
        "type": "statuspage",
        "api_key": "${SP_KEY}",
        "page_id": server.page_id,
        "api_base": server.api_base,
        **extra,
    }


def stored(channel: str) -> list[Delivery]:
    """The channel's deliveries as the store has them, oldest first."""
    store = open_store(state_dir(os.environ), os.environ)
    try:
        return [d for d in store.deliveries() if d.channel == channel]
    finally:
        store.close()


def set_state(delivery: Delivery, state: DeliveryState, error: str | None = None) -> None:
    """What a crash or a lost answer leaves in the store."""
    store = open_store(state_dir(os.environ), os.environ)
    try:
        delivery.state, delivery.error = state, error
        store.update_delivery(delivery)
    finally:
        store.close()


def declare(capsys: pytest.CaptureFixture[str]) -> Result:
    return cli(capsys, "declare", "sev1", "--title", "Checkout errors", "--yes")


def update(capsys: pytest.CaptureFixture[str], message: str, *status: str) -> Result:
    return cli(capsys, "update", "--message", message, *status, "--yes")


@pytest.fixture(autouse=True)
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


# --- PagerDuty: a repeat is folded by the dedup key --------------------------------------------


@pytest.fixture
def pagerduty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PagerDutyServer]:
    with PagerDutyServer() as server:
        monkeypatch.setenv("PD_KEY", ROUTING_KEY)
        oncall = {"type": "pagerduty", "routing_key": "${PD_KEY}", "api_base": server.url}
        write_playbook(tmp_path, oncall=oncall)
        yield server


def test_a_pagerduty_event_interrupted_by_a_crash_is_resent_without_asking(
    pagerduty: PagerDutyServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert declare(capsys).code == 0
    [event] = stored("oncall")
    set_state(event, DeliveryState.SENDING)  # killed before the answer was stored

    retried = cli(capsys, "retry")

    assert retried.code == 0, retried.out + retried.err
    assert [d.state for d in stored("oncall")] == [DeliveryState.SENT]
    [alert] = pagerduty.alerts  # the repeat went into the same alert's log
    assert [e["event_action"] for e in alert.log] == ["trigger", "trigger"]
    assert "--resend-uncertain" not in retried.out + retried.err


# --- how "uncertain" is told after declare ------------------------------------------------------

SP_KEY = "sp-key-retry-0123456789abcdef"
SENDGRID_KEY = "SG.retry-key-0123456789"


@pytest.fixture
def statuspage(monkeypatch: pytest.MonkeyPatch) -> Iterator[StatuspageServer]:
    monkeypatch.setenv("SP_KEY", SP_KEY)
    clock = itertools.count(0.0, 10.0)  # 10 s between requests: never rate-limited
    with StatuspageServer(api_key=SP_KEY, clock=clock.__next__) as server:
        yield server


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(secret=None) as server:
        yield server


def test_uncertain_after_declare_says_it_may_have_gone_out_and_how_retry_checks(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    statuspage: StatuspageServer,
    hook: WebhookReceiver,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_playbook(
        tmp_path,
        status=statuspage_channel(statuspage, timeout=0.5),
        room={"type": "webhook", "url": hook.hook_url, "timeout": 0.5},
    )
    statuspage.delay_next(3)  # both accept the message, then answer too late
    hook.delay_next(3)

    declared = declare(capsys)

    assert declared.code == 3
    [line] = [line for line in declared.err.splitlines() if line.strip()]
    assert "may have gone out (room, status)" in line
    assert "checks with the service whether status went out" in line
    assert "asks you on a terminal before re-sending room" in line
    assert "--resend-uncertain" in line
    assert "once the channel is back" not in line


# --- superseded: a channel that was down gets the latest message only -------------------------

# one attempt per send: the channel is down, not flaky
ONCE = Runtime(retry_policy=RetryPolicy(max_attempts=1))
DOWN = Reply(503, {"error": "Service Unavailable"})


def moves_on(capsys: pytest.CaptureFixture[str]) -> None:
    """Declare, two updates and the resolution, each failing on the channel that is down."""
    declared = cli(capsys, "declare", "sev1", "--title", "Checkout errors", "--yes", runtime=ONCE)
    assert declared.code == 3
    for message, status in (("Root cause found", "identified"), ("Fix deployed", "monitoring")):
        sent = cli(capsys, "update", "-m", message, "--status", status, "--yes", runtime=ONCE)
        assert sent.code == 3, sent.out + sent.err
    assert cli(capsys, "resolve", "-m", "Payments work again", "--yes", runtime=ONCE).code == 3


def test_retry_after_the_incident_moved_on_sends_only_the_latest_stage(
    tmp_path: Path, hook: WebhookReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    write_playbook(tmp_path, room={"type": "webhook", "url": hook.hook_url})
    hook.fail_next(*[DOWN] * 4)
    moves_on(capsys)
    assert hook.accepted == []
    hook.recover()

    retried = cli(capsys, "retry")

    assert retried.code == 0, retried.out + retried.err
    [posted] = hook.accepted
    assert posted.json()["event"]["stage"] == "resolved"
    deliveries = stored("room")
    assert [d.state.value for d in deliveries] == ["superseded"] * 3 + ["sent"]
    assert deliveries[0].error == "superseded by the later resolved message: not sent"
    # the retry table says which incident and stage each row is
    rows = [line for line in retried.out.splitlines() if "room" in line]
    assert [r.split("│")[2].strip() for r in rows] == [
        "investigating",
        "identified",
        "monitoring",
        "resolved",
    ]
    assert all(deliveries[0].incident_id in r for r in rows)
    assert cli(capsys, "retry").out.startswith("nothing to retry")


def test_a_statuspage_incident_is_created_from_the_latest_stage_when_the_first_never_went_out(
    tmp_path: Path, statuspage: StatuspageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """The page needs a root: the latest message creates the incident, in its stage; the stale
    create is superseded, not sent first; the resolution then updates that same incident."""
    write_playbook(tmp_path, status=statuspage_channel(statuspage))
    statuspage.fail_next(DOWN, DOWN)  # the page is down for the declaration and the update
    declared = cli(capsys, "declare", "sev1", "--title", "Checkout errors", "--yes", runtime=ONCE)
    assert declared.code == 3
    updated = cli(
        capsys, "update", "-m", "Root cause found", "--status", "identified", "--yes", runtime=ONCE
    )
    assert updated.code == 3
    statuspage.recover()
    tried = len(statuspage.requests)

    retried = cli(capsys, "retry")

    assert retried.code == 0, retried.out + retried.err
    [incident] = statuspage.incidents.values()
    assert incident["status"] == "identified"
    assert [u["body"] for u in incident["incident_updates"]] == [stored("status")[1].message.text]
    assert [d.state.value for d in stored("status")] == ["superseded", "sent"]
    assert [r.method for r in statuspage.requests[tried:]] == ["POST"]

    resolved = cli(capsys, "resolve", "-m", "Payments work again", "--yes")

    assert resolved.code == 0, resolved.out + resolved.err
    assert len(statuspage.incidents) == 1 and incident["status"] == "resolved"
    assert statuspage.requests[-1].method == "PATCH"


# --- an update while the first message is unconfirmed: wait (e-mail, X) or warn (chat) ---------


def test_an_email_update_waits_for_an_unconfirmed_first_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with SendGridFake(SENDGRID_KEY) as sendgrid:
        monkeypatch.setenv("SENDGRID_KEY", SENDGRID_KEY)
        mail = {
            "type": "sendgrid",
            "api_key": "${SENDGRID_KEY}",
            "from_email": "status@acme.example",
            "to": ["alice@example.com"],
            "api_base": sendgrid.url,
            "timeout": 0.5,
        }
        write_playbook(tmp_path, mail=mail)
        sendgrid.accept_slowly = 3  # accepted, answered too late: uncertain
        assert declare(capsys).code == 3
        sendgrid.accept_slowly = 0

        updated = update(capsys, "Root cause found", "--status", "identified")

    assert updated.code == 3
    assert len(sendgrid.requests) == 1  # the update did not go out of the thread
    first, waiting = stored("mail")
    assert (first.state, waiting.state) == (DeliveryState.UNCERTAIN, DeliveryState.FAILED)
    assert "waiting for the first message on this channel" in (waiting.error or "")


def test_a_chat_update_goes_out_unthreaded_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with SlackServer() as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TOKEN)
        room = {
            "type": "slack",
            "bot_token": "${SLACK_BOT_TOKEN}",
            "channel": slack.webhook_channel,
            "api_base": slack.api_base,
            "timeout": 0.5,
        }
        write_playbook(tmp_path, room=room)
        slack.respond_late(3)
        assert declare(capsys).code == 3

        updated = update(capsys, "Root cause found", "--status", "identified")

    assert updated.code == 3, updated.out + updated.err
    posted = [r.json() for r in slack.calls("chat.postMessage")]
    assert len(posted) == 2 and "thread_ts" not in posted[1]
    first, second = stored("room")
    assert (first.state, second.state) == (DeliveryState.UNCERTAIN, DeliveryState.SENT)
    assert "sent outside the thread" in (second.error or "")
    assert "sent outside the thread" in updated.out  # in the delivery table
    [line] = [line for line in updated.err.splitlines() if line.strip()]
    assert "1 delivery(ies) sent outside the thread (room)" in line


# --- X: a reply chain that reads in order -----------------------------------------------------


@pytest.fixture
def x(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[XFake]:
    with XFake() as server:
        settings: dict[str, Any] = {"type": "twitter", "api_base": server.url, "timeout": 0.5}
        for key, value in (
            ("consumer_key", server.consumer_key),
            ("consumer_secret", server.consumer_secret),
            ("access_token", server.access_token),
            ("access_token_secret", server.access_token_secret),
        ):
            monkeypatch.setenv(f"X_{key.upper()}", value)
            settings[key] = f"${{X_{key.upper()}}}"
        write_playbook(tmp_path, x=settings)
        yield server


def test_x_updates_reply_to_the_previous_post(x: XFake, capsys: pytest.CaptureFixture[str]) -> None:
    assert declare(capsys).code == 0
    assert update(capsys, "Root cause found", "--status", "identified").code == 0
    assert update(capsys, "Fix deployed", "--status", "monitoring").code == 0

    first, second, _ = x.posts
    assert [p.in_reply_to for p in x.posts] == [None, first.id, second.id]


def test_a_forced_resend_that_x_refuses_as_a_duplicate_is_sent_and_the_chain_goes_on(
    x: XFake, capsys: pytest.CaptureFixture[str]
) -> None:
    assert declare(capsys).code == 0
    x.accept_slowly = 3  # posted, answered too late: uncertain
    assert update(capsys, "Root cause found", "--status", "identified").code == 3
    x.accept_slowly = 0
    assert cli(capsys, "retry").code == 3  # X cannot be read back: held

    forced = cli(capsys, "retry", "--resend-uncertain")

    assert forced.code == 0, forced.out + forced.err
    root, resent = stored("x")
    assert (resent.state, resent.remote_id) == (DeliveryState.SENT, None)
    assert "its post id is unknown" in (resent.error or "")
    assert len(x.posts) == 2  # X refused the duplicate: the update is there once

    assert update(capsys, "Fix deployed", "--status", "monitoring").code == 0
    assert x.posts[-1].in_reply_to == root.remote_id  # under the last post whose id is known


def test_an_x_update_waits_for_an_unconfirmed_first_post(
    x: XFake, capsys: pytest.CaptureFixture[str]
) -> None:
    x.accept_slowly = 3
    assert declare(capsys).code == 3
    x.accept_slowly = 0

    assert update(capsys, "Root cause found", "--status", "identified").code == 3

    assert len(x.posts) == 1  # no reply-less update beside the thread
    assert [d.state for d in stored("x")] == [DeliveryState.UNCERTAIN, DeliveryState.FAILED]


def test_a_statuspage_first_message_that_may_have_gone_out_is_not_superseded(
    tmp_path: Path, statuspage: StatuspageServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Killed while creating the incident: until the page can be read back, the create stays
    uncertain and the update waits; once the page shows no such incident, the update creates
    it (and the stale create is superseded)."""
    write_playbook(tmp_path, status=statuspage_channel(statuspage))
    statuspage.fail_next(DOWN)
    assert cli(capsys, "declare", "sev1", "--title", "Outage", "--yes", runtime=ONCE).code == 3
    [create] = stored("status")
    set_state(create, DeliveryState.SENDING)  # as a kill mid-request leaves it
    assert update(capsys, "Root cause found", "--status", "identified").code == 3
    statuspage.fail_next(DOWN)  # the page cannot be read back during the first retry

    held = cli(capsys, "retry")

    assert held.code == 3
    assert [d.state for d in stored("status")] == [DeliveryState.UNCERTAIN, DeliveryState.FAILED]
    assert statuspage.incidents == {}

    retried = cli(capsys, "retry")

    assert retried.code == 0, retried.out + retried.err
    create, created = stored("status")
    assert (create.state, created.state) == (DeliveryState.SUPERSEDED, DeliveryState.SENT)
    assert create.error == "superseded by the later identified message: not sent"
    [incident] = statuspage.incidents.values()
    assert incident["status"] == "identified"


def test_an_uncertain_message_that_a_later_one_replaced_is_not_asked_about(
    tmp_path: Path, hook: WebhookReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    write_playbook(tmp_path, room={"type": "webhook", "url": hook.hook_url, "timeout": 0.5})
    hook.delay_next(3)  # the declaration is accepted, its answer lost
    assert declare(capsys).code == 3
    assert update(capsys, "Root cause found", "--status", "identified").code == 0

    retried = cli(capsys, "retry", "--resend-uncertain")

    assert retried.code == 0, retried.out + retried.err
    assert len(hook.accepted) == 2  # nothing re-sent
    first, _ = stored("room")
    assert first.state is DeliveryState.SUPERSEDED
    assert first.error == "superseded by the later identified message; it may have gone out before"

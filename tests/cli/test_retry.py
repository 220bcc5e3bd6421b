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

from incidentctl.model.records import Delivery, DeliveryState
from incidentctl.store import open_store, state_dir
from tests.channels.fakes.pagerduty_server import ROUTING_KEY, PagerDutyServer
from tests.channels.fakes.statuspage_server import StatuspageServer
from tests.channels.fakes.webhook_server import WebhookReceiver
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

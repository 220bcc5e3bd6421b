"""`retry` and the sending commands on channels that thread, fold repeats or were down: what is
re-sent, what is held, what is superseded, and what the on-call engineer is told."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from incidentctl.model.records import Delivery, DeliveryState
from incidentctl.store import open_store, state_dir
from tests.channels.fakes.pagerduty_server import ROUTING_KEY, PagerDutyServer
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


def write_playbook(directory: Path, **channels: str) -> None:
    """A playbook whose one severity notifies `channels` (name -> its settings in YAML)."""
    body = "".join(
        f"  {name}:\n{textwrap.indent(textwrap.dedent(settings).strip(), '    ')}\n"
        for name, settings in channels.items()
    )
    text = PLAYBOOK.format(names=", ".join(channels), channels=body)
    (directory / "incidentctl.yaml").write_text(text, encoding="utf-8")


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
        monkeypatch.setenv("PD_ROUTING_KEY", ROUTING_KEY)
        write_playbook(
            tmp_path,
            oncall=f"""
                type: pagerduty
                routing_key: ${{PD_ROUTING_KEY}}
                api_base: {server.url}
            """,
        )
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

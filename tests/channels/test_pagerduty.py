from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from incidentctl.channels.base import SendResult
from incidentctl.channels.pagerduty import PagerDutyChannel, PagerDutySettings
from incidentctl.errors import DeliveryError, MissingSecret
from incidentctl.model.records import Stage
from tests.channels.fakes.base_server import Reply, build_channel, closed_port_url, make_outgoing
from tests.channels.fakes.pagerduty_server import ROUTING_KEY, PagerDutyServer

ENV = {"PAGERDUTY_ROUTING_KEY": ROUTING_KEY}


@pytest.fixture
def server() -> Iterator[PagerDutyServer]:
    with PagerDutyServer() as fake:
        yield fake


def channel(
    api_base: str, tmp_path: Path, *, env: dict[str, str] = ENV, timeout: float = 5.0
) -> PagerDutyChannel:
    options = {"routing_key": "${PAGERDUTY_ROUTING_KEY}", "api_base": api_base}
    return build_channel(PagerDutyChannel, options, env, tmp_path, name="pd", timeout=timeout)


def test_first_message_triggers_an_alert(server: PagerDutyServer, tmp_path: Path) -> None:
    result = channel(server.url, tmp_path).send(make_outgoing("Investigating checkout errors."))

    assert result == SendResult(remote_id="INC-20250101-001", link=None)
    event = server.requests[-1].json()
    assert event == {
        "routing_key": ROUTING_KEY,
        "event_action": "trigger",
        "dedup_key": "INC-20250101-001",
        "client": "incidentctl",
        "payload": {
            "summary": "Checkout errors in EU",
            "source": "incidentctl",
            "severity": "critical",
            "timestamp": "2025-01-01T09:00:00+00:00",
            "custom_details": {
                "status": "investigating",
                "severity": "sev1",
                "impact": "Payments fail for some EU customers",
                "components": {"checkout": "major_outage", "api": "degraded_performance"},
                "message": "Investigating checkout errors.",
            },
        },
    }
    assert [(a.dedup_key, a.status) for a in server.alerts] == [("INC-20250101-001", "triggered")]


def test_updates_fold_into_the_alert_and_resolve_closes_it(
    server: PagerDutyServer, tmp_path: Path
) -> None:
    pd = channel(server.url, tmp_path)
    first = pd.send(make_outgoing())
    pd.send(make_outgoing("Found it.", stage=Stage.IDENTIFIED, thread=first.remote_id))
    pd.send(make_outgoing("All clear.", stage=Stage.RESOLVED, thread=first.remote_id))

    assert len(server.alerts) == 1
    alert = server.alerts[0]
    assert alert.status == "resolved"
    assert [e["event_action"] for e in alert.log] == ["trigger", "trigger", "resolve"]
    assert alert.log[-1] == {
        "routing_key": ROUTING_KEY,
        "event_action": "resolve",
        "dedup_key": "INC-20250101-001",
    }


@pytest.mark.parametrize(
    ("rank", "severity"),
    [(0, "critical"), (1, "error"), (2, "warning"), (3, "info"), (None, "error")],
)
def test_severity_follows_severity_rank(
    server: PagerDutyServer, tmp_path: Path, rank: int | None, severity: str
) -> None:
    channel(server.url, tmp_path).send(make_outgoing(severity_rank=rank))

    assert server.alerts[0].severity == severity


def test_long_titles_are_cut_to_the_summary_limit(server: PagerDutyServer, tmp_path: Path) -> None:
    channel(server.url, tmp_path).send(make_outgoing(title="x" * 2000))

    assert len(server.alerts[0].summary) == 1024


def test_invalid_event_carries_pagerduty_errors(server: PagerDutyServer, tmp_path: Path) -> None:
    short_key = "short-key-value"
    env = {"PAGERDUTY_ROUTING_KEY": short_key}
    with pytest.raises(DeliveryError) as caught:
        channel(server.url, tmp_path, env=env).send(make_outgoing())

    assert caught.value.status == 400
    assert not caught.value.retryable
    assert (
        "Event object is invalid: Length of 'routing_key' is incorrect (should be 32 characters)"
        in caught.value.message
    )
    assert short_key not in caught.value.message


def test_service_text_echoing_the_key_is_scrubbed(server: PagerDutyServer, tmp_path: Path) -> None:
    server.fail_next(Reply(400, {"message": f"unknown key {ROUTING_KEY}", "errors": []}))
    with pytest.raises(DeliveryError) as caught:
        channel(server.url, tmp_path).send(make_outgoing())

    assert ROUTING_KEY not in caught.value.message


@pytest.mark.parametrize(("headers", "retry_after"), [({"Retry-After": "30"}, 30.0), ({}, None)])
def test_429_is_retryable(
    server: PagerDutyServer, tmp_path: Path, headers: dict[str, str], retry_after: float | None
) -> None:
    server.fail_next(Reply(429, {"status": "throttle event", "message": "Too many"}, headers))
    with pytest.raises(DeliveryError) as caught:
        channel(server.url, tmp_path).send(make_outgoing())

    assert (caught.value.status, caught.value.retryable) == (429, True)
    assert caught.value.retry_after == retry_after


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retryable(server: PagerDutyServer, tmp_path: Path, status: int) -> None:
    server.fail_next(Reply(status, "Internal Server Error"))
    with pytest.raises(DeliveryError) as caught:
        channel(server.url, tmp_path).send(make_outgoing())

    assert caught.value.retryable


def test_hang_past_timeout_is_retryable_thanks_to_the_dedup_key(
    server: PagerDutyServer, tmp_path: Path
) -> None:
    server.delay_next(2.0)
    with pytest.raises(DeliveryError) as caught:
        channel(server.url, tmp_path, timeout=0.3).send(make_outgoing())
    assert caught.value.retryable
    assert not caught.value.uncertain

    channel(server.url, tmp_path).send(make_outgoing())

    assert len(server.alerts) == 1
    assert len(server.alerts[0].log) == 2


def test_connection_refused_is_retryable(tmp_path: Path) -> None:
    with pytest.raises(DeliveryError) as caught:
        channel(closed_port_url(), tmp_path).send(make_outgoing())

    assert caught.value.retryable


def test_missing_variable_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(MissingSecret) as caught:
        channel("https://events.pagerduty.com", tmp_path, env={}).send(make_outgoing())

    assert "PAGERDUTY_ROUTING_KEY" in caught.value.message


def test_plain_http_to_a_remote_host_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DeliveryError) as caught:
        channel("http://events.example.com", tmp_path).send(make_outgoing())

    assert "http:// is refused" in caught.value.message
    assert ROUTING_KEY not in caught.value.message


def test_check_settings() -> None:
    def keys(**settings: Any) -> list[str]:
        return [p.key for p in PagerDutyChannel.check_settings(PagerDutySettings(**settings))]

    assert keys(routing_key="${PAGERDUTY_ROUTING_KEY}") == []
    assert keys(routing_key=ROUTING_KEY) == ["routing_key"]
    assert keys(routing_key="${K}", api_base="http://pd.example.com", source=" ") == [
        "api_base",
        "source",
    ]

"""The generic `webhook` channel against a real receiver on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from incidentctl.channels.http import retry_after
from incidentctl.channels.webhook import WebhookChannel, sign, verify_signature
from incidentctl.errors import DeliveryError
from tests.channels.fakes.base_server import ManualClock, Reply, build_channel, make_outgoing
from tests.channels.fakes.webhook_server import HOOK_TOKEN, PATH, SECRET, WebhookReceiver


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(required_headers={"Authorization": f"Bearer {HOOK_TOKEN}"}) as server:
        yield server


def env_for(receiver: WebhookReceiver) -> dict[str, str]:
    return {"WEBHOOK_URL": receiver.hook_url, "WEBHOOK_SECRET": SECRET, "HOOK_TOKEN": HOOK_TOKEN}


def channel(
    tmp_path: Path, env: dict[str, str], *, clock: Any = time.time, **settings: Any
) -> WebhookChannel:
    values: dict[str, Any] = {
        "url": "${WEBHOOK_URL}",
        "secret": "${WEBHOOK_SECRET}",
        "headers": {"Authorization": "Bearer ${HOOK_TOKEN}", "X-Team": "sre"},
    }
    values.update(settings)
    return build_channel(WebhookChannel, values, env, tmp_path, name="hook", clock=clock)


def assert_no_secrets(text: str) -> None:
    for secret in (SECRET, HOOK_TOKEN, PATH, "fake-path-token-99"):
        assert secret not in text


def test_posts_signed_json_with_headers(receiver: WebhookReceiver, tmp_path: Path) -> None:
    outgoing = make_outgoing("Checkout is failing.", subject="Checkout down", delivery_id=7)
    result = channel(tmp_path, env_for(receiver)).send(outgoing)

    assert result.remote_id == "evt_1"
    (request,) = receiver.accepted
    document = request.json()
    assert document["event"] == {
        "kind": "declared",
        "message": "Checkout is failing.",
        "at": "2025-01-01T09:00:00+00:00",
        "stage": "investigating",
    }
    assert document["incident"]["id"] == "INC-20250101-001"
    assert document["message"] == {
        "subject": "Checkout down",
        "text": "Checkout is failing.",
        "html": None,
    }
    assert document["delivery_id"] == 7
    assert document["idempotency_key"] == "delivery-7"
    assert request.headers["idempotency-key"] == "delivery-7"
    assert request.headers["authorization"] == f"Bearer {HOOK_TOKEN}"
    assert request.headers["x-team"] == "sre"
    assert request.headers["content-type"] == "application/json"
    timestamp = request.headers["x-incidentctl-timestamp"]
    assert request.headers["x-incidentctl-signature"] == sign(SECRET, timestamp, request.body)


def test_timestamp_comes_from_the_injected_clock(tmp_path: Path) -> None:
    clock = ManualClock(1_700_000_000.0)
    with WebhookReceiver(clock=clock) as receiver:
        env = {"WEBHOOK_URL": receiver.hook_url, "WEBHOOK_SECRET": SECRET}
        channel(tmp_path, env, clock=clock, headers={}).send(make_outgoing())
    (request,) = receiver.accepted
    assert request.headers["x-incidentctl-timestamp"] == "1700000000"


def test_without_secret_sends_no_signature(tmp_path: Path) -> None:
    with WebhookReceiver(secret=None) as receiver:
        result = channel(
            tmp_path, {"WEBHOOK_URL": receiver.hook_url}, secret=None, headers={}
        ).send(make_outgoing())
    assert result.remote_id == "evt_1"
    headers = receiver.accepted[0].headers
    assert "x-incidentctl-signature" not in headers
    assert "x-incidentctl-timestamp" not in headers


def test_receiver_drops_a_retried_delivery_by_idempotency_key(
    receiver: WebhookReceiver, tmp_path: Path
) -> None:
    hook = channel(tmp_path, env_for(receiver))
    first = hook.send(make_outgoing(delivery_id=3))
    again = hook.send(make_outgoing(delivery_id=3))
    assert first.remote_id == again.remote_id == "evt_1"
    assert len(receiver.accepted) == 1


def test_replayed_request_is_rejected(tmp_path: Path) -> None:
    clock = ManualClock(time.time())
    with WebhookReceiver(clock=clock) as receiver:
        channel(tmp_path, env_for(receiver), clock=clock, headers={}).send(make_outgoing())
        (captured,) = receiver.accepted
        replay_headers = {
            name: captured.headers[name]
            for name in ("content-type", "x-incidentctl-timestamp", "x-incidentctl-signature")
        }
        clock.advance(301)
        replay = httpx.post(receiver.hook_url, content=captured.body, headers=replay_headers)
    assert replay.status_code == 401
    assert len(receiver.accepted) == 1


def test_stale_clock_is_a_permanent_error(receiver: WebhookReceiver, tmp_path: Path) -> None:
    hook = channel(tmp_path, env_for(receiver), clock=lambda: time.time() - 3600)
    with pytest.raises(DeliveryError) as caught:
        hook.send(make_outgoing())
    error = caught.value
    assert (error.retryable, error.uncertain, error.status) == (False, False, 401)
    assert "signature check failed" in error.message
    assert_no_secrets(error.message)


def test_verify_signature() -> None:
    body = b'{"delivery_id":1}'
    signature = sign(SECRET, "1700000000", body)
    assert verify_signature(SECRET, "1700000000", body, signature, now=1_700_000_000)
    assert verify_signature(SECRET, 1_700_000_000, body.decode(), signature, now=1_700_000_299)
    # replay: too old, or from the future
    assert not verify_signature(SECRET, "1700000000", body, signature, now=1_700_000_301)
    assert not verify_signature(SECRET, "1700000000", body, signature, now=1_699_999_000)
    assert verify_signature(SECRET, "1700000000", body, signature, now=1_700_000_500, tolerance=600)
    # tampering: body, timestamp, key, signature format
    assert not verify_signature(SECRET, "1700000000", body + b" ", signature, now=1_700_000_000)
    assert not verify_signature(SECRET, "1700000001", body, signature, now=1_700_000_000)
    assert not verify_signature("other", "1700000000", body, signature, now=1_700_000_000)
    assert not verify_signature(SECRET, "1700000000", body, signature[7:], now=1_700_000_000)
    assert not verify_signature(SECRET, "yesterday", body, signature, now=1_700_000_000)


def test_4xx_carries_the_service_text_truncated(receiver: WebhookReceiver, tmp_path: Path) -> None:
    receiver.fail_next(Reply(422, "field 'incident' rejected: " + "x" * 500))
    with pytest.raises(DeliveryError) as caught:
        channel(tmp_path, env_for(receiver)).send(make_outgoing())
    message = caught.value.message
    assert "field 'incident' rejected" in message
    assert "x" * 200 not in message
    assert len(message) < 300


def test_a_path_token_echoed_alone_is_scrubbed(receiver: WebhookReceiver, tmp_path: Path) -> None:
    receiver.fail_next(
        lambda request: Reply(
            404, f"no hook {request.path.rsplit('/', 1)[1]} (path {request.path})"
        )
    )
    with pytest.raises(DeliveryError) as caught:
        channel(tmp_path, env_for(receiver)).send(make_outgoing())
    assert "no hook" in caught.value.message
    assert_no_secrets(caught.value.message)


def test_retry_after_as_http_date(receiver: WebhookReceiver, tmp_path: Path) -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    receiver.fail_next(Reply(429, "later", {"Retry-After": later}))
    with pytest.raises(DeliveryError) as caught:
        # the receiver would reject this signature, but the scripted 429 answers first
        channel(tmp_path, env_for(receiver), clock=now.timestamp).send(make_outgoing())
    assert caught.value.retry_after == pytest.approx(90)


def test_retry_after_parsing() -> None:
    assert retry_after("12", now=0) == 12
    assert retry_after("1.5", now=0) == 1.5
    assert retry_after("-3", now=0) == 0
    assert (
        retry_after(
            "Wed, 01 Jan 2025 12:00:30 GMT", now=datetime(2025, 1, 1, 12, tzinfo=UTC).timestamp()
        )
        == 30
    )
    assert retry_after("soon", now=0) is None
    assert retry_after(None, now=0) is None


def problems(**settings: Any) -> list[tuple[str, str]]:
    return [(p.key, p.level) for p in WebhookChannel.check_settings(settings)]


def test_check_settings() -> None:
    assert problems(url="https://hooks.example.com/x") == []
    assert problems(url="hooks.example.com/x") == [("url", "error")]
    assert problems(
        url="${WEBHOOK_URL}",
        headers={"Bad Name": "x", "X-Incidentctl-Signature": "y", "Idempotency-Key": "z"},
    ) == [
        ("headers.Bad Name", "error"),
        ("headers.X-Incidentctl-Signature", "error"),
        ("headers.Idempotency-Key", "error"),
    ]
    assert problems() == [("url", "error")]


def test_plain_http_never_builds_the_verifying_tls_context(
    receiver: WebhookReceiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # loading the CA bundle costs more than a loopback call: plain http must not pay for it
    import incidentctl.channels.http as http

    def refused() -> None:
        raise AssertionError("the CA bundle was loaded for a plain-http request")

    monkeypatch.setattr(http, "tls_context", refused)
    monkeypatch.setattr(http, "_SHARED", {})
    for number in (1, 2):
        channel(tmp_path, env_for(receiver)).send(make_outgoing("Hi.", delivery_id=number))
    assert len(receiver.accepted) == 2
    # both sends went through one client, built once
    (shared,) = http._SHARED.values()
    assert shared is http.shared_client(plain=True)


def test_the_shared_client_waits_each_channels_own_timeout(
    receiver: WebhookReceiver, tmp_path: Path
) -> None:
    receiver.delay_next(1.0)
    values = {"url": "${WEBHOOK_URL}", "secret": "${WEBHOOK_SECRET}"}
    values["headers"] = {"Authorization": "Bearer ${HOOK_TOKEN}"}
    hook = build_channel(
        WebhookChannel, values, env_for(receiver), tmp_path, name="hook", timeout=0.2
    )
    started = time.monotonic()
    with pytest.raises(DeliveryError, match="no response within the timeout"):
        hook.send(make_outgoing("Hi."))
    assert time.monotonic() - started < 0.9

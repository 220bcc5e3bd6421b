"""The delivery engine: retries, backoff, Retry-After, uncertain sends, redaction, fan-out."""

from __future__ import annotations

import threading
from collections import deque
from pathlib import Path

import pytest

from incidentctl.channels import registry
from incidentctl.channels.base import Outgoing, SendContext
from incidentctl.channels.check import CheckedChannel
from incidentctl.channels.redaction import scrub
from incidentctl.delivery.engine import DeliveryEngine, Outcome, RateLimiter, RetryPolicy
from incidentctl.delivery.fanout import Interrupted
from incidentctl.errors import DeliveryError
from incidentctl.model.records import Delivery, DeliveryState, EventKind, RenderedMessage, Stage
from incidentctl.model.snapshots import EventSnapshot
from incidentctl.playbook.schema import ChannelConfig
from tests.channels.fakes.base_server import make_incident
from tests.channels.scripted import ScriptedChannel


@pytest.fixture(autouse=True)
def scripted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        registry, "_plugins", lambda: {"scripted": "tests.channels.scripted:ScriptedChannel"}
    )
    ScriptedChannel.script = {}
    ScriptedChannel.sent = []


def make_engine(
    tmp_path: Path,
    sleeps: list[float],
    env: dict[str, str] | None = None,
    **channels: dict[str, object],
) -> DeliveryEngine:
    configs = {
        name: ChannelConfig.model_validate({"type": "scripted", **cfg})
        for name, cfg in channels.items()
    }
    return DeliveryEngine(
        configs,
        lambda name: SendContext(env=env or {}, outbox_dir=tmp_path, channel=name),
        policy=RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=8, retry_after_cap=60),
        sleep=sleeps.append,
    )


def delivery(channel: str, delivery_id: int = 1) -> Delivery:
    return Delivery(
        "INC-1",
        channel,
        "scripted",
        Stage.INVESTIGATING,
        RenderedMessage("hi"),
        "hash",
        id=delivery_id,
    )


def outgoing(d: Delivery) -> Outgoing:
    incident = make_incident(id=d.incident_id, status=d.stage)
    event = EventSnapshot(EventKind.DECLARED, incident.declared_at, d.stage)
    return Outgoing(d.id or 0, d.incident_id, d.channel, d.stage, d.message, incident, event)


def test_transient_errors_are_retried_with_backoff_then_sent(tmp_path: Path) -> None:
    sleeps: list[float] = []
    engine = make_engine(tmp_path, sleeps, chat={})
    ScriptedChannel.script["chat"] = deque(
        [DeliveryError("503", retryable=True), DeliveryError("reset", retryable=True), "ts-1"]
    )
    [outcome] = engine.send_all([delivery("chat")], outgoing, lambda o: None)
    assert outcome.delivery.state is DeliveryState.SENT
    assert outcome.delivery.attempts == 3
    assert outcome.delivery.remote_id == "ts-1"
    assert len(sleeps) == 2
    assert 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0  # exponential with jitter


def test_the_engine_keeps_one_attempt_state_per_delivery_across_its_retries(
    tmp_path: Path,
) -> None:
    engine = make_engine(tmp_path, [], chat={})
    ScriptedChannel.script["chat"] = deque([DeliveryError("503", retryable=True), "ts-1", "ts-2"])
    first = delivery("chat", 1)
    engine.send_all([first], outgoing, lambda o: None)
    engine.send_all([delivery("chat", 2)], outgoing, lambda o: None)
    [(_, sent_first), (_, sent_second)] = ScriptedChannel.sent
    assert sent_first.attempt.progress == {"attempts": 2}  # the retry saw the first attempt's
    assert sent_second.attempt.progress == {"attempts": 1}  # a new delivery starts afresh
    assert outgoing(first).attempt is not outgoing(first).attempt


def test_retry_after_is_honoured(tmp_path: Path) -> None:
    sleeps: list[float] = []
    engine = make_engine(tmp_path, sleeps, chat={})
    ScriptedChannel.script["chat"] = deque(
        [DeliveryError("429", retryable=True, retry_after=7.0), "ok"]
    )
    [outcome] = engine.send_all([delivery("chat")], outgoing, lambda o: None)
    assert outcome.delivery.state is DeliveryState.SENT
    assert sleeps == [7.0]


def test_retry_after_beyond_cap_fails_without_waiting(tmp_path: Path) -> None:
    sleeps: list[float] = []
    engine = make_engine(tmp_path, sleeps, chat={})
    ScriptedChannel.script["chat"] = deque(
        [DeliveryError("429 slow down", retryable=True, retry_after=3600)]
    )
    [outcome] = engine.send_all([delivery("chat")], outgoing, lambda o: None)
    assert outcome.delivery.state is DeliveryState.FAILED
    assert sleeps == []
    assert outcome.delivery.error == "429 slow down"


def test_permanent_error_is_not_retried(tmp_path: Path) -> None:
    sleeps: list[float] = []
    engine = make_engine(tmp_path, sleeps, chat={})
    ScriptedChannel.script["chat"] = deque([DeliveryError("400 invalid_payload")])
    [outcome] = engine.send_all([delivery("chat")], outgoing, lambda o: None)
    assert (outcome.delivery.state, outcome.delivery.attempts) == (DeliveryState.FAILED, 1)
    assert outcome.delivery.error == "400 invalid_payload"


def test_attempts_are_bounded(tmp_path: Path) -> None:
    sleeps: list[float] = []
    engine = make_engine(tmp_path, sleeps, chat={})
    ScriptedChannel.script["chat"] = deque(DeliveryError("500", retryable=True) for _ in range(10))
    [outcome] = engine.send_all([delivery("chat")], outgoing, lambda o: None)
    assert (outcome.delivery.state, outcome.delivery.attempts) == (DeliveryState.FAILED, 4)
    assert len(sleeps) == 3


def test_timeout_after_sending_is_uncertain_and_not_retried(tmp_path: Path) -> None:
    sleeps: list[float] = []
    engine = make_engine(tmp_path, sleeps, sms={})
    ScriptedChannel.script["sms"] = deque(
        [DeliveryError("read timeout", uncertain=True, retryable=True)]
    )
    [outcome] = engine.send_all([delivery("sms")], outgoing, lambda o: None)
    assert (outcome.delivery.state, outcome.delivery.attempts) == (DeliveryState.UNCERTAIN, 1)
    assert ScriptedChannel.sent == []


def test_missing_secret_fails_only_its_own_channel(tmp_path: Path) -> None:
    sleeps: list[float] = []
    engine = make_engine(tmp_path, sleeps, a={"token": "${MISSING_TOKEN}"}, b={})
    settled: list[str] = []
    outcomes = engine.send_all(
        [delivery("a", 1), delivery("b", 2)], outgoing, lambda o: settled.append(o.delivery.channel)
    )
    states = {o.delivery.channel: o.delivery for o in outcomes}
    assert states["a"].state is DeliveryState.FAILED
    assert "MISSING_TOKEN" in (states["a"].error or "")
    assert states["b"].state is DeliveryState.SENT
    assert sorted(settled) == ["a", "b"]


def test_secret_values_are_redacted_from_errors(tmp_path: Path) -> None:
    sleeps: list[float] = []
    engine = make_engine(
        tmp_path, sleeps, {"TOKEN": "xoxb-very-secret"}, chat={"token": "${TOKEN}"}
    )
    ScriptedChannel.script["chat"] = deque([DeliveryError("bad token xoxb-very-secret")])
    [outcome] = engine.send_all([delivery("chat")], outgoing, lambda o: None)
    assert outcome.delivery.error == "bad token ***"
    assert scrub("a s3cr3t b", {"s3cr3t"}) == "a *** b"


def test_unknown_channel_fails_cleanly(tmp_path: Path) -> None:
    engine = make_engine(tmp_path, [])
    [outcome] = engine.send_all([delivery("gone")], outgoing, lambda o: None)
    assert outcome.delivery.state is DeliveryState.FAILED
    assert "no longer in the playbook" in (outcome.delivery.error or "")


def test_rate_limiter_spaces_sends_per_channel() -> None:
    waits: list[float] = []
    limiter = RateLimiter(sleep=waits.append)
    for _ in range(3):
        limiter.wait("statuspage", 1.0)
    limiter.wait("other", 1.0)
    assert len(waits) == 2
    assert 0.9 <= waits[0] <= 1.0 and 1.9 <= waits[1] <= 2.0


def test_retry_policy_gives_up_after_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=2)
    assert policy.delay(1, None) is not None
    assert policy.delay(2, None) is None


def test_build_uses_the_settings_validated_at_load(tmp_path: Path) -> None:
    config = ChannelConfig.model_validate({"type": "scripted"})
    settings = ScriptedChannel.settings_model.model_validate({})
    engine = DeliveryEngine(
        {"chat": config},
        lambda name: SendContext(env={}, outbox_dir=tmp_path, channel=name),
        checked={"chat": CheckedChannel(ScriptedChannel, settings)},
    )
    channel, _ = engine.build("chat")
    assert isinstance(channel, ScriptedChannel) and channel.settings is settings
    with pytest.raises(DeliveryError, match="no longer in the playbook"):
        engine.build("gone")


def test_ctrl_c_settles_each_delivery_by_what_its_worker_was_doing(tmp_path: Path) -> None:
    """The caller stops waiting at once: the request that is out is `uncertain`, the delivery
    between two attempts `failed`, and the workers left behind change nothing afterwards."""
    sending, waiting, gate = threading.Event(), threading.Event(), threading.Event()

    def blocked() -> str:
        sending.set()
        gate.wait(10)
        return "late"

    def first_when_the_others_are_busy() -> str:
        assert sending.wait(10) and waiting.wait(10)
        return "ok"

    def backoff(seconds: float) -> None:
        waiting.set()
        gate.wait(10)

    configs = {n: ChannelConfig.model_validate({"type": "scripted"}) for n in ("a", "b", "c")}
    saved: list[Delivery] = []
    engine = DeliveryEngine(
        configs,
        lambda name: SendContext(env={}, outbox_dir=tmp_path, channel=name),
        sleep=backoff,
        checkpoint=saved.append,
    )
    ScriptedChannel.script = {
        "a": deque([first_when_the_others_are_busy]),
        "b": deque([blocked]),
        "c": deque([DeliveryError("503 busy", retryable=True), "c-1"]),
    }
    settled: list[Delivery] = []

    def on_settled(outcome: Outcome) -> None:
        settled.append(outcome.delivery)
        if len(settled) == 1:
            raise KeyboardInterrupt  # Ctrl-C while the first outcome is being stored

    with pytest.raises(Interrupted) as caught:
        engine.send_all(
            [delivery("a", 1), delivery("b", 2), delivery("c", 3)], outgoing, on_settled
        )
    stopped = {o.delivery.channel: o.delivery for o in caught.value.stopped}
    assert (stopped["b"].state, stopped["b"].attempts) == (DeliveryState.UNCERTAIN, 1)
    assert stopped["b"].error == "interrupted while sending: it may have been delivered"
    assert stopped["c"].state is DeliveryState.FAILED
    assert stopped["c"].error == "503 busy; interrupted before the next attempt"
    # the interrupted store of `a` is done again, then the two settled without their workers
    assert [(d.channel, d.state) for d in settled] == [
        ("a", DeliveryState.SENT),
        ("a", DeliveryState.SENT),
        ("b", DeliveryState.UNCERTAIN),
        ("c", DeliveryState.FAILED),
    ]
    gate.set()
    for worker in [t for t in threading.enumerate() if t.name.startswith("send-")]:
        worker.join(10)  # the released workers finish, and must report nothing
    assert len(settled) == 4 and saved == []
    assert [name for name, _ in ScriptedChannel.sent] == ["a", "b"]  # `c` never tried again

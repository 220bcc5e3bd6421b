"""The delivery engine: concurrent fan-out, retries with backoff, rate limits, threading ids.

Deliveries are written to the store before this runs (outbox first); here they are claimed
(`pending`/`failed` → `sending`), sent once each with retries for transient errors, and settled
as `sent`, `failed` or `uncertain` (the service may have accepted it: never re-sent blindly).
A multi-recipient channel reports each recipient or batch reached through its attempt state,
which the engine hands to `checkpoint` at once (the store), and seeds from the stored progress
when the delivery is sent again.
"""

from __future__ import annotations

import copy
import hashlib
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from incidentctl.channels.base import (
    AttemptState,
    Channel,
    Outgoing,
    SendContext,
    SendResult,
)
from incidentctl.channels.capabilities import EditsMessages
from incidentctl.channels.check import CheckedChannel
from incidentctl.channels.redaction import scrub, scrubbed
from incidentctl.channels.registry import channel_type
from incidentctl.delivery.fanout import FanOut, Flight
from incidentctl.errors import DeliveryError, IncidentctlError, PartialDeliveryError
from incidentctl.model.records import Delivery, DeliveryState
from incidentctl.playbook.schema import ChannelConfig

# called from worker threads: (delivery, state, attempt, error or None)
ProgressCallback = Callable[[Delivery, DeliveryState, int, str | None], None]
# called from worker threads with a delivery whose `progress` changed: persist it
Checkpoint = Callable[[Delivery], None]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0
    # a Retry-After longer than this is not waited for: the delivery fails and `retry` resends
    retry_after_cap: float = 60.0

    def delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        if attempt >= self.max_attempts:
            return None
        if retry_after is not None:
            if retry_after > self.retry_after_cap:
                return None
            return max(0.0, retry_after)
        backoff = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return float(backoff / 2 + random.uniform(0, backoff / 2))


class RateLimiter:
    """At most `rate` sends per second per channel, shared by every worker thread."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}
        self._sleep = sleep

    def wait(self, key: str, rate: float | None) -> None:
        if not rate:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(key, 0.0))
            self._next[key] = slot + 1.0 / rate
        if slot > now:
            self._sleep(slot - now)


def payload_hash(message: Mapping[str, Any]) -> str:
    digest = hashlib.sha256()
    for key in ("subject", "text", "html"):
        digest.update(f"{key}\0{message.get(key) or ''}\0".encode())
    return digest.hexdigest()


@dataclass
class Outcome:
    delivery: Delivery
    result: SendResult | None = None
    error: str | None = None


@dataclass
class DeliveryEngine:
    """Sends claimed deliveries concurrently; the caller persists each settled outcome."""

    channels: Mapping[str, ChannelConfig]
    make_context: Callable[[str], SendContext]
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    progress: ProgressCallback | None = None
    limiter: RateLimiter = field(default_factory=RateLimiter)
    # channel name -> type and settings validated at load; a channel not here is validated
    # when it is built
    checked: Mapping[str, CheckedChannel] = field(default_factory=dict)
    # saves a delivery's per-recipient progress as soon as the channel reports it
    checkpoint: Checkpoint | None = None

    def build(self, name: str) -> tuple[Channel, SendContext]:
        config = self.channels.get(name)
        if config is None:
            raise DeliveryError(f"channel {name!r} is no longer in the playbook")
        checked = self.checked.get(name)
        if checked is None:  # not validated at load: an engine given bare channel configs
            cls = channel_type(config.type)
            if cls is None:
                raise DeliveryError(f"channel {name!r} has unknown type {config.type!r}")
            checked = CheckedChannel(cls, cls.settings_model.model_validate(config.options))
        context = self.make_context(name)
        return checked.cls(name, checked.settings, context, config.timeout), context

    def send_all(
        self,
        deliveries: Sequence[Delivery],
        outgoing_for: Callable[[Delivery], Outgoing],
        on_settled: Callable[[Outcome], None],
    ) -> list[Outcome]:
        """Send each delivery in its own thread; `on_settled` runs in the caller's thread.

        Ctrl-C stops the wait at once: a delivery whose request is out is settled `uncertain`,
        one between two attempts `failed` (or `uncertain` if some recipients have it), one not
        started `pending`; then `fanout.Interrupted` (a KeyboardInterrupt) is raised."""
        if not deliveries:
            return []
        fan: FanOut[Outcome] = FanOut(deliveries)
        return fan.run(lambda f: self._send_one(fan, f, outgoing_for), on_settled, self._stopped)

    def _stopped(self, flight: Flight) -> Outcome:
        """The outcome of a delivery whose worker is left behind by Ctrl-C."""
        delivery = replace(flight.delivery, updated_at=self.clock())
        delivery.progress = copy.deepcopy(delivery.progress)
        if flight.phase == "sending":
            delivery.state = DeliveryState.UNCERTAIN
            delivery.error = "interrupted while sending: it may have been delivered"
        elif flight.phase == "waiting":
            delivery.state = DeliveryState.UNCERTAIN if flight.partial else DeliveryState.FAILED
            delivery.error = f"{flight.error}; interrupted before the next attempt"
        else:
            delivery.state = DeliveryState.PENDING
            delivery.error = "interrupted before sending"
        self._notify(delivery, delivery.state, delivery.error)
        return Outcome(delivery, None, delivery.error)

    def _save_progress(
        self, fan: FanOut[Outcome], delivery: Delivery, progress: dict[str, Any]
    ) -> None:
        def save() -> None:
            delivery.progress = copy.deepcopy(progress)
            if self.checkpoint is not None:
                self.checkpoint(delivery)

        fan.unless_stopped(save)

    def _notify(self, delivery: Delivery, state: DeliveryState, error: str | None = None) -> None:
        if self.progress is not None:
            self.progress(delivery, state, delivery.attempts, error)

    def _send_one(
        self, fan: FanOut[Outcome], flight: Flight, outgoing_for: Callable[[Delivery], Outgoing]
    ) -> Outcome:
        delivery = flight.delivery
        secrets: set[str] = set()
        try:
            channel, context = self.build(delivery.channel)
            secrets = context.secrets
            # one attempt state per delivery, kept across its retries and seeded from what
            # earlier runs stored (resume, not repeat)
            attempt = AttemptState(
                copy.deepcopy(delivery.progress), lambda p: self._save_progress(fan, delivery, p)
            )
            outgoing = replace(outgoing_for(delivery), attempt=attempt)
            rate = channel.rate_per_second
        except (DeliveryError, IncidentctlError) as exc:
            return self._settle(delivery, DeliveryState.FAILED, error=str(exc), secrets=secrets)
        except Exception as exc:  # a bad plugin must not take the others down
            return self._settle(
                delivery,
                DeliveryState.FAILED,
                error=f"channel setup failed: {type(exc).__name__}: {exc}",
                secrets=secrets,
            )
        state, error, result = self._attempts(fan, flight, channel, outgoing, rate, secrets)
        delivery.progress = copy.deepcopy(attempt.progress)
        return self._settle(delivery, state, error=error, result=result, secrets=secrets)

    def _attempts(
        self,
        fan: FanOut[Outcome],
        flight: Flight,
        channel: Channel,
        outgoing: Outgoing,
        rate: float | None,
        secrets: set[str],
    ) -> tuple[DeliveryState, str | None, SendResult | None]:
        """Attempt until sent, given up or uncertain: the state to settle in, and why."""
        delivery = flight.delivery
        while True:
            self.limiter.wait(delivery.channel, rate)
            fan.enter(flight, "sending")
            delivery.attempts += 1
            self._notify(delivery, DeliveryState.SENDING)
            try:
                result = _deliver(channel, outgoing)
            except DeliveryError as exc:
                if exc.uncertain:
                    return DeliveryState.UNCERTAIN, exc.message, None
                wait = (
                    self.policy.delay(delivery.attempts, exc.retry_after) if exc.retryable else None
                )
                if wait is None and isinstance(exc, PartialDeliveryError) and exc.sent > 0:
                    # some recipients already have it: a later blind re-send would duplicate
                    return DeliveryState.UNCERTAIN, exc.message, None
                if wait is None:
                    return DeliveryState.FAILED, exc.message, None
                message = scrub(exc.message, secrets)
                partial = isinstance(exc, PartialDeliveryError) and exc.sent > 0
                fan.enter(flight, "waiting", message, partial=partial)
                self._notify(delivery, DeliveryState.SENDING, message)
                self.sleep(wait)
                continue
            except IncidentctlError as exc:
                return DeliveryState.FAILED, str(exc), None
            except Exception as exc:
                return DeliveryState.FAILED, f"unexpected {type(exc).__name__}: {exc}", None
            return DeliveryState.SENT, None, result

    def _settle(
        self,
        delivery: Delivery,
        state: DeliveryState,
        *,
        error: str | None = None,
        result: SendResult | None = None,
        secrets: set[str],
    ) -> Outcome:
        now = self.clock()
        delivery.state = state
        delivery.updated_at = now
        delivery.error = scrub(error, secrets) if error else None
        if result is not None:
            result = scrubbed(result, secrets)
            delivery.remote_id = result.remote_id
            delivery.link = result.link
            delivery.sent_at = now
            if result.notes:
                delivery.error = "; ".join(result.notes)
        self._notify(delivery, state, delivery.error)
        return Outcome(replace(delivery), result, delivery.error)


def _deliver(channel: Channel, outgoing: Outgoing) -> SendResult:
    """One attempt: an edit in place where the delivery replaces a message, else a send."""
    if outgoing.edits is not None:
        if not isinstance(channel, EditsMessages):
            raise DeliveryError("this channel cannot edit a message it sent", retryable=False)
        return channel.edit(outgoing.edits, outgoing)
    return channel.send(outgoing)

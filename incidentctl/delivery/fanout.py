"""A fan-out on daemon threads that an interrupted caller can leave behind.

A worker blocked in an HTTP request cannot be stopped, and `ThreadPoolExecutor` joins its
workers (at `shutdown` and again at interpreter exit), so Ctrl-C used to wait for the slowest
channel's timeout. Here each delivery has a daemon thread, the caller waits on a queue (a
signal interrupts that wait at once), and on Ctrl-C the caller settles what each worker was
doing from the phase it last reported, then leaves the workers to die with the process. A
worker checks in (`enter`) before each step, so none starts a request after the caller left.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from incidentctl.model.records import Delivery

T = TypeVar("T")
# queued: nothing sent yet; sending: a request is out; waiting: between two attempts
Phase = Literal["queued", "sending", "waiting"]
# every delivery of a fan-out in one wave (a playbook has tens of channels, not hundreds):
# the total time is the slowest channel's, not two of them back to back
MAX_WORKERS = 256


@dataclass
class Flight:
    """One delivery of a fan-out, as its worker last reported it."""

    delivery: Delivery
    phase: Phase = "queued"
    # while waiting: the last attempt's error, and whether it said some recipients have it
    error: str | None = None
    partial: bool = False
    done: bool = False


class Stopped(BaseException):
    """Raised in a worker that checks in after the caller was interrupted: it must not go on.
    A BaseException, so no `except Exception` on the way swallows it."""


class Interrupted(KeyboardInterrupt, Generic[T]):
    """Ctrl-C during a fan-out, raised once every delivery has an outcome: `stopped` holds the
    outcomes of those the caller settled without waiting for their worker."""

    def __init__(self, stopped: Sequence[T]) -> None:
        super().__init__()
        self.stopped = list(stopped)


class FanOut(Generic[T]):
    """Runs `work` for each delivery on its own daemon thread (at most MAX_WORKERS at once)."""

    def __init__(self, deliveries: Sequence[Delivery]) -> None:
        self.flights = [Flight(d) for d in deliveries]
        self.lock = threading.Lock()
        self.stopped = False
        self._results: queue.SimpleQueue[T] = queue.SimpleQueue()
        self._slots = threading.BoundedSemaphore(max(1, min(MAX_WORKERS, len(deliveries))))

    def run(
        self,
        work: Callable[[Flight], T],
        on_settled: Callable[[T], None],
        interrupted: Callable[[Flight], T],
    ) -> list[T]:
        """Every outcome, in the order they came; `on_settled` runs in the caller's thread.

        On Ctrl-C, `interrupted` turns each unfinished flight into an outcome (under the lock,
        so no worker changes phase meanwhile), those go through `on_settled` too, and
        `Interrupted` is raised."""
        for flight in self.flights:
            thread = threading.Thread(
                target=self._work,
                args=(flight, work),
                name=f"send-{flight.delivery.channel}",
                daemon=True,
            )
            thread.start()
        received: list[T] = []
        persisted = 0
        try:
            while len(received) < len(self.flights):
                received.append(self._results.get())
                on_settled(received[-1])
                persisted += 1
        except KeyboardInterrupt:
            with self.lock:
                self.stopped = True
                while not self._results.empty():
                    received.append(self._results.get_nowait())
                stopped = [interrupted(f) for f in self.flights if not f.done]
            for outcome in [*received[persisted:], *stopped]:
                on_settled(outcome)
            raise Interrupted(stopped) from None
        return received

    def enter(
        self, flight: Flight, phase: Phase, error: str | None = None, *, partial: bool = False
    ) -> None:
        """A worker's report before its next step; raises `Stopped` once the caller has left."""
        with self.lock:
            if self.stopped:
                raise Stopped
            flight.phase, flight.error, flight.partial = phase, error, partial

    def unless_stopped(self, action: Callable[[], None]) -> None:
        """Run `action` (a store write) unless the caller has left: it owns the record then."""
        with self.lock:
            if not self.stopped:
                action()

    def _work(self, flight: Flight, work: Callable[[Flight], T]) -> None:
        with self._slots:
            try:
                outcome = work(flight)
            except Stopped:
                return
        with self.lock:
            if self.stopped:
                return
            flight.done = True
            self._results.put(outcome)

"""Claims on deliveries, on each backend: one sender per delivery, and a send under way in a
live process is never taken for one a crash interrupted."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from incidentctl.model.records import DeliveryState
from incidentctl.store import open_url
from incidentctl.store.base import Store
from incidentctl.store.sqlite import sqlite_url
from tests.store.test_sqlite import DAY, T0, create, make_id, new_delivery, new_event, new_incident

INTERRUPTED = "interrupted while sending"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh store's URL on each backend (PostgreSQL: skipped without a server)."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "incidentctl.db")
    else:
        yield request.getfixturevalue("schemas").new()


def _seed(url: str, channels: int = 1) -> list[int]:
    with open_url(url) as store:
        create(
            store,
            make_id,
            DAY,
            new_incident(),
            new_event(),
            [new_delivery(f"c{n}") for n in range(channels)],
        )
        return [d.id for d in store.deliveries() if d.id is not None]


def _state(store: Store, delivery_id: int) -> DeliveryState:
    [found] = [d for d in store.deliveries() if d.id == delivery_id]
    return found.state


def test_a_send_under_way_is_left_alone_until_its_sender_is_gone(url: str) -> None:
    [delivery_id] = _seed(url)
    sender, other = open_url(url), open_url(url)
    try:
        [claimed] = sender.claim_deliveries([delivery_id], T0)
        assert claimed.state is DeliveryState.SENDING
        assert other.mark_interrupted([delivery_id], INTERRUPTED) == []
        assert _state(other, delivery_id) is DeliveryState.SENDING
        sender.close()  # as a process that dies: its claim goes with it
        # PostgreSQL ends the closed session's backend (and frees its locks) a moment later
        deadline = time.monotonic() + 10
        marked_ids = other.mark_interrupted([delivery_id], INTERRUPTED)
        while not marked_ids and time.monotonic() < deadline:
            time.sleep(0.05)
            marked_ids = other.mark_interrupted([delivery_id], INTERRUPTED)
        assert marked_ids == [delivery_id]
        [marked] = other.deliveries()
        assert marked.state is DeliveryState.UNCERTAIN and marked.error == INTERRUPTED
    finally:
        sender.close()
        other.close()


def test_a_recorded_outcome_is_never_overwritten_by_a_late_marker(url: str) -> None:
    [delivery_id] = _seed(url)
    with open_url(url) as sender, open_url(url) as other:
        [claimed] = sender.claim_deliveries([delivery_id], T0)
        claimed.state = DeliveryState.SENT
        sender.update_delivery(claimed)
        # a marker that read `sending` before the outcome was recorded changes nothing
        assert other.mark_interrupted([delivery_id], INTERRUPTED) == []
        assert _state(other, delivery_id) is DeliveryState.SENT


def test_concurrent_claims_never_share_a_delivery(url: str) -> None:
    ids = _seed(url, channels=30)
    results: list[list[int]] = []

    def worker() -> None:
        with open_url(url) as mine:
            results.append([d.id for d in mine.claim_deliveries(ids, T0) if d.id is not None])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(i for result in results for i in result) == ids

"""`Store.numbering` and `Store.import_incident` on SQLite: an exported incident stored back as
it was, its events in order under new row ids, or nothing at all when its id is taken."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from incidentctl.errors import IncidentIdTaken
from incidentctl.model.records import DeliveryState, EventKind
from incidentctl.store.sqlite import SQLiteStore
from tests.store.test_sqlite import DAY, T0, declare, new_delivery, new_event, new_incident


def test_numbering_is_the_day_and_sequence_of_the_id(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "a.db") as store:
        first, second = declare(store), declare(store, "DB slow")
        assert store.numbering(first.id) == (DAY, 1)
        assert store.numbering(second.id) == (DAY, 2)
        assert store.numbering("INC-nope") is None


def test_import_keeps_version_threads_order_and_states(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "b.db") as store:
        declare(store, "Someone else's")  # takes the first row ids
        incident = replace(new_incident(), id="INC-20240305-007", uid="u-7", version=5)
        incident.threads = {"slack": "1700.1"}
        events = [new_event(at=T0), new_event(EventKind.UPDATE, at=T0 + timedelta(minutes=5))]
        sent = replace(new_delivery("slack"), state=DeliveryState.SENT, attempts=2, event_id=2)
        failed = replace(new_delivery("email"), state=DeliveryState.FAILED, event_id=1)
        for delivery in (sent, failed):
            delivery.created_at = delivery.updated_at = T0
        store.import_incident(incident, events, [sent, failed], day=DAY, seq=7)

        stored = store.get_incident(incident.id)
        assert stored is not None and stored.version == 5 and stored.uid == "u-7"
        assert stored.threads == {"slack": "1700.1"}
        timeline = store.timeline(incident.id)
        assert [e.kind for e in timeline] == [EventKind.DECLARED, EventKind.UPDATE]
        assert [e.id for e in timeline] == [e.id for e in events] and events[0].id != 1
        deliveries = store.deliveries(incident_id=incident.id)
        assert [(d.channel, d.state, d.attempts) for d in deliveries] == [
            ("slack", DeliveryState.SENT, 2),
            ("email", DeliveryState.FAILED, 0),
        ]
        assert [d.event_id for d in deliveries] == [timeline[1].id, timeline[0].id]
        assert store.numbering(incident.id) == (DAY, 7)
        assert store.next_sequence(DAY) == 8


@pytest.mark.parametrize("taken", ["id", "number"])
def test_import_over_a_taken_id_or_number_stores_nothing(tmp_path: Path, taken: str) -> None:
    with SQLiteStore(tmp_path / "c.db") as store:
        existing = declare(store)
        incident = replace(new_incident(), id=existing.id if taken == "id" else "OTHER-1")
        before = len(store.deliveries())
        with pytest.raises(IncidentIdTaken):
            store.import_incident(
                incident, [new_event()], [replace(new_delivery(), event_id=1)], day=DAY, seq=1
            )
        assert len(store.deliveries()) == before
        assert store.get_incident("OTHER-1") is None
        assert len(store.timeline(existing.id)) == 1

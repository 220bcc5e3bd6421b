"""`Store.announced`: which events went to which channels, read without the messages."""

from __future__ import annotations

from pathlib import Path

from incidentctl.model.records import EventKind, Stage
from tests.app.site.builders import history


def test_announced_lists_the_events_told_on_the_channels_asked(tmp_path: Path) -> None:
    with history(tmp_path) as h:
        incident = h.declare("Logins fail")
        h.later(10)
        h.resolve(incident)
        store = h.ws.store
        spoken = [
            e.id
            for e in store.timeline(incident.id)
            if e.kind in (EventKind.DECLARED, EventKind.RESOLVED)
        ]
        # sev1 tells the outbox and the room (console) at every stage
        assert store.announced(["outbox"]) == [
            (incident.id, spoken[0], Stage.INVESTIGATING),
            (incident.id, spoken[1], Stage.RESOLVED),
        ]
        assert len(store.announced(["outbox", "room"], organization="Acme Cloud")) == 4
        assert store.announced(["outbox"], organization="Someone else") == []
        assert store.announced([]) == []


def test_timelines_reads_many_incidents_as_timeline_reads_one(tmp_path: Path) -> None:
    with history(tmp_path) as h:
        first = h.declare("Logins fail")
        h.later(10)
        second = h.declare("Payments slow")
        h.later(5)
        h.resolve(first)
        store = h.ws.store
        found = store.timelines([second.id, first.id, "INC-none", first.id])
        assert set(found) == {first.id, second.id}
        for incident in (first, second):
            assert found[incident.id] == store.timeline(incident.id)
        assert [e.kind for e in found[first.id]][-1] is EventKind.RESOLVED
        assert store.timelines([]) == {}

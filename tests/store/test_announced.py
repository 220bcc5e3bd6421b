"""`Store.announced`: which events went to which channels, read without the messages."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from incidentctl.model.records import EventKind, Incident, Moment, Stage
from incidentctl.store.rows import to_text
from tests.app.site.builders import History, history


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


def two_incidents(h: History) -> tuple[Incident, Incident]:
    """One resolved, one still open, declared ten minutes apart."""
    first = h.declare("Logins fail")
    h.later(10)
    second = h.declare("Payments slow")
    h.later(5)
    h.resolve(first)
    return first, second


def test_timelines_reads_many_incidents_as_timeline_reads_one(tmp_path: Path) -> None:
    with history(tmp_path) as h:
        first, second = two_incidents(h)
        store = h.ws.store
        found = store.timelines([second.id, first.id, "INC-none", first.id])
        assert set(found) == {first.id, second.id}
        for incident in (first, second):
            assert found[incident.id] == store.timeline(incident.id)
        assert [e.kind for e in found[first.id]][-1] is EventKind.RESOLVED
        assert store.timelines([]) == {}


def test_moments_are_the_timeline_with_only_the_data_the_figures_read(tmp_path: Path) -> None:
    with history(tmp_path) as h:
        incident = h.declare("Logins fail", ("api=major_outage",), severity="sev2")
        h.later(10)
        h.update(
            incident,
            "Found it.",
            status="identified",
            components=["api=degraded_performance"],
            severity="sev1",
        )
        h.later(5)
        h.resolve(incident)
        store = h.ws.store
        events = store.timeline(incident.id)
        found = store.moments([incident.id, "INC-none", incident.id])
        assert list(found) == [incident.id]
        moments = found[incident.id]
        assert [(m.kind, m.at) for m in moments] == [(e.kind.value, to_text(e.at)) for e in events]
        by_kind: dict[str, Moment] = {}
        for moment in moments:
            by_kind.setdefault(moment.kind, moment)  # the first of each kind
        declared = by_kind[EventKind.DECLARED.value]
        assert declared.severity == "sev2"
        assert json.loads(declared.components or "") == {"api": "major_outage"}
        assert declared.to is None and declared.component is None
        assert by_kind[EventKind.STATUS_CHANGE.value].to == "identified"
        assert by_kind[EventKind.SEVERITY_CHANGE.value].to == "sev1"
        change = by_kind[EventKind.COMPONENT_CHANGE.value]
        assert (change.component, change.to) == ("api", "degraded_performance")
        # the snapshot the declaration keeps for its deliveries is not read back
        assert "snapshot" in events[0].data
        assert all("Logins fail" not in str(value) for m in moments for value in m)
        resolved = by_kind[EventKind.RESOLVED.value]
        assert resolved[3:7] == (None, None, None, None)
        # raised to sev1, which requires a public postmortem: its resolution says so
        assert resolved.requires_postmortem
        assert not declared.requires_postmortem
        assert store.moments([]) == {}


def test_digests_are_kept_per_incident_and_name_and_replaced(tmp_path: Path) -> None:
    with history(tmp_path) as h:
        first, second = two_incidents(h)
        store = h.ws.store
        last = store.last_event_ids([first.id, second.id, "INC-none"])
        assert last == {
            first.id: store.timeline(first.id)[-1].id,
            second.id: store.timeline(second.id)[-1].id,
        }
        store.keep_digests("a", {first.id: (1, "[1]"), second.id: (2, "[2]")})
        store.keep_digests("b", {first.id: (3, "[3]")})
        store.keep_digests("a", {first.id: (4, "[4]")})
        store.keep_digests("a", {})
        assert store.digests("a", [first.id, second.id, "INC-none"]) == {
            first.id: (4, "[4]"),
            second.id: (2, "[2]"),
        }
        assert store.digests("b", [first.id, second.id]) == {first.id: (3, "[3]")}
        assert store.digests("a", []) == {}
        # most of the history at once: one walk of the table, the ids asked only
        many = [f"INC-x{n}" for n in range(2500)] + [second.id]
        assert store.digests("a", many) == {second.id: (2, "[2]")}
        assert store.last_event_ids(many) == {second.id: last[second.id]}
        # a cache, not a record: a store copy leaves it behind
        assert "digests" not in store.counts()


def test_incident_heads_list_every_incident_in_the_order_incidents_are_listed(
    tmp_path: Path,
) -> None:
    from incidentctl.model.records import IncidentHead

    with history(tmp_path) as h:
        first, second = two_incidents(h)
        store = h.ws.store
        first = store.get_incident(first.id) or first
        heads = store.incident_heads(organization="Acme Cloud")
        assert [head.id for head in heads] == [i.id for i in store.list_incidents()]
        day, seq = store.numbering(first.id) or (None, 0)
        assert heads[1]._replace(revision=0) == IncidentHead(
            first.id, first.version, False, to_text(first.declared_at),
            to_text(first.resolved_at or first.declared_at), ("api",), str(day), seq, 0,
            first.title, "resolved",
        )  # fmt: skip
        assert heads[0].open and heads[0].resolved_at is None
        assert store.incident_heads(organization="Someone else") == []
        # the heads' times sort as the moments they name
        assert heads[0].declared_at > heads[1].declared_at
        found = store.incidents([second.id, "INC-nope", first.id])
        assert sorted(found) == sorted([first.id, second.id])
        assert found[first.id] == first
        assert store.incidents([]) == {}
        many = store.incidents([first.id] * 1200 + [f"INC-{n}" for n in range(1200)])
        assert list(many) == [first.id]


def test_incident_heads_filtered_by_revision_state_declaration_and_id(tmp_path: Path) -> None:
    with history(tmp_path) as h:
        assert h.ws.store.incident_revision() == 0
        first, second = two_incidents(h)
        store = h.ws.store
        mark = store.incident_revision()
        assert mark >= 2
        assert store.incident_heads(changed_after=mark) == []
        h.later(10)
        third = h.declare("Search down")
        assert store.incident_revision() > mark

        def ids(**filters: object) -> list[str]:
            return [head.id for head in store.incident_heads(**filters)]  # type: ignore[arg-type]

        assert ids(changed_after=mark) == [third.id]
        # open ones, and those resolved after the moment given
        resolved = (store.get_incident(first.id) or first).resolved_at
        assert resolved is not None
        assert ids(resolved_after=resolved) == [third.id, second.id]
        assert ids(resolved_after=resolved - timedelta(seconds=1)) == [
            third.id,
            second.id,
            first.id,
        ]
        between = (first.declared_at, second.declared_at)
        assert ids(declared_between=between) == [first.id]
        assert ids(open_now=True) == [third.id, second.id]  # the open ones only
        assert ids(open_now=True, changed_after=0) == [third.id, second.id, first.id]
        # any filter that matches: in the order incidents are listed, each once
        assert ids(changed_after=mark, ids=[first.id, third.id, "INC-nope"]) == [third.id, first.id]
        assert ids(ids=[first.id] * 600 + [second.id]) == [second.id, first.id]
        assert ids(organization="Someone else", ids=[first.id]) == []
        # an update is a write: the incident has the highest revision again
        mark = store.incident_revision()
        h.later(5)
        h.update(second, "Looking")
        assert ids(changed_after=mark) == [second.id]


def test_copied_incidents_count_as_written_in_the_store_they_are_copied_to(
    tmp_path: Path,
) -> None:
    from incidentctl.store.sqlstore import TABLES

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with history(tmp_path / "a") as h:
        two_incidents(h)
        rows = {table: h.ws.store.table_rows(table) for table in TABLES}  # type: ignore[attr-defined]
    with history(tmp_path / "b") as h:
        store = h.ws.store
        store.insert_rows(rows)  # type: ignore[attr-defined]
        copied = store.incident_heads()
        assert len(copied) == 2 and all(head.revision > 0 for head in copied)
        assert store.incident_heads(changed_after=0) == copied


def test_most_of_the_history_is_read_by_one_walk_and_the_rest_by_slices_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past `MANY` incidents asked for and three quarters of the store's, the reads walk a
    whole table; under it, they ask by ids in slices: both give the same answers."""
    from incidentctl.store import sqlstore

    with history(tmp_path) as h:
        incidents = []
        for n in range(8):
            incidents.append(h.declare(f"Incident {n}"))
            h.later(10)
            if n % 2:
                h.resolve(incidents[-1])
        store = h.ws.store
        store.keep_digests("site", {i.id: (i.version, f"digest {i.id}") for i in incidents})
        ids = [i.id for i in incidents]

        def reads(asked: list[str]) -> list[object]:
            return [
                store.timelines(asked),
                store.moments(asked),
                store.announced(["outbox", "room"], organization="Acme Cloud", incidents=asked),
                store.first_sent(["outbox"], asked),
                store.digests("site", asked),
            ]

        walks: list[int] = []
        real_most = store._most

        def most(conn: object, asked: int) -> bool:
            answer = real_most(conn, asked)  # type: ignore[arg-type]
            walks.append(answer)
            return answer

        monkeypatch.setattr(store, "_most", most)
        monkeypatch.setattr(sqlstore, "MANY", 100)
        sliced = {n: reads(ids[:n]) for n in (8, 5, 2)}
        assert not any(walks)
        monkeypatch.setattr(sqlstore, "MANY", 1)
        walks.clear()
        for n, expected in sliced.items():
            walks.clear()
            assert reads(ids[:n]) == expected, n
            # 8 of 8 are most of them; 5 and 2 of 8 are not
            assert all(walks) if n == 8 else not any(walks), (n, walks)
        timelines, _, told, sent, digests = sliced[8]
        assert told and sent and digests == {i.id: (i.version, f"digest {i.id}") for i in incidents}
        assert timelines == {i.id: store.timeline(i.id) for i in incidents}

"""Tests for the SQLite state store, its migrations and `open_store`."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

import incidentctl
from incidentctl.errors import IncidentChanged, IncidentIdTaken, IncidentNotFound, StateError
from incidentctl.model.records import (
    ComponentStatus,
    Delivery,
    DeliveryState,
    EventKind,
    Incident,
    RenderedMessage,
    Stage,
    TimelineEvent,
)
from incidentctl.store import open_store, state_dir
from incidentctl.store.base import Store
from incidentctl.store.dialects import Dialect
from incidentctl.store.migrations import MIGRATIONS, Connection, applied_migrations, migrate
from incidentctl.store.sqlite import SQLiteStore
from incidentctl.store.sqlite_schema import BUSY_TIMEOUT_MS

REPO = Path(incidentctl.__file__).resolve().parent.parent
DAY = date(2024, 3, 5)
T0 = datetime(2024, 3, 5, 9, 30, tzinfo=UTC)


def make_id(day: date, seq: int) -> str:
    return f"INC-{day:%Y%m%d}-{seq:03d}"


def new_incident(title: str = "API down", at: datetime = T0) -> Incident:
    return Incident(
        id="",
        title=title,
        severity="sev1",
        status=Stage.INVESTIGATING,
        declared_at=at,
        updated_at=at,
        impact="Checkout fails",
        components={"api": ComponentStatus.MAJOR_OUTAGE},
        roles={"commander": "ada"},
        next_update_due=at + timedelta(minutes=30),
    )


def new_event(kind: EventKind = EventKind.DECLARED, at: datetime = T0) -> TimelineEvent:
    return TimelineEvent(incident_id="", kind=kind, at=at, message=f"{kind.value}", data={"n": 1})


def new_delivery(channel: str = "slack", stage: Stage = Stage.INVESTIGATING) -> Delivery:
    return Delivery(
        incident_id="",
        channel=channel,
        channel_type=channel,
        stage=stage,
        message=RenderedMessage(text="We are investigating", subject="Incident", html="<p>x</p>"),
        payload_hash="abc123",
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(tmp_path / "incidentctl.db") as opened:
        yield opened


def create(
    store: Store,
    id_for: Callable[[date, int], str],
    day: date,
    incident: Incident,
    event: TimelineEvent,
    deliveries: Sequence[Delivery],
) -> Incident:
    """Number the incident with the day's next sequence and store it, as `declare` does: a
    concurrent writer taking that number first means trying the next one."""
    for _ in range(100):
        seq = store.next_sequence(day)
        incident.id = id_for(day, seq)
        try:
            return store.create_incident(incident, event, deliveries, day=day, seq=seq)
        except IncidentIdTaken:
            continue
    raise AssertionError("no free sequence number after 100 attempts")


def declare(store: Store, title: str = "API down", at: datetime = T0) -> Incident:
    return create(store, make_id, DAY, new_incident(title, at), new_event(at=at), [new_delivery()])


# -- create -------------------------------------------------------------------------------------


def test_create_sets_ids_and_allocates_daily_sequence(store: SQLiteStore) -> None:
    event = new_event()
    deliveries = [new_delivery("slack"), new_delivery("email")]
    first = create(store, make_id, DAY, new_incident(), event, deliveries)
    second = declare(store, "DB slow")
    other_day = create(store, make_id, DAY + timedelta(days=1), new_incident(), new_event(), [])

    assert first.id == "INC-20240305-001"
    assert second.id == "INC-20240305-002"
    assert other_day.id == "INC-20240306-001"
    assert event.incident_id == first.id and event.id is not None
    assert [d.event_id for d in deliveries] == [event.id, event.id]
    assert all(d.incident_id == first.id and d.id is not None for d in deliveries)
    assert deliveries[0].created_at == T0 and deliveries[0].updated_at == T0


def test_create_uses_custom_id_factory(store: SQLiteStore) -> None:
    calls: list[tuple[date, int]] = []

    def custom(day: date, seq: int) -> str:
        calls.append((day, seq))
        return f"{day.isoformat()}#{seq}"

    incident = create(store, custom, DAY, new_incident(), new_event(), [])
    assert incident.id == "2024-03-05#1"
    assert calls == [(DAY, 1)]
    assert store.get_incident("2024-03-05#1") is not None


def test_failed_create_rolls_back_everything(store: SQLiteStore) -> None:
    declare(store)
    taken = new_incident()
    taken.id = "INC-20240305-001"
    with pytest.raises(StateError, match="UNIQUE constraint failed"):
        store.create_incident(taken, new_event(), [new_delivery()], day=DAY, seq=2)
    assert len(store.list_incidents()) == 1
    assert len(store.timeline("INC-20240305-001")) == 1


def test_next_sequence_follows_the_days_highest_number(store: SQLiteStore) -> None:
    assert store.next_sequence(DAY) == 1
    declare(store)
    assert store.next_sequence(DAY) == 2
    gap = new_incident("imported")
    gap.id = "INC-20240305-007"
    store.create_incident(gap, new_event(), [], day=DAY, seq=7)
    assert store.next_sequence(DAY) == 8
    assert store.next_sequence(DAY + timedelta(days=1)) == 1
    with closing(sqlite3.connect(store.path)) as raw:
        plan = raw.execute(
            "EXPLAIN QUERY PLAN SELECT MAX(seq) FROM incidents WHERE day = ?", (DAY.isoformat(),)
        ).fetchall()
    assert "USING COVERING INDEX" in plan[0][-1]  # the (day, seq) index, not a scan


def test_a_taken_sequence_is_reported_and_nothing_is_stored(store: SQLiteStore) -> None:
    declare(store)
    late = new_incident("late")
    late.id = "INC-other-id"
    event, delivery = new_event(), new_delivery()
    with pytest.raises(IncidentIdTaken, match=r"UNIQUE constraint failed: incidents\.day"):
        store.create_incident(late, event, [delivery], day=DAY, seq=1)
    assert store.get_incident("INC-other-id") is None
    assert event.id is None and delivery.id is None
    assert len(store.deliveries()) == 1


def test_a_failure_after_the_incident_row_rolls_it_back(store: SQLiteStore) -> None:
    incident = new_incident()
    incident.id = "INC-20240305-001"
    broken = new_delivery()
    broken.stage = "bogus"  # type: ignore[assignment]
    with pytest.raises(ValueError, match="bogus"):
        store.create_incident(incident, new_event(), [new_delivery(), broken], day=DAY, seq=1)
    assert store.list_incidents() == [] and store.deliveries() == []
    assert store.timeline("INC-20240305-001") == []
    assert store.next_sequence(DAY) == 1


def test_other_integrity_errors_are_not_a_taken_id(store: SQLiteStore) -> None:
    untitled = new_incident()
    untitled.id = "INC-20240305-001"
    untitled.title = None  # type: ignore[assignment]
    with pytest.raises(StateError, match="NOT NULL constraint failed") as caught:
        store.create_incident(untitled, new_event(), [], day=DAY, seq=1)
    assert not isinstance(caught.value, IncidentIdTaken)


def test_find_open_incident_by_title_since(store: SQLiteStore) -> None:
    older = declare(store, "API slow", T0)
    newer = declare(store, "API slow", T0 + timedelta(minutes=10))
    declare(store, "API slower", T0 + timedelta(minutes=20))
    since = T0 - timedelta(minutes=1)
    assert store.find_open_incident("API slow", declared_after=since) == newer
    assert store.find_open_incident("api slow", declared_after=since) is None
    assert store.find_open_incident("API slow", declared_after=newer.declared_at) is None
    newer.status = Stage.RESOLVED
    store.record(newer, [new_event(EventKind.RESOLVED)], [])
    assert store.find_open_incident("API slow", declared_after=since) == older
    paris = timezone(timedelta(hours=1))
    assert store.find_open_incident("API slow", declared_after=since.astimezone(paris)) == older


def test_get_incident_round_trips_fields(store: SQLiteStore) -> None:
    created = declare(store)
    loaded = store.get_incident(created.id)
    assert loaded == created
    assert loaded is not None and loaded.components["api"] is ComponentStatus.MAJOR_OUTAGE
    assert store.get_incident("INC-nope") is None


def test_datetimes_round_trip_as_aware_utc(store: SQLiteStore) -> None:
    paris = timezone(timedelta(hours=2))
    local = datetime(2024, 3, 5, 11, 30, 15, 123456, tzinfo=paris)
    incident = create(
        store, make_id, DAY, new_incident(at=local), new_event(at=local), [new_delivery()]
    )
    loaded = store.get_incident(incident.id)
    assert loaded is not None
    assert loaded.declared_at == local
    assert loaded.declared_at.utcoffset() == timedelta(0)
    assert loaded.declared_at.hour == 9 and loaded.declared_at.microsecond == 123456
    assert loaded.next_update_due is not None and loaded.next_update_due.tzinfo is not None
    assert loaded.resolved_at is None
    (event,) = store.timeline(incident.id)
    assert event.at == local and event.at.utcoffset() == timedelta(0)
    (delivery,) = store.deliveries()
    assert delivery.created_at is not None and delivery.created_at.utcoffset() == timedelta(0)
    with closing(sqlite3.connect(store.path)) as raw:
        stored = raw.execute("SELECT declared_at FROM incidents").fetchone()[0]
    assert stored == "2024-03-05T09:30:15.123456+00:00"


# -- record / timeline --------------------------------------------------------------------------


def test_record_updates_incident_and_appends_events_and_deliveries(store: SQLiteStore) -> None:
    incident = declare(store)
    later = T0 + timedelta(minutes=20)
    incident.status = Stage.RESOLVED
    incident.updated_at = later
    incident.resolved_at = later
    incident.workaround = "retry"
    incident.eta = "soon"
    incident.category = "security"
    incident.components = {"api": ComponentStatus.OPERATIONAL}
    incident.roles = {"commander": "grace"}
    incident.next_update_due = None
    events = [new_event(EventKind.STATUS_CHANGE, later), new_event(EventKind.RESOLVED, later)]
    deliveries = [new_delivery("slack", Stage.RESOLVED), new_delivery("email", Stage.RESOLVED)]
    store.record(incident, events, deliveries)

    assert store.get_incident(incident.id) == incident
    assert all(e.id is not None and e.incident_id == incident.id for e in events)
    assert [d.event_id for d in deliveries] == [events[-1].id] * 2
    stored = store.deliveries(incident_id=incident.id)
    assert [(d.channel, d.stage, d.event_id) for d in stored[1:]] == [
        ("slack", Stage.RESOLVED, events[-1].id),
        ("email", Stage.RESOLVED, events[-1].id),
    ]
    assert stored[1].message == RenderedMessage("We are investigating", "Incident", "<p>x</p>")


def test_a_write_from_a_stale_copy_is_refused_and_stores_nothing(store: SQLiteStore) -> None:
    incident = declare(store)
    mine, theirs = store.get_incident(incident.id), store.get_incident(incident.id)
    assert mine is not None and theirs is not None and mine.version == theirs.version == 0
    theirs.components = {"api": ComponentStatus.MAJOR_OUTAGE}
    store.record(theirs, [new_event(EventKind.COMPONENT_CHANGE, T0)], [])
    assert theirs.version == 1

    mine.components = {"portal": ComponentStatus.DEGRADED_PERFORMANCE}
    with pytest.raises(IncidentChanged, match=r"version 0, now 1\); nothing was stored"):
        store.record(mine, [new_event(EventKind.COMPONENT_CHANGE, T0)], [new_delivery("slack")])
    stored = store.get_incident(incident.id)
    assert stored is not None and stored.version == 1 and mine.version == 0
    assert stored.components == {"api": ComponentStatus.MAJOR_OUTAGE}
    assert len(store.timeline(incident.id)) == 2
    assert len(store.deliveries(incident_id=incident.id)) == 1  # the declared one only


def test_inside_exclusive_no_other_writer_gets_in(store: SQLiteStore) -> None:
    incident = declare(store)
    other = sqlite3.connect(store.path, timeout=0.1, isolation_level=None)
    try:
        with store.exclusive():
            current = store.get_incident(incident.id)
            assert current is not None
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            current.eta = "soon"
            store.record(current, [new_event(EventKind.UPDATE, T0)], [])
        other.execute("BEGIN IMMEDIATE")  # released at the end
        other.execute("ROLLBACK")
    finally:
        other.close()
    stored = store.get_incident(incident.id)
    assert stored is not None and stored.eta == "soon" and stored.version == 1


def test_an_error_inside_exclusive_rolls_everything_back(store: SQLiteStore) -> None:
    incident = declare(store)
    with pytest.raises(RuntimeError), store.exclusive():
        incident.eta = "soon"
        store.record(incident, [new_event(EventKind.UPDATE, T0)], [])
        raise RuntimeError("the plan failed after the write")
    stored = store.get_incident(incident.id)
    assert stored is not None and stored.eta == "" and stored.version == 0
    assert len(store.timeline(incident.id)) == 1


def test_set_thread_keeps_the_version_and_record_keeps_the_thread(store: SQLiteStore) -> None:
    incident = declare(store)
    store.set_thread(incident.id, "slack", "1700000000.1")
    incident.eta = "soon"
    store.record(incident, [new_event(EventKind.UPDATE, T0)], [])
    stored = store.get_incident(incident.id)
    assert stored is not None and stored.version == 1
    assert stored.threads == {"slack": "1700000000.1"} and stored.eta == "soon"


def test_record_keeps_explicit_event_id_and_requires_one_without_events(
    store: SQLiteStore,
) -> None:
    incident = declare(store)
    (declared,) = store.timeline(incident.id)
    retry = new_delivery("sms")
    retry.event_id = declared.id
    store.record(incident, [], [retry])
    assert store.deliveries(incident_id=incident.id)[-1].event_id == declared.id

    with pytest.raises(ValueError, match="event_id"):
        store.record(incident, [], [new_delivery("x")])
    assert len(store.deliveries(incident_id=incident.id)) == 2


def test_record_unknown_incident_raises(store: SQLiteStore) -> None:
    ghost = new_incident()
    ghost.id = "INC-ghost"
    with pytest.raises(IncidentNotFound):
        store.record(ghost, [new_event()], [])


def test_record_does_not_drop_threads_set_meanwhile(store: SQLiteStore) -> None:
    incident = declare(store)
    store.set_thread(incident.id, "slack", "1700.01")
    incident.threads = {"x": "99"}  # stale copy without the slack thread
    store.record(incident, [], [])
    loaded = store.get_incident(incident.id)
    assert loaded is not None and loaded.threads == {"slack": "1700.01", "x": "99"}
    assert incident.threads == loaded.threads


def test_timeline_is_oldest_first(store: SQLiteStore) -> None:
    incident = declare(store)
    t1, t2 = T0 + timedelta(minutes=5), T0 + timedelta(minutes=10)
    store.record(incident, [new_event(EventKind.UPDATE, t2)], [])
    store.record(incident, [new_event(EventKind.SEVERITY_CHANGE, t1)], [])
    store.record(incident, [new_event(EventKind.ROLE_CHANGE, t2)], [])
    kinds = [e.kind for e in store.timeline(incident.id)]
    assert kinds == [
        EventKind.DECLARED,
        EventKind.SEVERITY_CHANGE,
        EventKind.UPDATE,
        EventKind.ROLE_CHANGE,
    ]
    assert store.timeline(incident.id)[0].data == {"n": 1}
    assert store.timeline("INC-other") == []


def test_list_incidents_newest_first_and_open_only(store: SQLiteStore) -> None:
    old = declare(store, "old", T0)
    new = declare(store, "new", T0 + timedelta(hours=1))
    mid = declare(store, "mid", T0 + timedelta(minutes=30))
    mid.status = Stage.RESOLVED
    store.record(mid, [new_event(EventKind.RESOLVED)], [])
    assert [i.title for i in store.list_incidents()] == ["new", "mid", "old"]
    assert [i.id for i in store.list_incidents(open_only=True)] == [new.id, old.id]


# -- deliveries ---------------------------------------------------------------------------------


def test_deliveries_filter_by_state_and_incident(store: SQLiteStore) -> None:
    a = create(
        store,
        make_id,
        DAY,
        new_incident("a"),
        new_event(),
        [new_delivery("slack"), new_delivery("sms")],
    )
    b = declare(store, "b")
    slack_a, sms_a = store.deliveries(incident_id=a.id)
    sms_a.state = DeliveryState.FAILED
    sms_a.attempts = 3
    sms_a.error = "HTTP 500"
    store.update_delivery(sms_a)

    assert [d.id for d in store.deliveries()] == [slack_a.id, sms_a.id, 3]
    assert [d.channel for d in store.deliveries(incident_id=b.id)] == ["slack"]
    failed = store.deliveries(states=[DeliveryState.FAILED])
    assert [(d.id, d.attempts, d.error) for d in failed] == [(sms_a.id, 3, "HTTP 500")]
    pending_a = store.deliveries(incident_id=a.id, states={DeliveryState.PENDING})
    assert [d.id for d in pending_a] == [slack_a.id]
    both = store.deliveries(states=iter([DeliveryState.PENDING, DeliveryState.FAILED]))
    assert len(both) == 3
    assert store.deliveries(states=[]) == []


def test_update_delivery_persists_outcome(store: SQLiteStore) -> None:
    declare(store)
    (delivery,) = store.deliveries()
    sent = T0 + timedelta(seconds=3)
    delivery.state = DeliveryState.SENT
    delivery.attempts = 1
    delivery.remote_id = "1700.01"
    delivery.link = "https://example.slack.com/archives/C1/p1700"
    delivery.updated_at = sent
    delivery.sent_at = sent
    store.update_delivery(delivery)
    assert store.deliveries() == [delivery]

    delivery.id = 999
    with pytest.raises(StateError, match="no delivery 999"):
        store.update_delivery(delivery)


def test_claim_moves_only_pending_and_failed_once(store: SQLiteStore) -> None:
    create(
        store,
        make_id,
        DAY,
        new_incident(),
        new_event(),
        [new_delivery(name) for name in ("pending", "failed", "sent", "uncertain")],
    )
    pending, failed, sent, uncertain = store.deliveries()
    for delivery, state in (
        (failed, DeliveryState.FAILED),
        (sent, DeliveryState.SENT),
        (uncertain, DeliveryState.UNCERTAIN),
    ):
        delivery.state = state
        delivery.attempts = 2
        store.update_delivery(delivery)
    now = T0 + timedelta(minutes=1)
    ids = [d.id for d in (pending, failed, sent, uncertain) if d.id is not None]

    claimed = store.claim_deliveries(ids, now)
    assert [d.id for d in claimed] == [pending.id, failed.id]
    assert all(d.state is DeliveryState.SENDING and d.updated_at == now for d in claimed)
    assert [d.attempts for d in claimed] == [0, 2]
    assert store.claim_deliveries(ids, now) == []
    assert [d.state for d in store.deliveries()] == [
        DeliveryState.SENDING,
        DeliveryState.SENDING,
        DeliveryState.SENT,
        DeliveryState.UNCERTAIN,
    ]
    assert store.claim_deliveries([], now) == []


def test_concurrent_claims_never_share_a_delivery(tmp_path: Path) -> None:
    path = tmp_path / "incidentctl.db"
    with SQLiteStore(path) as setup:
        create(
            setup,
            make_id,
            DAY,
            new_incident(),
            new_event(),
            [new_delivery(f"c{i}") for i in range(30)],
        )
        ids = [d.id for d in setup.deliveries() if d.id is not None]
    results: list[list[int | None]] = []

    def worker() -> None:
        with SQLiteStore(path) as mine:
            results.append([d.id for d in mine.claim_deliveries(ids, T0)])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = [i for result in results for i in result]
    assert sorted(claimed, key=lambda i: i or 0) == ids


# -- threads ------------------------------------------------------------------------------------


def test_set_thread_does_not_overwrite(store: SQLiteStore) -> None:
    incident = declare(store)
    store.set_thread(incident.id, "slack", "first")
    store.set_thread(incident.id, "slack", "second")
    store.set_thread(incident.id, "x", "tweet-1")
    loaded = store.get_incident(incident.id)
    assert loaded is not None and loaded.threads == {"slack": "first", "x": "tweet-1"}
    with pytest.raises(IncidentNotFound):
        store.set_thread("INC-ghost", "slack", "1")


# -- concurrency --------------------------------------------------------------------------------


def test_concurrent_creation_from_threads_gets_distinct_sequences(tmp_path: Path) -> None:
    path = tmp_path / "incidentctl.db"
    SQLiteStore(path).close()
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            with SQLiteStore(path) as mine:
                for i in range(10):
                    declare(mine, f"t{n}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with SQLiteStore(path) as check:
        ids = sorted(i.id for i in check.list_incidents())
    assert ids == [make_id(DAY, seq) for seq in range(1, 41)]


def test_shared_store_is_usable_from_several_threads(store: SQLiteStore) -> None:
    threads = [threading.Thread(target=declare, args=(store, f"s{n}")) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({i.id for i in store.list_incidents()}) == 5


CHILD = """
import sys
from datetime import date, datetime, UTC
from pathlib import Path
from incidentctl.errors import IncidentIdTaken
from incidentctl.model.records import EventKind, Incident, Stage, TimelineEvent
from incidentctl.store.sqlite import SQLiteStore

now = datetime.now(UTC)
with SQLiteStore(Path(sys.argv[1])) as store:
    for i in range(15):
        incident = Incident(id="", title=f"p{i}", severity="sev2", status=Stage.INVESTIGATING,
                            declared_at=now, updated_at=now)
        event = TimelineEvent(incident_id="", kind=EventKind.DECLARED, at=now)
        day = date(2024, 3, 5)
        while True:  # another process may take the number first: take the next one
            seq = store.next_sequence(day)
            incident.id = f"{day:%Y%m%d}-{seq}"
            try:
                store.create_incident(incident, event, [], day=day, seq=seq)
                break
            except IncidentIdTaken:
                continue
"""


def test_concurrent_creation_from_processes_gets_distinct_sequences(tmp_path: Path) -> None:
    path = tmp_path / "incidentctl.db"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    children = [
        subprocess.Popen([sys.executable, "-c", CHILD, str(path)], env=env, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    for child in children:
        _, stderr = child.communicate(timeout=60)
        assert child.returncode == 0, stderr.decode()
    with SQLiteStore(path) as check:
        ids = sorted(i.id for i in check.list_incidents())
    assert ids == sorted(f"20240305-{seq}" for seq in range(1, 46))


# -- migrations and connection settings -----------------------------------------------------------


def test_migrations_are_recorded_once(tmp_path: Path) -> None:
    path = tmp_path / "incidentctl.db"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    first = conn.execute("SELECT name, applied_at FROM _migrations").fetchall()
    conn.close()
    assert [name for name, _ in first] == [name for name, _ in MIGRATIONS]
    assert first[0][0] == "m001_initial"

    with SQLiteStore(path) as reopened:
        declare(reopened)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT name, applied_at FROM _migrations").fetchall() == first
    conn.close()


def test_migrate_applies_only_pending_in_order(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    calls: list[str] = []

    def m002_extra(c: Connection, dialect: Dialect) -> None:
        calls.append("m002")
        c.execute("CREATE TABLE extra (x INTEGER)")

    names = [name for name, _ in MIGRATIONS]
    assert migrate(conn) == names
    assert migrate(conn) == []
    assert migrate(conn, [*MIGRATIONS, ("m999_extra", m002_extra)]) == ["m999_extra"]
    assert migrate(conn, [*MIGRATIONS, ("m999_extra", m002_extra)]) == []
    assert calls == ["m002"]
    assert applied_migrations(conn) == [*names, "m999_extra"]
    conn.close()


def test_a_database_of_the_first_release_gets_identities(tmp_path: Path) -> None:
    path = tmp_path / "incidentctl.db"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, MIGRATIONS[:1]) == ["m001_initial"]
    conn.execute(
        "INSERT INTO incidents (id, title, severity, status, declared_at, updated_at, day, seq) "
        "VALUES ('INC-1', 'old', 'sev1', 'resolved', ?, ?, '2025-12-19', 1)",
        ("2025-12-19T13:00:00+00:00", "2025-12-19T13:00:00+00:00"),
    )
    conn.close()
    with SQLiteStore(path) as store:
        old = store.get_incident("INC-1")
        assert old is not None and len(old.uid) == 36 and old.organization == ""
        incident = new_incident()
        incident.uid, incident.organization, incident.timezone = "k-1", "Acme", "Europe/Paris"
        stored = create(store, make_id, DAY, incident, new_event(), [new_delivery()])
        again = store.get_incident(stored.id)
        assert again is not None
        assert (again.uid, again.organization, again.timezone) == ("k-1", "Acme", "Europe/Paris")
        [delivery] = store.deliveries(incident_id=stored.id)
        delivery.progress = {"sent": ["+33600000001"]}
        store.update_delivery(delivery)
        assert store.deliveries(incident_id=stored.id)[0].progress == delivery.progress


def test_failed_migration_rolls_back(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)

    def m002_broken(c: Connection, dialect: Dialect) -> None:
        c.execute("CREATE TABLE half (x INTEGER)")
        raise sqlite3.OperationalError("boom")

    with pytest.raises(sqlite3.OperationalError, match="boom"):
        migrate(conn, [*MIGRATIONS, ("m002_broken", m002_broken)])
    assert applied_migrations(conn) == []
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "incidents" not in tables and "half" not in tables
    conn.close()


def test_connection_uses_wal_and_busy_timeout(store: SQLiteStore) -> None:
    conn = store._conn
    assert conn is not None
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"deliveries_state", "deliveries_incident_id", "events_incident_id"} <= indexes


def test_closed_store_raises_state_error(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "incidentctl.db")
    store.close()
    store.close()
    with pytest.raises(StateError, match="closed"):
        store.list_incidents()


# -- opening errors -----------------------------------------------------------------------------


def test_corrupt_database_is_a_state_error(tmp_path: Path) -> None:
    path = tmp_path / "incidentctl.db"
    path.write_bytes(b"this is not sqlite at all \x00\xff" * 200)
    with pytest.raises(StateError) as caught:
        SQLiteStore(path)
    message = str(caught.value)
    assert message == f"cannot open state database {path}: file is not a database"
    assert "\n" not in message


def test_parent_is_a_regular_file_is_a_state_error(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    with pytest.raises(StateError, match=f"cannot open state database {blocker}/incidentctl.db"):
        SQLiteStore(blocker / "incidentctl.db")
    with pytest.raises(
        StateError, match=f"cannot open state database {blocker}/sub/incidentctl.db"
    ):
        open_store(blocker / "sub", {})
    with pytest.raises(StateError, match="Not a directory"):
        open_store(None, {"INCIDENTCTL_HOME": str(blocker / "sub")})


@pytest.mark.sqlite_only
def test_database_path_is_a_directory_is_a_state_error(tmp_path: Path) -> None:
    (tmp_path / "incidentctl.db").mkdir()
    with pytest.raises(StateError, match="unable to open database file"):
        open_store(tmp_path, {})


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_unwritable_directory_is_a_state_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(StateError, match=f"cannot open state database {locked}/incidentctl.db"):
            open_store(locked, {})
    finally:
        locked.chmod(0o700)


# -- open_store / state_dir ---------------------------------------------------------------------


def test_state_dir_prefers_incidentctl_home(tmp_path: Path) -> None:
    assert state_dir({"INCIDENTCTL_HOME": str(tmp_path / "h")}) == tmp_path / "h"
    default = state_dir({})
    assert default.name == "incidentctl"
    assert state_dir({"INCIDENTCTL_HOME": ""}) == default


@pytest.mark.sqlite_only
def test_open_store_creates_directory_and_database(tmp_path: Path) -> None:
    home = tmp_path / "a" / "b"
    store = open_store(None, {"INCIDENTCTL_HOME": str(home)})
    try:
        declare(store)
    finally:
        store.close()
    assert (home / "incidentctl.db").is_file()
    explicit = open_store(home, {"INCIDENTCTL_HOME": str(tmp_path / "ignored")})
    try:
        assert len(explicit.list_incidents()) == 1
    finally:
        explicit.close()
    assert not (tmp_path / "ignored").exists()


def test_importing_store_package_stays_light() -> None:
    code = (
        "import sys, incidentctl.store, incidentctl.store.base; "
        "print(sorted(m for m in ('sqlite3', 'platformdirs') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"

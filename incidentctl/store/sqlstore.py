"""The state store's SQL, shared by the SQLite and PostgreSQL backends (thin subclasses).

Statements are written with `?` placeholders; a backend whose driver wants others translates
them (`postgres.py`). What differs — how a write transaction starts, which errors are the
driver's, a unique violation, SQLite's index hint — is a few hooks a backend overrides.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import date, datetime
from itertools import groupby
from operator import itemgetter
from types import TracebackType
from typing import Any, Protocol, TypeVar

from incidentctl.errors import IncidentChanged, IncidentIdTaken, IncidentNotFound, StateError
from incidentctl.model.records import (
    MOMENT_KEYS,
    Delivery,
    DeliveryState,
    Incident,
    IncidentHead,
    Moment,
    Stage,
    TimelineEvent,
)
from incidentctl.model.reminders import ReminderKind, ReminderMark
from incidentctl.store.base import Relink
from incidentctl.store.dialects import Dialect
from incidentctl.store.maintenance_rows import MAINTENANCE_COLUMNS, NOTICE_COLUMNS
from incidentctl.store.maintenance_tables import MaintenanceTables, first_thread
from incidentctl.store.migrations import MIGRATIONS, applied_migrations, migrate
from incidentctl.store.rows import (
    DELIVERY_COLUMNS,
    EVENT_COLUMNS,
    INCIDENT_COLUMNS,
    INCIDENT_READ,
    STAGES,
    component_names,
    delivery_from_row,
    delivery_values,
    dumps,
    event_from_row,
    event_from_values,
    event_values,
    from_text,
    incident_from_row,
    incident_from_values,
    incident_values,
    opt_text,
    to_text,
)

# the stages of an open incident, as stored
OPEN_STAGES = tuple(stage.value for stage in Stage if stage is not Stage.RESOLVED)
# the open incidents, by the status index (`status != 'resolved'` walks every incident)
OPEN_CLAUSE = f"status IN ({', '.join('?' for _ in OPEN_STAGES)})"


def _head(values: Sequence[Any]) -> IncidentHead:
    id_, version, status, declared, ended, components, day, seq, revision, title = values
    names = component_names(components)
    return IncidentHead(
        id_, version, status != "resolved", declared, ended, names, day, seq, revision, title,
        status,
    )  # fmt: skip


def _rank(head: IncidentHead) -> tuple[str, str, int]:
    return head.rank


CLAIMABLE = (DeliveryState.PENDING.value, DeliveryState.FAILED.value)

INCIDENT_FIELDS = ", ".join(INCIDENT_COLUMNS)
INCIDENT_MARKS = ", ".join("?" for _ in INCIDENT_COLUMNS)
INCIDENT_ASSIGNMENTS = ", ".join(f"{name} = ?" for name in INCIDENT_COLUMNS)
_EVENT_FIELDS = ", ".join(EVENT_COLUMNS)
_EVENT_MARKS = ", ".join("?" for _ in EVENT_COLUMNS)
_DELIVERY_FIELDS = ", ".join(DELIVERY_COLUMNS)
_DELIVERY_MARKS = ", ".join("?" for _ in DELIVERY_COLUMNS)

# every table a store holds, with its columns in a fixed order (`db copy`, checksums)
TABLES: dict[str, tuple[str, ...]] = {
    "incidents": ("id", "day", "seq", *INCIDENT_COLUMNS, "version"),
    "events": ("id", *EVENT_COLUMNS),
    "deliveries": ("id", *DELIVERY_COLUMNS),
    "reminders": ("id", "incident_id", "kind", "slot", "at"),
    "maintenances": ("id", "day", "seq", *MAINTENANCE_COLUMNS, "version"),
    "maintenance_deliveries": ("id", *NOTICE_COLUMNS),
}
# the tables whose ids the database numbers (a copy sets their counters past the copied ids)
SERIAL_TABLES = ("events", "deliveries", "reminders", "maintenance_deliveries")
# SQLite limits the number of parameters of one statement
SLICE = 500
# the next incident revision (`m010_incident_revision`); the incident lock is held around it
NEXT_REVISION = "(SELECT COALESCE(MAX(revision), 0) + 1 FROM incidents)"
SENT = DeliveryState.SENT.value
FIRST = itemgetter(0)
# past this many incidents asked for, and past three quarters of the store's, one walk of a
# table beats statements of ids in slices (half of 10,000: the slices take 0.2 s less)
MANY = 2000
T = TypeVar("T")


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """An autocommit DB-API connection; rows read by column name and by position."""

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Cursor: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> object: ...

    def close(self) -> None: ...


class SQLStore(MaintenanceTables):
    """`Store` over one autocommit connection; safe to share between threads of one process.

    Every write is one transaction started by `_begin`; inside `exclusive`, writes join its
    transaction.
    """

    dialect: Dialect
    # the driver's error class: turned into `StateError`
    driver_error: type[Exception] = Exception

    def __init__(self, conn: Connection, label: str) -> None:
        self._conn: Connection | None = conn
        # what errors name: the database file, or the URL without its password
        self.label = label
        self._lock = threading.RLock()
        # inside `exclusive`: the write transaction is already open
        self._held = False

    # -- what a backend overrides -----------------------------------------------------------

    def _begin(self, conn: Connection, *, incident_lock: bool) -> None:
        """Start a write transaction; with `incident_lock`, one that holds every other
        incident writer off until it ends."""
        raise NotImplementedError

    def _is_unique_violation(self, exc: Exception) -> bool:
        raise NotImplementedError

    def reopened(self) -> SQLStore:
        """A new connection to the same database (see `Store.reopened`)."""
        raise NotImplementedError

    def _hold_claim(self, conn: Connection, delivery_id: int) -> None:
        """Keep `delivery_id` marked as being sent by this process until `_release_claim`
        (or until the process ends, whichever comes first)."""

    def _release_claim(self, conn: Connection, delivery_id: int) -> None:
        """The outcome of `delivery_id` is recorded: its claim may go."""

    def _sender_gone(self, conn: Connection, delivery_id: int) -> bool:
        """True unless a live process holds the claim of `delivery_id`."""
        return True

    def _tuples(self, conn: Connection, sql: str, params: Sequence[Any] = ()) -> Iterable[Any]:
        """The rows of `sql` as sequences of their columns (a backend may make them plain
        tuples, quicker to read by the thousand than rows by name)."""
        return conn.execute(sql, params)

    # how the organization filter is written (SQLite: not by its index, see there)
    organization_column = "organization"
    # appended to the claim's SELECT: rows another claimer holds are skipped, not waited for
    claim_suffix = ""

    # -- plumbing ---------------------------------------------------------------------------

    def _most(self, conn: Connection, asked: int) -> bool:
        """Whether `asked` incidents are most of the store's: read by one walk of a table,
        not by statements of their ids in slices."""
        if asked <= MANY:
            return False
        (held,) = conn.execute("SELECT COUNT(*) FROM incidents").fetchone()
        return asked * 4 > int(held) * 3

    def __enter__(self) -> SQLStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        with self._lock:
            if self._conn is not None:
                with suppress(Exception):
                    self._conn.close()
                self._conn = None

    def _failure(self, exc: Exception) -> StateError:
        detail = str(exc).strip().splitlines()
        return StateError(f"state database {self.label}: {detail[0] if detail else exc!r}")

    @contextmanager
    def _guarded(self) -> Iterator[Connection]:
        """Hold the lock and turn the driver's errors into `StateError`."""
        with self._lock:
            if self._conn is None:
                raise StateError(f"state database {self.label} is closed")
            try:
                yield self._conn
            except self.driver_error as exc:
                raise self._failure(exc) from exc

    @contextmanager
    def _write(self, *, incident_lock: bool = True) -> Iterator[Connection]:
        """One write transaction, rolled back on any error; inside `exclusive`, part of its
        transaction."""
        with self._transaction(incident_lock=incident_lock), self._guarded() as conn:
            yield conn

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the store's write lock: what is read and written inside is one transaction
        that no other writer can interleave with (others wait)."""
        with self._transaction(incident_lock=True):
            yield

    @contextmanager
    def _transaction(self, *, incident_lock: bool) -> Iterator[None]:
        with self._guarded() as conn:
            if self._held:
                yield
                return
            self._begin(conn, incident_lock=incident_lock)
            self._held = True
            try:
                yield
                conn.execute("COMMIT")
            except BaseException:
                with suppress(Exception):
                    conn.execute("ROLLBACK")
                raise
            finally:
                self._held = False

    # -- schema -----------------------------------------------------------------------------

    def applied(self) -> list[str]:
        """Names of the migrations this database has, oldest first."""
        with self._guarded() as conn:
            return applied_migrations(conn, self.dialect)

    def pending(self) -> list[str]:
        """Names of the migrations this release has and the database has not yet."""
        done = set(self.applied())
        return [name for name, _ in MIGRATIONS if name not in done]

    def upgrade(self) -> list[str]:
        """Apply the pending migrations in one transaction; their names."""
        with self._guarded() as conn:
            return migrate(conn, dialect=self.dialect)

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        with self._guarded() as conn:
            return {
                table: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
                for table in TABLES
            }

    def table_rows(self, table: str) -> list[tuple[Any, ...]]:
        """Every row of `table` (one of `TABLES`), its columns in `TABLES` order, by id."""
        columns = ", ".join(TABLES[table])
        with self._guarded() as conn:
            rows = conn.execute(f"SELECT {columns} FROM {table} ORDER BY id").fetchall()
        return [tuple(row[name] for name in TABLES[table]) for row in rows]

    def checksum(self, table: str) -> str:
        """SHA-256 of `table`'s rows in id order: equal on two stores holding the same rows."""
        import hashlib

        digest = hashlib.sha256()
        for row in self.table_rows(table):
            digest.update(json.dumps(row, ensure_ascii=False).encode() + b"\n")
        return digest.hexdigest()

    def insert_rows(self, rows: dict[str, list[tuple[Any, ...]]]) -> None:
        """Insert rows as `table_rows` gives them, ids kept, in one transaction. The incidents
        get a revision above this store's highest (their own is not copied): what a reader of
        this store noted (the status site's mark) sees them as written since."""
        with self._write() as conn:
            for table, values in rows.items():
                columns = TABLES[table]
                sql = (
                    f"INSERT INTO {table} ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' for _ in columns)})"
                )
                for row in values:
                    conn.execute(sql, row)
            if rows.get("incidents"):
                conn.execute(f"UPDATE incidents SET revision = {NEXT_REVISION} WHERE revision = 0")
            self._after_copy(conn)

    def _after_copy(self, conn: Connection) -> None:
        """After rows were inserted with their ids: new ids must follow them."""

    # -- incidents --------------------------------------------------------------------------

    def next_sequence(self, day: date) -> int:
        """One more than the day's highest sequence number (the `(day, seq)` index answers)."""
        with self._guarded() as conn:
            row = conn.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM incidents WHERE day = ?", (day.isoformat(),)
            ).fetchone()
        return int(row[0])

    def create_incident(
        self,
        incident: Incident,
        event: TimelineEvent,
        deliveries: Sequence[Delivery],
        *,
        day: date,
        seq: int,
    ) -> Incident:
        """Store incident, event and deliveries at once; `IncidentIdTaken` if the id is taken."""
        with self._write() as conn:
            try:
                conn.execute(
                    f"INSERT INTO incidents (id, day, seq, revision, {INCIDENT_FIELDS}) "
                    f"VALUES (?, ?, ?, {NEXT_REVISION}, {INCIDENT_MARKS})",
                    (incident.id, day.isoformat(), seq, *incident_values(incident)),
                )
            except self.driver_error as exc:
                if not self._is_unique_violation(exc):
                    raise
                raise IncidentIdTaken(str(self._failure(exc))) from exc
            _insert_events(conn, incident, [event])
            _insert_deliveries(conn, incident, event, deliveries)
        return incident

    def record(
        self, incident: Incident, events: Sequence[TimelineEvent], deliveries: Sequence[Delivery]
    ) -> None:
        """Update the incident, append events and their deliveries in one transaction.

        Only when the stored row is still at `incident.version` (then raised by one, and
        `incident.version` with it); otherwise nothing is stored and `IncidentChanged` raised.
        """
        with self._write() as conn:
            row = conn.execute(
                "SELECT threads, version FROM incidents WHERE id = ?", (incident.id,)
            ).fetchone()
            if row is None:
                raise IncidentNotFound(f"no incident {incident.id}")
            if row["version"] != incident.version:
                raise _changed(incident, row["version"])
            # threads recorded meanwhile by set_thread win over this possibly stale copy
            incident.threads = {**incident.threads, **json.loads(row["threads"])}
            cursor = conn.execute(
                f"UPDATE incidents SET {INCIDENT_ASSIGNMENTS}, version = version + 1, "
                f"revision = {NEXT_REVISION} WHERE id = ? AND version = ?",
                (*incident_values(incident), incident.id, incident.version),
            )
            if cursor.rowcount != 1:
                raise _changed(incident, None)
            _insert_events(conn, incident, events)
            _insert_deliveries(conn, incident, events[-1] if events else None, deliveries)
        incident.version += 1

    def numbering(self, incident_id: str) -> tuple[date, int] | None:
        """The `(day, seq)` the incident's id was made from, or None."""
        with self._guarded() as conn:
            row = conn.execute(
                "SELECT day, seq FROM incidents WHERE id = ?", (incident_id,)
            ).fetchone()
        return None if row is None else (date.fromisoformat(row["day"]), int(row["seq"]))

    def import_incident(
        self,
        incident: Incident,
        events: Sequence[TimelineEvent],
        deliveries: Sequence[Delivery],
        *,
        day: date,
        seq: int,
        relink: Relink | None = None,
    ) -> None:
        """Store an exported incident as it was; see `Store.import_incident`."""
        with self._write() as conn:
            try:
                conn.execute(
                    f"INSERT INTO incidents (id, day, seq, version, revision, {INCIDENT_FIELDS}) "
                    f"VALUES (?, ?, ?, ?, {NEXT_REVISION}, {INCIDENT_MARKS})",
                    (
                        incident.id,
                        day.isoformat(),
                        seq,
                        incident.version,
                        *incident_values(incident),
                    ),
                )
            except self.driver_error as exc:
                if not self._is_unique_violation(exc):
                    raise
                raise IncidentIdTaken(str(self._failure(exc))) from exc
            _insert_events(conn, incident, events)
            stored = [event.id for event in events]
            for delivery in deliveries:
                position = delivery.event_id
                if position is None or not 1 <= position <= len(stored):
                    raise ValueError(f"delivery names event {position} of {len(stored)}")
                delivery.event_id = stored[position - 1]
            _insert_deliveries(conn, incident, None, deliveries)
            for event in relink(deliveries) if relink is not None else ():
                conn.execute(
                    "UPDATE events SET data = ? WHERE id = ?", (dumps(event.data), event.id)
                )

    def record_reminder(
        self,
        mark: ReminderMark,
        incident: Incident,
        events: Sequence[TimelineEvent],
        deliveries: Sequence[Delivery],
    ) -> bool:
        """Store `mark`, the events and their deliveries at once; False when the mark's
        (incident, kind, slot) is taken: nothing is stored then."""
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO reminders (incident_id, kind, slot, at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (incident_id, kind, slot) DO NOTHING",
                (mark.incident_id, mark.kind.value, to_text(mark.slot), to_text(mark.at)),
            )
            if cursor.rowcount != 1:
                return False
            _insert_events(conn, incident, events)
            _insert_deliveries(conn, incident, events[-1] if events else None, deliveries)
        return True

    def reminded(self, incident_id: str) -> list[ReminderMark]:
        """The incident's stored reminders, oldest first."""
        with self._guarded() as conn:
            rows = conn.execute(
                "SELECT incident_id, kind, slot, at FROM reminders WHERE incident_id = ? "
                "ORDER BY id",
                (incident_id,),
            ).fetchall()
        return [
            ReminderMark(row[0], ReminderKind(row[1]), from_text(row[2]), from_text(row[3]))
            for row in rows
        ]

    def get_incident(self, incident_id: str) -> Incident | None:
        """The incident with this id, or None."""
        with self._guarded() as conn:
            row = conn.execute("SELECT * FROM incidents WHERE id = ?", (incident_id,)).fetchone()
        return None if row is None else incident_from_row(row)

    def list_incidents(
        self,
        *,
        open_only: bool = False,
        organization: str | None = None,
        severity: str | None = None,
        declared_since: datetime | None = None,
        seq: int | None = None,
        resolved_only: bool = False,
        limit: int | None = None,
    ) -> list[Incident]:
        """Matching incidents, most recently declared first (most recently resolved first with
        `resolved_only`); at most `limit`. See `Store.list_incidents`."""
        where, params = self._incident_filter(
            open_only, organization, severity, declared_since, seq, resolved_only
        )
        order = (
            "resolved_at DESC, declared_at DESC"
            if resolved_only
            else "declared_at DESC, day DESC, seq DESC"
        )
        sql = f"SELECT {', '.join(INCIDENT_READ)} FROM incidents {where} ORDER BY {order}"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(max(0, limit))
        with self._guarded() as conn:
            return [incident_from_values(values) for values in self._tuples(conn, sql, params)]

    def incident_heads(
        self,
        *,
        organization: str | None = None,
        changed_after: int | None = None,
        resolved_after: datetime | None = None,
        declared_between: tuple[datetime, datetime] | None = None,
        ids: Collection[str] = (),
        open_now: bool = False,
    ) -> list[IncidentHead]:
        """Incidents as their heads, most recently declared first. See `Store.incident_heads`."""
        where, base = self._incident_filter(False, organization, None, None, None, False)
        columns = (
            "id, version, status, declared_at, resolved_at, components, day, seq, revision, title"
        )
        anyof: list[str] = []
        params: list[object] = []
        if changed_after is not None:
            anyof.append("revision > ?")
            params.append(changed_after)
        if resolved_after is not None or open_now:  # each term answered by its own index
            anyof.append(OPEN_CLAUSE)
            params.extend(OPEN_STAGES)
        if resolved_after is not None:
            anyof.append("resolved_at > ?")
            params.append(to_text(resolved_after))
        if declared_between is not None:
            anyof.append("(declared_at >= ? AND declared_at < ?)")
            params.extend(to_text(moment) for moment in declared_between)
        if not anyof and not ids:
            order = "ORDER BY declared_at DESC, day DESC, seq DESC"
            sql = f"SELECT {columns} FROM incidents {where} {order}"
            with self._guarded() as conn:
                return [_head(values) for values in self._tuples(conn, sql, base)]
        both = f"{where} AND" if where else "WHERE"
        found: dict[str, IncidentHead] = {}
        with self._guarded() as conn:
            if anyof:
                sql = f"SELECT {columns} FROM incidents {both} ({' OR '.join(anyof)})"
                for values in self._tuples(conn, sql, [*base, *params]):
                    found[values[0]] = _head(values)
            for chunk in _slices([i for i in ids if i not in found]):
                marks = ", ".join("?" for _ in chunk)
                sql = f"SELECT {columns} FROM incidents {both} id IN ({marks})"
                for values in self._tuples(conn, sql, [*base, *chunk]):
                    found[values[0]] = _head(values)
        return sorted(found.values(), key=_rank, reverse=True)

    def incident_revision(self) -> int:
        """The highest incident revision. See `Store.incident_revision`."""
        with self._guarded() as conn:
            row = conn.execute("SELECT COALESCE(MAX(revision), 0) FROM incidents").fetchone()
        return int(row[0])

    def incidents(self, incident_ids: Collection[str]) -> dict[str, Incident]:
        """Id -> incident of the ids that exist. See `Store.incidents`."""
        found: dict[str, Incident] = {}
        columns = ", ".join(INCIDENT_READ)
        with self._guarded() as conn:
            # in slices: SQLite limits the number of parameters of one statement
            for chunk in _slices(incident_ids):
                marks = ", ".join("?" for _ in chunk)
                sql = f"SELECT {columns} FROM incidents WHERE id IN ({marks})"
                for values in self._tuples(conn, sql, chunk):
                    incident = incident_from_values(values)
                    found[incident.id] = incident
        return found

    def count_incidents(
        self,
        *,
        open_only: bool = False,
        organization: str | None = None,
        severity: str | None = None,
        declared_since: datetime | None = None,
    ) -> int:
        """How many incidents `list_incidents` with the same filters and no limit would give."""
        where, params = self._incident_filter(
            open_only, organization, severity, declared_since, None, False
        )
        with self._guarded() as conn:
            row = conn.execute(f"SELECT COUNT(*) FROM incidents {where}", params).fetchone()
        return int(row[0])

    def find_open_incident(self, title: str, *, declared_after: datetime) -> Incident | None:
        """The newest open incident titled `title` declared after `declared_after`, or None."""
        with self._guarded() as conn:
            row = conn.execute(
                "SELECT * FROM incidents WHERE status != ? AND title = ? AND declared_at > ? "
                "ORDER BY declared_at DESC, day DESC, seq DESC LIMIT 1",
                (Stage.RESOLVED.value, title, to_text(declared_after)),
            ).fetchone()
        return None if row is None else incident_from_row(row)

    def set_thread(self, incident_id: str, channel: str, remote_id: str) -> None:
        """Remember a channel's first remote id for an incident, unless one is already set."""
        with self._write() as conn:
            first_thread(conn, "incidents", incident_id, channel, remote_id)

    # -- events -----------------------------------------------------------------------------

    def timeline(self, incident_id: str) -> list[TimelineEvent]:
        """Oldest first."""
        with self._guarded() as conn:
            rows = conn.execute(
                "SELECT * FROM events WHERE incident_id = ? ORDER BY at, id", (incident_id,)
            ).fetchall()
        return [event_from_row(row) for row in rows]

    def timelines(self, incident_ids: Collection[str]) -> dict[str, list[TimelineEvent]]:
        """Incident id -> its timeline, oldest first, for each of `incident_ids` (one with no
        event is absent): a site build or `stats` reads thousands in a few statements, not one
        each, as plain tuples grouped per incident."""
        query = "SELECT incident_id, kind, at, message, data, id FROM events"
        return self._grouped(query, incident_ids, _event)

    def _grouped(
        self, query: str, incident_ids: Collection[str], read: Callable[[Sequence[Any]], T]
    ) -> dict[str, list[T]]:
        """What `read` makes of each row of `query` (the incident id first), for each of
        `incident_ids`, grouped per incident in timeline order."""
        ids = list(dict.fromkeys(incident_ids))
        found: dict[str, list[T]] = {}
        order = "ORDER BY incident_id, at, id"
        with self._guarded() as conn:
            if self._most(conn, len(ids)):
                # most of the history (a whole site build): one walk of the timeline index
                wanted = set(ids)
                for incident_id, rows in groupby(self._tuples(conn, f"{query} {order}"), FIRST):
                    if incident_id in wanted:
                        found[incident_id] = [read(values) for values in rows]
                return found
            for chunk in _slices(ids):
                marks = ", ".join("?" for _ in chunk)
                sql = f"{query} WHERE incident_id IN ({marks}) {order}"
                for incident_id, rows in groupby(self._tuples(conn, sql, chunk), FIRST):
                    found[incident_id] = [read(values) for values in rows]
        return found

    def moments(self, incident_ids: Collection[str]) -> dict[str, list[Moment]]:
        """As `timelines`, as `Moment`s: `stats` reads a hundred thousand events, and parsing
        their data (message snapshots) and building their objects was most of its time."""
        picked = ", ".join(
            f"CASE WHEN kind IN ({', '.join(repr(kind.value) for kind in kinds)}) "
            f"THEN {self.dialect.json_value('data', key)} END"
            for key, kinds in MOMENT_KEYS.items()
        )
        query = f"SELECT incident_id, kind, at, {picked} FROM events"
        return self._grouped(query, incident_ids, Moment._make)

    def last_event_ids(self, incident_ids: Collection[str]) -> dict[str, int]:
        """Incident id -> the id of its last event, for each of `incident_ids` with events."""
        query = "SELECT incident_id, MAX(id) FROM events"
        return dict(self._per_incident(query, incident_ids, "GROUP BY incident_id"))

    def digests(self, name: str, incident_ids: Collection[str]) -> dict[str, tuple[int, str]]:
        """Incident id -> (through, body) of the digest kept under `name`, for each of
        `incident_ids` that has one."""
        query = "SELECT incident_id, through, body FROM digests WHERE name = ?"
        return {
            incident_id: (int(through), str(body))
            for incident_id, through, body in self._per_incident(query, incident_ids, "", [name])
        }

    def keep_digests(self, name: str, digests: Mapping[str, tuple[int, str]]) -> None:
        """Keep each incident's (through, body) under `name`, replacing the one it had."""
        if not digests:
            return
        sql = (
            "INSERT INTO digests (incident_id, name, through, body) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (incident_id, name) "
            "DO UPDATE SET through = excluded.through, body = excluded.body"
        )
        rows = [
            (incident_id, name, through, body) for incident_id, (through, body) in digests.items()
        ]
        with self._write(incident_lock=False) as conn:
            conn.executemany(sql, rows)

    def _per_incident(
        self,
        query: str,
        incident_ids: Collection[str],
        suffix: str,
        params: Sequence[Any] = (),
    ) -> list[Any]:
        """The rows of `query` (its incident id first, maybe a WHERE of its own) for
        `incident_ids`: one walk of the table for most of the history, else by slices."""
        ids = list(dict.fromkeys(incident_ids))
        joiner = " AND " if " WHERE " in query else " WHERE "
        with self._guarded() as conn:
            if self._most(conn, len(ids)):
                wanted = set(ids)
                rows = self._tuples(conn, f"{query} {suffix}", params)
                return [values for values in rows if values[0] in wanted]
            found: list[Any] = []
            for chunk in _slices(ids):
                marks = ", ".join("?" for _ in chunk)
                sql = f"{query}{joiner}incident_id IN ({marks}) {suffix}"
                found += self._tuples(conn, sql, [*params, *chunk])
            return found

    def first_sent(
        self, channels: Collection[str], incident_ids: Collection[str]
    ) -> dict[str, datetime]:
        """Incident id -> earliest `sent_at` of a `sent` delivery to one of `channels`."""
        wanted = list(channels)
        found: dict[str, datetime] = {}
        if not wanted:
            return found
        query = (
            "SELECT incident_id, MIN(sent_at) FROM deliveries WHERE state = ? AND "
            f"sent_at IS NOT NULL AND channel IN ({', '.join('?' for _ in wanted)})"
        )
        ids = set(incident_ids)
        with self._guarded() as conn:
            if self._most(conn, len(ids)):
                # most of the history: one pass over the sent deliveries beats many lookups
                rows = conn.execute(f"{query} GROUP BY incident_id", (SENT, *wanted)).fetchall()
                rows = [row for row in rows if row[0] in ids]
            else:
                rows = []
                for chunk in _slices(ids):
                    marks = ", ".join("?" for _ in chunk)
                    rows += conn.execute(
                        f"{query} AND incident_id IN ({marks}) GROUP BY incident_id",
                        (SENT, *wanted, *chunk),
                    ).fetchall()
        return {str(row[0]): from_text(row[1]) for row in rows}

    # -- deliveries -------------------------------------------------------------------------

    def deliveries(
        self,
        *,
        incident_id: str | None = None,
        states: Iterable[DeliveryState] | None = None,
        organization: str | None = None,
    ) -> list[Delivery]:
        """Oldest first, optionally only one incident's, only some states, and/or only those of
        an organization's incidents (and of incidents recorded before they had one)."""
        clauses: list[str] = []
        params: list[str] = []
        if incident_id is not None:
            clauses.append("incident_id = ?")
            params.append(incident_id)
        if organization is not None:
            clauses.append(
                "incident_id IN (SELECT id FROM incidents WHERE organization IN (?, ''))"
            )
            params.append(organization)
        if states is not None:
            wanted = [DeliveryState(state).value for state in states]
            if not wanted:
                return []
            clauses.append(f"state IN ({', '.join('?' for _ in wanted)})")
            params.extend(wanted)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._guarded() as conn:
            rows = conn.execute(f"SELECT * FROM deliveries {where} ORDER BY id", params).fetchall()
        return [delivery_from_row(row) for row in rows]

    def announced(
        self,
        channels: Collection[str],
        *,
        organization: str | None = None,
        incidents: Collection[str] | None = None,
    ) -> list[tuple[str, int, Stage]]:
        """(incident id, event id, stage) of the deliveries to `channels`, oldest first."""
        wanted = list(channels)
        if not wanted or (incidents is not None and not incidents):
            return []
        where = f"channel IN ({', '.join('?' for _ in wanted)}) AND event_id IS NOT NULL"
        params = list(wanted)
        with self._guarded() as conn:
            few = incidents is not None and not self._most(conn, len(incidents))
            if organization is not None and few:  # each delivery's incident by its key
                where += (
                    " AND EXISTS (SELECT 1 FROM incidents"
                    " WHERE incidents.id = deliveries.incident_id"
                    " AND incidents.organization IN (?, ''))"
                )
                params.append(organization)
            elif organization is not None:  # the organization's incidents listed once
                where += (
                    " AND incident_id IN (SELECT id FROM incidents WHERE organization IN (?, ''))"
                )
                params.append(organization)
            query = f"SELECT incident_id, event_id, stage, id FROM deliveries WHERE {where}"
            if not few:
                # a whole build's 100,000: in the table's order (its key), as plain tuples
                rows = list(self._tuples(conn, f"{query} ORDER BY id", params))
                if incidents is not None:
                    asked = set(incidents)
                    rows = [row for row in rows if row[0] in asked]
            else:
                rows = []
                # in slices: SQLite limits the number of parameters of one statement
                for chunk in _slices(incidents or ()):
                    marks = ", ".join("?" for _ in chunk)
                    clause = f"{query} AND incident_id IN ({marks})"
                    rows += self._tuples(conn, clause, [*params, *chunk])
                rows.sort(key=lambda row: row[3])
        # (the drivers give the id columns as str and int already)
        stages = STAGES
        return [(row[0], row[1], stages.get(row[2]) or Stage(row[2])) for row in rows]

    def update_delivery(self, delivery: Delivery, *, thread: bool = False) -> None:
        """Persist state, attempts, remote id, link, error and timestamps of one delivery;
        with `thread`, its remote id as its channel's thread too (one commit, not two: a
        fan-out to 50 channels settles 50 of them)."""
        if delivery.id is None:
            raise ValueError("update_delivery needs a stored delivery (id is None)")
        root = delivery.remote_id if thread else None  # the channel's thread, if it has none
        with self._write(incident_lock=bool(root)) as conn:
            cursor = conn.execute(
                "UPDATE deliveries SET state = ?, attempts = ?, remote_id = ?, link = ?, "
                "error = ?, created_at = COALESCE(?, created_at), "
                "updated_at = COALESCE(?, updated_at), sent_at = ?, progress = ? WHERE id = ?",
                (
                    DeliveryState(delivery.state).value,
                    delivery.attempts,
                    delivery.remote_id,
                    delivery.link,
                    delivery.error,
                    opt_text(delivery.created_at),
                    opt_text(delivery.updated_at),
                    opt_text(delivery.sent_at),
                    dumps(delivery.progress),
                    delivery.id,
                ),
            )
            if cursor.rowcount != 1:
                raise StateError(f"state database {self.label}: no delivery {delivery.id}")
            if root:
                first_thread(conn, "incidents", delivery.incident_id, delivery.channel, root)
        if delivery.state is not DeliveryState.SENDING:
            with self._guarded() as conn:
                self._release_claim(conn, delivery.id)

    def claim_deliveries(self, ids: Sequence[int], now: datetime) -> list[Delivery]:
        """Atomically move `pending`/`failed` deliveries to `sending`; return those claimed."""
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        with self._write(incident_lock=False) as conn:
            rows = conn.execute(
                f"SELECT id FROM deliveries WHERE id IN ({marks}) AND state IN (?, ?) "
                f"ORDER BY id{self.claim_suffix}",
                (*ids, *CLAIMABLE),
            ).fetchall()
            claimed = [int(row["id"]) for row in rows]
            if not claimed:
                return []
            marks = ", ".join("?" for _ in claimed)
            conn.execute(
                f"UPDATE deliveries SET state = ?, updated_at = ? WHERE id IN ({marks})",
                (DeliveryState.SENDING.value, to_text(now), *claimed),
            )
            rows = conn.execute(
                f"SELECT * FROM deliveries WHERE id IN ({marks}) ORDER BY id", claimed
            ).fetchall()
            for delivery_id in claimed:
                self._hold_claim(conn, delivery_id)
        return [delivery_from_row(row) for row in rows]

    def mark_interrupted(self, ids: Sequence[int], error: str) -> list[int]:
        """`sending` deliveries whose sender is gone become `uncertain`; their ids."""
        marked: list[int] = []
        for delivery_id in ids:
            with self._write(incident_lock=False) as conn:
                if not self._sender_gone(conn, delivery_id):
                    continue
                # only if still `sending`: a sender that finished meanwhile has the last word
                cursor = conn.execute(
                    "UPDATE deliveries SET state = ?, error = ? WHERE id = ? AND state = ?",
                    (
                        DeliveryState.UNCERTAIN.value,
                        error,
                        delivery_id,
                        DeliveryState.SENDING.value,
                    ),
                )
                if cursor.rowcount == 1:
                    marked.append(delivery_id)
        return marked

    def _incident_filter(
        self,
        open_only: bool,
        organization: str | None,
        severity: str | None,
        declared_since: datetime | None,
        seq: int | None,
        resolved_only: bool,
    ) -> tuple[str, list[object]]:
        """The WHERE clause (or "") and parameters of the incident filters."""
        clauses: list[str] = []
        params: list[object] = []
        if open_only:
            clauses.append(OPEN_CLAUSE)
            params.extend(OPEN_STAGES)
        if resolved_only:
            clauses.append("resolved_at IS NOT NULL")
        if organization is not None:
            clauses.append(f"{self.organization_column} IN (?, '')")
            params.append(organization)
        if severity is not None:
            clauses.append("severity = ?")
            params.append(severity)
        if declared_since is not None:
            clauses.append("declared_at >= ?")
            params.append(to_text(declared_since))
        if seq is not None:
            clauses.append("seq = ?")
            params.append(seq)
        return (f"WHERE {' AND '.join(clauses)}" if clauses else ""), params


def _event(values: Sequence[Any]) -> TimelineEvent:
    return event_from_values(*values)


def _slices(ids: Collection[str]) -> Iterator[list[str]]:
    items = list(dict.fromkeys(ids))  # each id once: a timeline is read whole, once
    for start in range(0, len(items), SLICE):
        yield items[start : start + SLICE]


def _changed(incident: Incident, now: int | None) -> IncidentChanged:
    stored = "" if now is None else f", now {now}"
    return IncidentChanged(
        f"{incident.id} was changed by another responder after it was read "
        f"(version {incident.version}{stored}); nothing was stored"
    )


def _insert_events(conn: Connection, incident: Incident, events: Sequence[TimelineEvent]) -> None:
    """Append `incident`'s events, setting their ids."""
    for event in events:
        row = conn.execute(
            f"INSERT INTO events ({_EVENT_FIELDS}) VALUES ({_EVENT_MARKS}) RETURNING id",
            event_values(incident.id, event),
        ).fetchone()
        event.incident_id = incident.id
        event.id = int(row[0])


def _insert_deliveries(
    conn: Connection,
    incident: Incident,
    event: TimelineEvent | None,
    deliveries: Sequence[Delivery],
) -> None:
    """Insert deliveries; unset `event_id`/timestamps come from `event` (or the incident)."""
    default_time = event.at if event is not None else incident.updated_at
    for delivery in deliveries:
        if delivery.event_id is None:
            if event is None:
                raise ValueError("a delivery recorded without events needs its event_id")
            delivery.event_id = event.id
        delivery.incident_id = incident.id
        created = delivery.created_at = delivery.created_at or default_time
        updated = delivery.updated_at = delivery.updated_at or created
        row = conn.execute(
            f"INSERT INTO deliveries ({_DELIVERY_FIELDS}) VALUES ({_DELIVERY_MARKS}) RETURNING id",
            delivery_values(delivery, created, updated),
        ).fetchone()
        delivery.id = int(row[0])

"""Ordered, named schema migrations any SQL backend can run, each recorded once in `_migrations`.

A migration is a function of a `Connection` (anything with `execute(sql, params)`, as DB-API
connections of `sqlite3` and `psycopg` have) and of the backend's `Dialect`, which holds the
little SQL that differs between databases. Names and the `_migrations` table never change:
a database migrated by an earlier release opens as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any, Protocol

from incidentctl.store.dialects import SQLITE, Dialect


class Rows(Protocol):
    """What `execute` returns: a DB-API cursor."""

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """The part of a DB-API connection migrations use; it must be in autocommit mode, since
    `migrate` opens and commits its own transaction."""

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Rows: ...


MigrationFn = Callable[[Connection, Dialect], None]
Migration = tuple[str, MigrationFn]

MIGRATIONS: list[Migration] = []


def migration(fn: MigrationFn) -> MigrationFn:
    """Register `fn` as the next migration, named after the function."""
    MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_initial(conn: Connection, dialect: Dialect) -> None:
    """Create incidents, events and deliveries with their indexes."""
    conn.execute(
        """
        CREATE TABLE incidents (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            severity TEXT NOT NULL,
            status TEXT NOT NULL,
            category TEXT NOT NULL DEFAULT '',
            impact TEXT NOT NULL DEFAULT '',
            workaround TEXT NOT NULL DEFAULT '',
            eta TEXT NOT NULL DEFAULT '',
            components TEXT NOT NULL DEFAULT '{}',
            roles TEXT NOT NULL DEFAULT '{}',
            threads TEXT NOT NULL DEFAULT '{}',
            declared_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            next_update_due TEXT,
            resolved_at TEXT,
            day TEXT NOT NULL,
            seq INTEGER NOT NULL,
            UNIQUE (day, seq)
        )
        """
    )
    conn.execute(
        f"""
        CREATE TABLE events (
            id {dialect.serial_key},
            incident_id TEXT NOT NULL REFERENCES incidents (id),
            kind TEXT NOT NULL,
            at TEXT NOT NULL,
            message TEXT NOT NULL DEFAULT '',
            data TEXT NOT NULL DEFAULT '{{}}'
        )
        """
    )
    conn.execute(
        f"""
        CREATE TABLE deliveries (
            id {dialect.serial_key},
            event_id INTEGER NOT NULL REFERENCES events (id),
            incident_id TEXT NOT NULL REFERENCES incidents (id),
            channel TEXT NOT NULL,
            channel_type TEXT NOT NULL,
            stage TEXT NOT NULL,
            message TEXT NOT NULL,
            payload_hash TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            remote_id TEXT,
            link TEXT,
            error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            sent_at TEXT
        )
        """
    )
    conn.execute("CREATE INDEX events_incident_id ON events (incident_id)")
    conn.execute("CREATE INDEX deliveries_state ON deliveries (state)")
    conn.execute("CREATE INDEX deliveries_incident_id ON deliveries (incident_id)")


@migration
def m002_incident_identity(conn: Connection, dialect: Dialect) -> None:
    """Each incident's globally unique key, organization and timezone; each delivery's
    per-recipient progress (which SMS numbers, which e-mail batches already have it)."""
    conn.execute("ALTER TABLE incidents ADD COLUMN uid TEXT NOT NULL DEFAULT ''")
    conn.execute("ALTER TABLE incidents ADD COLUMN organization TEXT NOT NULL DEFAULT ''")
    conn.execute("ALTER TABLE incidents ADD COLUMN timezone TEXT NOT NULL DEFAULT ''")
    conn.execute("ALTER TABLE deliveries ADD COLUMN progress TEXT NOT NULL DEFAULT '{}'")
    # incidents recorded before get their key now: ids are per store, keys are not
    import uuid

    update = f"UPDATE incidents SET uid = {dialect.mark} WHERE id = {dialect.mark}"
    for row in conn.execute("SELECT id FROM incidents").fetchall():
        conn.execute(update, (str(uuid.uuid4()), row[0]))
    conn.execute("CREATE INDEX incidents_organization ON incidents (organization)")


@migration
def m003_incident_version(conn: Connection, dialect: Dialect) -> None:
    """Each incident row's version, raised by every write of the row: a writer names the version
    it read, so two responders changing one incident at once cannot overwrite each other."""
    conn.execute("ALTER TABLE incidents ADD COLUMN version INTEGER NOT NULL DEFAULT 0")


@migration
def m004_incident_indexes(conn: Connection, dialect: Dialect) -> None:
    """Indexes for what commands look up in a long history: the newest incidents (`list`),
    the open ones (`status`, `update` without an id), short ids, the last resolved one, and an
    incident's timeline in order."""
    conn.execute("CREATE INDEX incidents_declared_at ON incidents (declared_at)")
    conn.execute("CREATE INDEX incidents_status ON incidents (status)")
    conn.execute("CREATE INDEX incidents_seq ON incidents (seq)")
    conn.execute("CREATE INDEX incidents_resolved_at ON incidents (resolved_at)")
    conn.execute("CREATE INDEX events_incident_at ON events (incident_id, at, id)")


@migration
def m006_reminders(conn: Connection, dialect: Dialect) -> None:
    """What `incidentctl remind` sent: one row per incident, kind and due slot (unique), written
    in the transaction of the reminder's event and deliveries, so two runs send one."""
    conn.execute(
        f"""
        CREATE TABLE reminders (
            id {dialect.serial_key},
            incident_id TEXT NOT NULL REFERENCES incidents (id),
            kind TEXT NOT NULL,
            slot TEXT NOT NULL,
            at TEXT NOT NULL,
            UNIQUE (incident_id, kind, slot)
        )
        """
    )


@migration
def m007_maintenance(conn: Connection, dialect: Dialect) -> None:
    """Scheduled maintenance windows and the deliveries of their notices (apart from the
    incidents': a notice belongs to a window, not to an incident)."""
    conn.execute(
        """
        CREATE TABLE maintenances (
            id TEXT PRIMARY KEY,
            day TEXT NOT NULL,
            seq INTEGER NOT NULL,
            title TEXT NOT NULL,
            status TEXT NOT NULL,
            scheduled_for TEXT NOT NULL,
            scheduled_until TEXT NOT NULL,
            components TEXT NOT NULL DEFAULT '[]',
            impact TEXT NOT NULL DEFAULT '',
            severity_if_overrun TEXT NOT NULL DEFAULT '',
            started_at TEXT,
            ended_at TEXT,
            overran_at TEXT,
            overrun_incident TEXT NOT NULL DEFAULT '',
            previous TEXT NOT NULL DEFAULT '{}',
            reminders_sent TEXT NOT NULL DEFAULT '[]',
            history TEXT NOT NULL DEFAULT '[]',
            threads TEXT NOT NULL DEFAULT '{}',
            uid TEXT NOT NULL DEFAULT '',
            organization TEXT NOT NULL DEFAULT '',
            timezone TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 0,
            UNIQUE (day, seq)
        )
        """
    )
    conn.execute(
        f"""
        CREATE TABLE maintenance_deliveries (
            id {dialect.serial_key},
            maintenance_id TEXT NOT NULL REFERENCES maintenances (id),
            notice TEXT NOT NULL,
            snapshot TEXT NOT NULL,
            channel TEXT NOT NULL,
            channel_type TEXT NOT NULL,
            message TEXT NOT NULL,
            payload_hash TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            remote_id TEXT,
            link TEXT,
            error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            sent_at TEXT,
            progress TEXT NOT NULL DEFAULT '{{}}'
        )
        """
    )
    conn.execute("CREATE INDEX maintenances_scheduled_for ON maintenances (scheduled_for)")
    conn.execute("CREATE INDEX maintenances_status ON maintenances (status)")
    conn.execute(
        "CREATE INDEX maintenance_deliveries_maintenance ON maintenance_deliveries (maintenance_id)"
    )
    conn.execute("CREATE INDEX maintenance_deliveries_state ON maintenance_deliveries (state)")


@migration
def m008_impact_start(conn: Connection, dialect: Dialect) -> None:
    """When users were first affected (`declare --started-at`), which the figures measure
    from; NULL means at the declaration."""
    conn.execute("ALTER TABLE incidents ADD COLUMN impact_started_at TEXT")


@migration
def m009_digests(conn: Connection, dialect: Dialect) -> None:
    """What a reader folded out of an incident's timeline, under a name (`stats`: the stages,
    the gaps between messages, the component stretches), as of the timeline's last event
    `through`: valid while that is still its last event, so a long history is folded once. A
    cache, not a record: never copied, rebuilt by the reader that wrote it."""
    conn.execute(
        """
        CREATE TABLE digests (
            incident_id TEXT NOT NULL REFERENCES incidents (id),
            name TEXT NOT NULL,
            through INTEGER NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (incident_id, name)
        )
        """
    )


@migration
def m010_incident_revision(conn: Connection, dialect: Dialect) -> None:
    """A store-wide counter on the incident rows: every write of an incident gives it one more
    than the highest, so a reader that noted the highest knows what changed since (the status
    site's rebuild) without reading every row. Rows written before count as changed once."""
    conn.execute("ALTER TABLE incidents ADD COLUMN revision INTEGER NOT NULL DEFAULT 0")
    conn.execute("CREATE INDEX incidents_revision ON incidents (revision)")


def applied_migrations(conn: Connection, dialect: Dialect = SQLITE) -> list[str]:
    """Names of the migrations already applied, oldest first (empty on a new database)."""
    if conn.execute(dialect.table_exists, ("_migrations",)).fetchone() is None:
        return []
    rows = conn.execute(f"SELECT name FROM _migrations ORDER BY {dialect.applied_order}")
    return [str(row[0]) for row in rows.fetchall()]


def migrate(
    conn: Connection, migrations: Sequence[Migration] = MIGRATIONS, dialect: Dialect = SQLITE
) -> list[str]:
    """Apply pending migrations in order in one write transaction; return their names."""
    if {name for name, _ in migrations} <= set(applied_migrations(conn, dialect)):
        return []
    conn.execute(dialect.begin_write)
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
        )
        done = {row[0] for row in conn.execute("SELECT name FROM _migrations")}
        record = f"INSERT INTO _migrations (name, applied_at) VALUES ({dialect.params(2)})"
        applied: list[str] = []
        for name, fn in migrations:
            if name in done:
                continue
            fn(conn, dialect)
            stamp = datetime.now(UTC).isoformat(timespec="microseconds")
            conn.execute(record, (name, stamp))
            applied.append(name)
        conn.execute("COMMIT")
    except BaseException:
        # the original error is what matters; a failed rollback (connection gone) adds nothing
        with suppress(Exception):
            conn.execute("ROLLBACK")
        raise
    return applied

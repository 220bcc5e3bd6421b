"""Ordered, named schema migrations, each recorded once in the `_migrations` table."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import UTC, datetime

MigrationFn = Callable[[sqlite3.Connection], None]
Migration = tuple[str, MigrationFn]

MIGRATIONS: list[Migration] = []


def migration(fn: MigrationFn) -> MigrationFn:
    """Register `fn` as the next migration, named after the function."""
    MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_initial(conn: sqlite3.Connection) -> None:
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
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            incident_id TEXT NOT NULL REFERENCES incidents (id),
            kind TEXT NOT NULL,
            at TEXT NOT NULL,
            message TEXT NOT NULL DEFAULT '',
            data TEXT NOT NULL DEFAULT '{}'
        )
        """
    )
    conn.execute(
        """
        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
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


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    """Names of the migrations already applied, oldest first (empty on a new database)."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
    ).fetchone()
    if exists is None:
        return []
    rows = conn.execute("SELECT name FROM _migrations ORDER BY applied_at, rowid").fetchall()
    return [str(row[0]) for row in rows]


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> list[str]:
    """Apply pending migrations in order in one `BEGIN IMMEDIATE` transaction; return their names.

    `conn` must be in autocommit mode (`isolation_level=None`).
    """
    if {name for name, _ in migrations} <= set(applied_migrations(conn)):
        return []
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
        )
        done = {row[0] for row in conn.execute("SELECT name FROM _migrations")}
        applied: list[str] = []
        for name, fn in migrations:
            if name in done:
                continue
            fn(conn)
            stamp = datetime.now(UTC).isoformat(timespec="microseconds")
            conn.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (name, stamp))
            applied.append(name)
        conn.execute("COMMIT")
    except BaseException:
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    return applied

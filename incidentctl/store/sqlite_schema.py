"""The SQLite side of the schema: how a connection is set up."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from incidentctl.store.dialects import SQLITE
from incidentctl.store.migrations import migrate

BUSY_TIMEOUT_MS = 30_000  # a responder waits for another one rather than fail


def connect(path: Path) -> sqlite3.Connection:
    """Open `path` in autocommit mode, WAL, with a busy timeout and foreign keys, migrated.

    Raises `sqlite3.Error` or `OSError`; the connection is closed then.
    """
    conn = sqlite3.connect(
        str(path),
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
    )
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"cannot switch journal mode to WAL ({mode})")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn, dialect=SQLITE)
    except BaseException:
        conn.close()
        raise
    return conn

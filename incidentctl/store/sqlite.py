"""The SQLite state store (stdlib `sqlite3`, WAL, one `BEGIN IMMEDIATE` per write)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import cast

from incidentctl.errors import StateError
from incidentctl.store.dialects import SQLITE
from incidentctl.store.sqlite_schema import connect
from incidentctl.store.sqlstore import Connection, SQLStore

URL_PREFIX = "sqlite:///"


def sqlite_url(path: Path) -> str:
    """The store URL of a database file: `sqlite:///` then the path as written."""
    return URL_PREFIX + str(path)


def sqlite_path(url: str) -> Path:
    """The file a `sqlite:///PATH` URL names (`sqlite:////abs/path.db` is absolute)."""
    prefix, path = url[: len(URL_PREFIX)], url[len(URL_PREFIX) :]
    if prefix.lower() != URL_PREFIX or not path:
        raise StateError("a SQLite state store URL is sqlite:///PATH (four slashes if absolute)")
    return Path(path)


def open_url(url: str) -> SQLiteStore:
    """The backend opener of `sqlite:///PATH` URLs; the file is created and migrated."""
    return SQLiteStore(sqlite_path(url))


class SQLiteStore(SQLStore):
    """`Store` backed by one SQLite file, migrated when opened (the embedded default has one
    user at a time: upgrading it needs nobody's say)."""

    dialect = SQLITE
    driver_error = sqlite3.Error
    # `+`: not by the organization index: SQLite would then sort every incident of the
    # organization to return the newest few; walking the declared_at index stops at them
    organization_column = "+organization"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            conn = connect(self.path)
        except (sqlite3.Error, OSError) as exc:
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise StateError(f"cannot open state database {self.path}: {detail}") from exc
        super().__init__(cast(Connection, conn), str(self.path))

    def __enter__(self) -> SQLiteStore:
        return self

    def _begin(self, conn: Connection, *, incident_lock: bool) -> None:
        # SQLite has one write lock: every write holds every other off
        conn.execute("BEGIN IMMEDIATE")

    def _is_unique_violation(self, exc: Exception) -> bool:
        return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)

"""The SQLite state store (stdlib `sqlite3`, WAL, one `BEGIN IMMEDIATE` per write)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import IO, Any, cast

try:
    import fcntl
except ImportError:  # not on Windows: an interrupted send is then told by its state alone
    fcntl = None  # type: ignore[assignment]

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
        # deliveries this process claimed and has not recorded the outcome of: the open file
        # each holds a lock on (see `_hold_claim`)
        self._claims: dict[int, IO[bytes]] = {}
        try:
            conn = connect(self.path)
        except (sqlite3.Error, OSError) as exc:
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise StateError(f"cannot open state database {self.path}: {detail}") from exc
        super().__init__(cast(Connection, conn), str(self.path))

    def __enter__(self) -> SQLiteStore:
        return self

    def reopened(self) -> SQLiteStore:
        return SQLiteStore(self.path)

    def _begin(self, conn: Connection, *, incident_lock: bool) -> None:
        # SQLite has one write lock: every write holds every other off
        conn.execute("BEGIN IMMEDIATE")

    def _tuples(self, conn: Connection, sql: str, params: Sequence[Any] = ()) -> Iterable[Any]:
        cursor = cast(sqlite3.Connection, conn).cursor()
        cursor.row_factory = None  # plain tuples: thousands of rows, read once
        return cursor.execute(sql, params)

    def _is_unique_violation(self, exc: Exception) -> bool:
        return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)

    # A delivery being sent: an exclusive `flock` on a file named after it beside the
    # database, held by the sender's open file until it records the outcome; the kernel drops
    # it when the process dies, so another process that gets the lock knows the sender is gone.

    def _claim_file(self, delivery_id: int) -> Path:
        return self.path.with_name(f".{self.path.name}.claims") / str(delivery_id)

    def _hold_claim(self, conn: Connection, delivery_id: int) -> None:
        if fcntl is None:
            return
        path = self._claim_file(delivery_id)
        try:
            path.parent.mkdir(exist_ok=True)
            handle = open(path, "ab")  # noqa: SIM115 - held until the outcome is recorded
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return  # without it, a crash is still detected: `retry` sees `sending`
        self._claims[delivery_id] = handle

    def _release_claim(self, conn: Connection, delivery_id: int) -> None:
        handle = self._claims.pop(delivery_id, None)
        if handle is not None:
            # the outcome is committed first: a process locking the file afterwards finds
            # the delivery no longer `sending` and changes nothing
            with suppress(OSError):
                self._claim_file(delivery_id).unlink()
            handle.close()

    def _sender_gone(self, conn: Connection, delivery_id: int) -> bool:
        if fcntl is None:
            return True
        if delivery_id in self._claims:
            return True  # this store's own claim: nothing of this process is still sending
        path = self._claim_file(delivery_id)
        try:
            with open(path, "ab") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError:
            return True
        with suppress(OSError):
            path.unlink()
        return True

    def close(self) -> None:
        super().close()
        for delivery_id in list(self._claims):
            self._claims.pop(delivery_id).close()

"""The PostgreSQL state store: the shared backend of a team (psycopg 3, the `postgres` extra).

Imported only when a `postgresql://` URL is chosen, so SQLite commands never load psycopg.
Each write is a READ COMMITTED transaction; every incident write (declare, update, resolve,
threads) first takes one transaction-scoped advisory lock per database schema, so the
read-compare-write of a versioned `record` and `exclusive()` cannot be beaten. Deliveries are
claimed with `FOR UPDATE SKIP LOCKED` and need no such lock. The schema is never changed
implicitly: `incidentctl db upgrade` applies pending migrations, other commands refuse to run
on an older schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from incidentctl.errors import StateError
from incidentctl.store.dialects import POSTGRESQL
from incidentctl.store.migrations import MIGRATIONS
from incidentctl.store.sqlstore import SERIAL_TABLES, Connection, Cursor, SQLStore
from incidentctl.store.urls import redacted

if TYPE_CHECKING:
    import psycopg

SCHEMES = ("postgresql", "postgres")
# seconds a command waits for an unreachable server before saying so
CONNECT_TIMEOUT_S = 10
# one lock per schema: the incident writers of one store wait for each other, nobody else
INCIDENT_LOCK = "SELECT pg_advisory_xact_lock(hashtext('incidentctl:' || current_schema()))"
UPGRADE_HINT = "run `incidentctl db upgrade`"
# a delivery being sent: a session-level advisory lock of the sender's connection, released when
# the outcome is recorded or when the sender's session ends (the process died, the server
# restarted); another process trying it learns whether the sender is still alive
CLAIM_KEY = "hashtext('incidentctl-claim:' || current_schema()), ?::integer"


class Record:
    """A result row read by column name (as `sqlite3.Row`) and by position."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: Mapping[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, key: str | int) -> Any:
        return self._values[key if isinstance(key, int) else self._index[key]]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)


def _records(cursor: Any) -> Any:
    """psycopg row factory making `Record`s."""
    names = [column.name for column in cursor.description or ()]
    index = {name: position for position, name in enumerate(names)}
    return lambda values: Record(values, index)


class _Marks:
    """The connection as the shared SQL wants it: `?` placeholders (psycopg wants `%s`; the
    shared statements hold no `%` of their own)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.raw = conn

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Cursor:
        return cast(Cursor, self.raw.execute(sql.replace("?", "%s"), params or None))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> object:
        with self.raw.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), rows)
        return None

    def close(self) -> None:
        self.raw.close()


def _driver() -> Any:
    try:
        import psycopg
    except ImportError as exc:
        raise StateError(
            "a postgresql:// state store needs psycopg: pip install 'incidentctl[postgres]'"
        ) from exc
    return psycopg


def connect(url: str) -> psycopg.Connection[Any]:
    """An autocommit connection to `url`; a failure is one `StateError` line without the
    password."""
    driver = _driver()
    kwargs: dict[str, Any] = {"autocommit": True, "row_factory": _records}
    if "connect_timeout" not in url:
        kwargs["connect_timeout"] = CONNECT_TIMEOUT_S
    try:
        return cast("psycopg.Connection[Any]", driver.connect(url, **kwargs))
    except driver.Error as exc:
        raise StateError(connection_failure(url, exc)) from exc
    except ValueError as exc:  # a URL libpq cannot parse
        raise StateError(f"cannot read the state store URL {redacted(url)}") from exc


def connection_failure(url: str, exc: Exception) -> str:
    """Why `url` could not be reached, in one line naming the URL without its password."""
    text = str(exc)
    lowered = text.lower()
    where = f"cannot connect to the state database {redacted(url)}"
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        reason = "the server refused the user name or password"
    elif "does not exist" in lowered and "database" in lowered:
        reason = "the database does not exist (create it, then run `incidentctl db upgrade`)"
    elif "no encryption" in lowered or "ssl" in lowered or "tls" in lowered:
        reason = "the server requires TLS: add ?sslmode=require to the URL"
    elif "connection refused" in lowered or "no such file" in lowered or "timeout" in lowered:
        reason = "no PostgreSQL server answers there (is it running?)"
    elif "could not translate host name" in lowered or "name or service" in lowered:
        reason = "unknown host name"
    else:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        reason = lines[-1] if lines else type(exc).__name__
    return f"{where}: {reason}"


class PostgresStore(SQLStore):
    """`Store` on a PostgreSQL database, one connection per process."""

    dialect = POSTGRESQL
    claim_suffix = " FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str) -> None:
        self.url = url
        conn = connect(url)
        self.driver_error = _driver().Error
        super().__init__(cast(Connection, _Marks(conn)), redacted(url))
        # deliveries this process claimed and has not recorded the outcome of
        self._claims: set[int] = set()

    def __enter__(self) -> PostgresStore:
        return self

    def reopened(self) -> PostgresStore:
        return PostgresStore(self.url)

    def _begin(self, conn: Connection, *, incident_lock: bool) -> None:
        # named, whatever the server's default: a write's snapshot is taken once it holds the
        # incident lock, so the revisions it gives (`m010_incident_revision`) commit in order
        conn.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
        if incident_lock:
            conn.execute(INCIDENT_LOCK)

    def _is_unique_violation(self, exc: Exception) -> bool:
        return isinstance(exc, _driver().errors.UniqueViolation)

    def _hold_claim(self, conn: Connection, delivery_id: int) -> None:
        conn.execute(f"SELECT pg_advisory_lock({CLAIM_KEY})", (delivery_id,))
        self._claims.add(delivery_id)

    def _release_claim(self, conn: Connection, delivery_id: int) -> None:
        if delivery_id in self._claims:
            self._claims.discard(delivery_id)
            conn.execute(f"SELECT pg_advisory_unlock({CLAIM_KEY})", (delivery_id,))

    def _sender_gone(self, conn: Connection, delivery_id: int) -> bool:
        if delivery_id in self._claims:
            return True  # this store's own claim: nothing of this process is still sending
        # transaction-scoped: released as soon as the marking transaction ends
        row = conn.execute(f"SELECT pg_try_advisory_xact_lock({CLAIM_KEY})", (delivery_id,))
        return bool(row.fetchone()[0])

    def _after_copy(self, conn: Connection) -> None:
        for table in SERIAL_TABLES:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE(MAX(id), 0) + 1, false) FROM {table}"
            )

    def check_schema(self) -> None:
        """Refuse a database whose schema is older (or newer) than this release's."""
        applied = self.applied()
        known = {name for name, _ in MIGRATIONS}
        unknown = [name for name in applied if name not in known]
        if unknown:
            raise StateError(
                f"state database {self.label} has a newer schema than this incidentctl "
                f"({', '.join(unknown)}): upgrade incidentctl"
            )
        pending = self.pending()
        if pending:
            raise StateError(
                f"state database {self.label} is at schema version {len(applied)} of "
                f"{len(MIGRATIONS)} (pending: {', '.join(pending)}): {UPGRADE_HINT}"
            )


def open_url(url: str, *, check_schema: bool = True) -> PostgresStore:
    """The backend opener of `postgresql://` URLs; with `check_schema`, only a database at
    this release's schema opens."""
    store = PostgresStore(url)
    if check_schema:
        try:
            store.check_schema()
        except BaseException:
            store.close()
            raise
    return store

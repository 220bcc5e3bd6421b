"""Which database holds the record, and `incidentctl db status|upgrade|copy`.

The store is `$INCIDENTCTL_DATABASE_URL`, else the playbook's `state: database_url:` (its
`${VAR}` references resolved from the environment), else the SQLite file in the state
directory. A team shares one PostgreSQL database this way; its schema changes only through
`db upgrade`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from incidentctl.errors import ConflictError, MissingSecret, StateError, UsageError
from incidentctl.store import DATABASE_URL_VARIABLE, location, open_url
from incidentctl.store.urls import redacted

if TYPE_CHECKING:
    from incidentctl.store.sqlstore import SQLStore


def resolve_database_url(written: str | None, env: Mapping[str, str]) -> str | None:
    """The playbook's `state: database_url:` with its `${VAR}` references filled in."""
    from incidentctl.playbook.env import interpolate

    if not written or not written.strip():
        return None
    if env.get(DATABASE_URL_VARIABLE, "").strip():
        return None  # the variable wins: nothing of the playbook's needs resolving
    url, missing = interpolate(written.strip(), env)
    if missing:
        names = ", ".join(f"${{{name}}}" for name in missing)
        raise MissingSecret(f"state: database_url refers to {names}, which is not set")
    return url


def store_location(env: Mapping[str, str], written: str | None = None) -> str:
    """The URL of the store a command would open (see the module's docstring)."""
    return location(None, env, database_url=resolve_database_url(written, env))


def location_of(given: str) -> str:
    """A `db copy` end as a URL: a URL as it is, a file path as its `sqlite:///` URL."""
    if "://" in given:
        return given
    path = Path(given).expanduser()
    if path.is_dir():
        raise UsageError(f"{given} is a folder: give the database file or a store URL")
    from incidentctl.store.sqlite import sqlite_url

    return sqlite_url(path.absolute())


def _open_sql(url: str) -> SQLStore:
    from incidentctl.store.sqlstore import SQLStore

    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    store = open_url(url, check_schema=False)
    if not isinstance(store, SQLStore):  # every backend is one today
        store.close()
        raise StateError(f"{redacted(url)}: not an SQL store")
    return store


@dataclass(frozen=True)
class DatabaseStatus:
    backend: str
    url: str  # password hidden
    schema_version: int
    latest: str | None
    pending: list[str]
    counts: dict[str, int]


def database_status(url: str) -> DatabaseStatus:
    """`db status`: backend, where, schema version, pending migrations, rows per table."""
    store = _open_sql(url)
    try:
        applied = store.applied()
        return DatabaseStatus(
            backend=store.dialect.name,
            url=redacted(url),
            schema_version=len(applied),
            latest=applied[-1] if applied else None,
            pending=store.pending(),
            counts={} if store.pending() else store.counts(),
        )
    finally:
        store.close()


def upgrade_database(url: str) -> list[str]:
    """`db upgrade`: apply the pending migrations; their names (none: already current)."""
    store = _open_sql(url)
    try:
        return store.upgrade()
    finally:
        store.close()


@dataclass(frozen=True)
class CopyReport:
    source: str
    target: str
    counts: dict[str, int]
    checksums: dict[str, str]


def copy_database(source: str, target: str, *, replace_nonempty: bool = False) -> CopyReport:
    """`db copy`: every incident, event and delivery of `source` into `target` (migrated
    first), ids kept; verified by counts and checksums of both. A target that holds incidents
    already is refused unless `replace_nonempty` (then its rows are kept and the copy fails
    on any id both hold)."""
    if source == target:
        raise UsageError("db copy: --from and --to name the same database")
    if source.lower().startswith("sqlite:///") and not Path(source[len("sqlite:///") :]).is_file():
        raise StateError(f"db copy: no database file at {source[len('sqlite:///') :]}")
    src = _open_sql(source)
    try:
        if src.pending():
            raise StateError(
                f"{redacted(source)} is at an older schema: run `incidentctl db upgrade` on it "
                "first"
            )
        dst = _open_sql(target)
        try:
            dst.upgrade()
            if any(dst.counts().values()) and not replace_nonempty:
                raise ConflictError(
                    f"{redacted(target)} already holds incidents: copy into an empty database "
                    "(or pass --force to add to it)"
                )
            rows = {table: src.table_rows(table) for table in ("incidents", "events", "deliveries")}
            dst.insert_rows(rows)
            counts, checksums = src.counts(), {}
            for table in rows:
                mine, theirs = src.checksum(table), dst.checksum(table)
                if not replace_nonempty and mine != theirs:
                    raise StateError(
                        f"db copy: {table} differ after the copy (checksum {mine[:12]} in "
                        f"{redacted(source)}, {theirs[:12]} in {redacted(target)})"
                    )
                checksums[table] = mine
            if not replace_nonempty and dst.counts() != counts:
                raise StateError(f"db copy: row counts differ after the copy: {dst.counts()}")
            return CopyReport(redacted(source), redacted(target), counts, checksums)
        finally:
            dst.close()
    finally:
        src.close()


def command_location(env: Mapping[str, str], playbook: Path | None = None) -> str:
    """The URL of the store a command run here would open (the playbook's, if it names one)."""
    from incidentctl.app.queries import current_identity

    identity = current_identity(env, playbook)
    return store_location(env, identity.database_url if identity is not None else None)

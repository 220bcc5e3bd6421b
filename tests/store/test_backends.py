"""Choosing a store backend by URL, and migrations written for any SQL dialect."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from incidentctl.errors import StateError
from incidentctl.store import open_url
from incidentctl.store.dialects import POSTGRESQL, SQLITE
from incidentctl.store.migrations import MIGRATIONS, migrate
from incidentctl.store.sqlite import SQLiteStore, sqlite_url


def test_sqlite_url_opens_and_migrates_the_file(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = open_url(sqlite_url(path))
    try:
        assert isinstance(store, SQLiteStore) and store.path == path
        assert store.list_incidents() == []
    finally:
        store.close()
    assert sqlite_url(path) == f"sqlite:///{path}"
    upper = open_url(f"SQLite:///{path}")
    upper.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "mysql://ops:s3cret@db.example/incidents",
            "state store URL with unknown scheme 'mysql:' (known: sqlite:, postgresql:, postgres:)",
        ),
        (
            "incidents.db",
            "state store URL with no scheme (known: sqlite:, postgresql:, postgres:)",
        ),
        ("sqlite:///", "a SQLite state store URL is sqlite:///PATH (four slashes if absolute)"),
        ("sqlite:x.db", "a SQLite state store URL is sqlite:///PATH (four slashes if absolute)"),
    ],
)
def test_unknown_or_malformed_url_is_a_state_error(url: str, message: str) -> None:
    with pytest.raises(StateError) as caught:
        open_url(url)
    assert str(caught.value) == message
    assert "s3cret" not in str(caught.value)


def test_new_sqlite_database_gets_the_schema_of_earlier_releases(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "incidentctl.db") as store:
        path = store.path
    with closing(sqlite3.connect(path)) as raw:
        tables = dict(raw.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    assert set(tables) == {
        "_migrations",
        "incidents",
        "events",
        "deliveries",
        "reminders",
        "sqlite_sequence",
        "maintenances",
        "maintenance_deliveries",
        "digests",
    }
    assert tables["_migrations"] == (
        "CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
    )
    assert "            id INTEGER PRIMARY KEY AUTOINCREMENT,\n" in tables["events"]
    assert "            data TEXT NOT NULL DEFAULT '{}'\n" in tables["events"]
    assert "            id INTEGER PRIMARY KEY AUTOINCREMENT,\n" in tables["deliveries"]
    assert "            UNIQUE (day, seq)\n" in tables["incidents"]
    assert "REFERENCES maintenances (id)" in tables["maintenance_deliveries"]
    assert "            PRIMARY KEY (incident_id, name)\n" in tables["digests"]


class RecordingConnection:
    """A connection of another database: it keeps the SQL it is given, returns no rows."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, tuple[Any, ...]]] = []

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> RecordingConnection:
        self.statements.append((" ".join(sql.split()), tuple(params)))
        return self

    def fetchone(self) -> Any:
        return None

    def fetchall(self) -> list[Any]:
        return []

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __next__(self) -> Any:
        raise StopIteration


def test_migrations_run_on_another_dialect_without_sqlite_sql() -> None:
    conn = RecordingConnection()
    assert migrate(conn, dialect=POSTGRESQL) == [name for name, _ in MIGRATIONS]
    sql = [statement for statement, _ in conn.statements]
    assert sql[0] == (
        "SELECT 1 FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_name = %s"
    )
    assert sql[1] == "BEGIN ISOLATION LEVEL SERIALIZABLE"
    assert sql[-1] == "COMMIT"
    events = next(s for s in sql if s.startswith("CREATE TABLE events"))
    assert events.startswith("CREATE TABLE events ( id BIGSERIAL PRIMARY KEY, incident_id")
    assert any(s.startswith("CREATE TABLE deliveries ( id BIGSERIAL PRIMARY KEY,") for s in sql)
    for statement in sql:
        assert "AUTOINCREMENT" not in statement and "sqlite" not in statement
        assert "?" not in statement and "IMMEDIATE" not in statement
    recorded = [params for statement, params in conn.statements if "INTO _migrations" in statement]
    assert [params[0] for params in recorded] == [
        "m001_initial",
        "m002_incident_identity",
        "m003_incident_version",
        "m004_incident_indexes",
        "m006_reminders",
        "m007_maintenance",
        "m008_impact_start",
        "m009_digests",
        "m010_incident_revision",
    ]
    assert "INSERT INTO _migrations (name, applied_at) VALUES (%s, %s)" in sql
    assert SQLITE.params(3) == "?, ?, ?" and POSTGRESQL.params(2) == "%s, %s"

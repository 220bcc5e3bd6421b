"""The PostgreSQL backend itself: choosing it, its schema, `db` commands, failures to connect.

These need a PostgreSQL server (see tests/pg_cluster.py): without one they skip, saying how to
run them; under CI they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from incidentctl.store import open_url
from incidentctl.store.postgres import PostgresStore
from incidentctl.store.sqlite import sqlite_url
from tests import pg_cluster
from tests.helpers import cli, write_playbook


def _declare(capsys: pytest.CaptureFixture[str], title: str) -> str:
    result = cli(capsys, "declare", "sev2", "--title", title, "--yes", "--json")
    assert result.code == 0, result.err
    return str(json.loads(result.out)["id"])


def test_the_url_variable_puts_the_record_in_postgresql(
    schemas: pg_cluster.Schemas,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = schemas.new()
    monkeypatch.setenv("INCIDENTCTL_DATABASE_URL", url)
    monkeypatch.setenv("INCIDENTCTL_PLAYBOOK", str(write_playbook(tmp_path)))
    incident = _declare(capsys, "Checkout errors")
    assert cli(capsys, "update", incident, "-m", "Rolling back", "--yes").code == 0
    listed = cli(capsys, "list", "--json")
    assert listed.code == 0 and incident in listed.out
    with open_url(url) as store:
        assert isinstance(store, PostgresStore)
        assert [e.kind for e in store.timeline(incident)] == ["declared", "update"]
    # nothing went to the state directory's SQLite file
    assert not list(Path(os.environ["INCIDENTCTL_HOME"]).glob("*.db"))


def test_the_playbooks_database_url_with_a_variable_selects_it(
    schemas: pg_cluster.Schemas,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = schemas.new()
    host, _, rest = url.partition("@")
    written = f"{host}:${{TEAM_DB_PASSWORD}}@{rest}"
    playbook = write_playbook(tmp_path, extra=f"state:\n  database_url: '{written}'\n")
    monkeypatch.setenv("INCIDENTCTL_PLAYBOOK", str(playbook))
    monkeypatch.setenv("TEAM_DB_PASSWORD", "unused-by-trust")
    incident = _declare(capsys, "Portal slow")
    with open_url(url) as store:
        assert store.get_incident(incident) is not None
    status = cli(capsys, "db", "status")
    assert status.code == 0, status.err
    assert "backend: postgresql" in status.out and "unused-by-trust" not in status.out
    assert ":***@" in status.out and "incidents: 1, events: 1" in status.out
    listed = cli(capsys, "list")
    assert incident in listed.out
    monkeypatch.delenv("TEAM_DB_PASSWORD")
    missing = cli(capsys, "list")
    assert missing.code == 2
    assert missing.err == (
        "error: state: database_url refers to ${TEAM_DB_PASSWORD}, which is not set\n"
    )


def test_an_older_schema_is_refused_until_db_upgrade(
    postgres_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import psycopg

    from incidentctl.store.migrations import MIGRATIONS, migrate
    from incidentctl.store.postgres import _Marks, connect

    schemas = pg_cluster.Schemas(postgres_url)
    url = schemas.new()
    name = url.rpartition("%3D")[2]
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {name} CASCADE")
        conn.execute(f"CREATE SCHEMA {name}")
    raw = connect(url)
    migrate(_Marks(raw), MIGRATIONS[:2], dialect=PostgresStore.dialect)
    raw.close()
    monkeypatch.setenv("INCIDENTCTL_DATABASE_URL", url)
    monkeypatch.setenv("INCIDENTCTL_PLAYBOOK", str(write_playbook(tmp_path)))
    refused = cli(capsys, "list")
    assert refused.code == 5
    assert refused.err.count("\n") == 1
    later = ", ".join(name for name, _ in MIGRATIONS[2:])
    # the line is shortened in its middle to fit: its start and its end are there
    assert (
        f"is at schema version 2 of {len(MIGRATIONS)} (pending: {MIGRATIONS[2][0]}" in refused.err
    )
    assert f"{MIGRATIONS[-1][0]}): run" in refused.err
    assert refused.err.endswith("run `incidentctl db upgrade`\n")
    status = cli(capsys, "db", "status")
    assert "schema version: 2 (m002_incident_identity)" in status.out
    assert f"pending: {later}" in status.out
    upgraded = cli(capsys, "db", "upgrade")
    assert upgraded.code == 0 and f"applied {later}" in upgraded.out
    assert "schema already current" in cli(capsys, "db", "upgrade").out
    assert cli(capsys, "list").code == 0


def test_db_copy_moves_the_history_to_postgresql_and_back(
    schemas: pg_cluster.Schemas,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "home" / "incidentctl.db"
    source.parent.mkdir()
    # a SQLite history, whichever backend the suite runs on
    monkeypatch.setenv("INCIDENTCTL_DATABASE_URL", sqlite_url(source))
    monkeypatch.setenv("INCIDENTCTL_PLAYBOOK", str(write_playbook(tmp_path)))
    first = _declare(capsys, "Checkout errors")
    assert cli(capsys, "resolve", first, "-m", "Fixed", "--yes").code == 0
    second = _declare(capsys, "Portal slow")
    team = schemas.new()
    copied = cli(capsys, "db", "copy", "--from", str(source), "--to", team)
    assert copied.code == 0, copied.err
    with open_url(sqlite_url(source)) as lite:
        counts = lite.counts()  # type: ignore[attr-defined]
    assert counts["incidents"] == 2 and counts["events"] >= 3
    assert ", ".join(f"{t}: {n}" for t, n in counts.items()) in copied.out
    assert "checksums match" in copied.out
    again = cli(capsys, "db", "copy", "--from", str(source), "--to", team)
    assert again.code == 6 and "already holds incidents" in again.err
    back = tmp_path / "back.db"
    returned = cli(capsys, "db", "copy", "--from", team, "--to", sqlite_url(back))
    assert returned.code == 0, returned.err
    with open_url(team) as pg, open_url(sqlite_url(back)) as lite:
        assert isinstance(pg, PostgresStore)
        for table in ("incidents", "events", "deliveries"):
            assert pg.checksum(table) == lite.checksum(table)  # type: ignore[attr-defined]
        assert [i.id for i in pg.list_incidents()] == [second, first]
    # new events after the copy get new ids on PostgreSQL (its sequences follow the copy)
    monkeypatch.setenv("INCIDENTCTL_DATABASE_URL", team)
    assert cli(capsys, "update", second, "-m", "Still slow", "--yes").code == 0


def _one_line_exit_5(result: object, *, hidden: str = pg_cluster.PASSWORD) -> str:
    code, err = result.code, result.err  # type: ignore[attr-defined]
    assert code == 5, err
    assert err.count("\n") == 1 and err.startswith("error: cannot connect to the state database")
    assert hidden not in err
    return str(err)


def test_connection_failures_are_one_line_exit_5_without_the_password(
    postgres_cluster: pg_cluster.Cluster | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if postgres_cluster is None:
        pytest.skip("needs the tests' own cluster (its users and pg_hba.conf)")
    monkeypatch.setenv("INCIDENTCTL_PLAYBOOK", str(write_playbook(tmp_path)))
    port, user, password = postgres_cluster.port, pg_cluster.PASSWORD_USER, pg_cluster.PASSWORD
    db = pg_cluster.DATABASE
    cases = {
        f"postgresql://{user}:wrong-{password}@127.0.0.1:{port}/{db}": "refused the user name",
        f"postgresql://{user}:{password}@127.0.0.1:{port}/missing": "database does not exist",
        f"postgresql://{pg_cluster.TLS_USER}:{password}@127.0.0.1:{port}/{db}": "requires TLS",
        f"postgresql://{user}:{password}@127.0.0.1:{_closed_port()}/{db}": "no PostgreSQL server",
    }
    for url, reason in cases.items():
        monkeypatch.setenv("INCIDENTCTL_DATABASE_URL", url)
        err = _one_line_exit_5(cli(capsys, "list"))
        assert reason in err, err
        assert f"{user}:***@" in err or f"{pg_cluster.TLS_USER}:***@" in err


def _closed_port() -> int:
    return pg_cluster._free_port()


def test_sqlite_commands_never_import_psycopg(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENTCTL_")}
    env["INCIDENTCTL_HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "incidentctl", "list"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "sqlite3" in done.stderr
    assert "psycopg" not in done.stderr

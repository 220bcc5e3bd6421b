"""Every test gets its own state directory and a clean environment; `offline_dns` makes
`.invalid` names fail to resolve without the network."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import incidentctl.store
from incidentctl.channels import registry
from tests import pg_cluster


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: about the SQLite file, not any store")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="State store every test runs on (postgresql: a throwaway local cluster).",
    )


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[pg_cluster.Cluster | None]:
    """A throwaway PostgreSQL server for the run (None: `$INCIDENTCTL_TEST_DATABASE_URL`'s);
    skips without one, fails without one under CI."""
    if os.environ.get("INCIDENTCTL_TEST_DATABASE_URL"):
        yield None
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _no_server("psycopg is not installed (pip install -e '.[postgres,test]')")
    if pg_cluster.server_binaries() is None:
        _no_server("no PostgreSQL server binaries")
    with pg_cluster.running_cluster() as cluster:
        yield cluster


def _no_server(why: str) -> None:
    message = f"{why}: {pg_cluster.HOW_TO_RUN}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: pg_cluster.Cluster | None) -> str:
    """The test database's URL (each test makes schemas of its own in it)."""
    if postgres_cluster is None:
        return os.environ["INCIDENTCTL_TEST_DATABASE_URL"]
    return postgres_cluster.url()


@pytest.fixture
def schemas(postgres_url: str) -> pg_cluster.Schemas:
    """Fresh, migrated PostgreSQL stores: `schemas.new()` is a URL of one."""
    return pg_cluster.Schemas(postgres_url)


@pytest.fixture(autouse=True)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """With `--backend postgresql`, every state directory's store is a PostgreSQL schema of
    its own (`tests.helpers.store_env` gives a subprocess the same)."""
    name = str(request.config.getoption("--backend"))
    if name == "postgresql" and request.node.get_closest_marker("sqlite_only"):
        pytest.skip("about the SQLite file itself")
    if name == "postgresql":
        routes = request.getfixturevalue("schemas")
        monkeypatch.setattr(incidentctl.store, "store_url", routes.url_for)
        monkeypatch.setattr(pg_cluster, "ACTIVE", routes)
    yield name


@pytest.fixture(scope="session")
def template_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One compiled-template cache for the run, outside the user's home."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def isolated_state(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, template_cache: Path
) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("INCIDENTCTL_HOME", str(home))
    monkeypatch.setenv("INCIDENTCTL_CACHE", str(template_cache))
    monkeypatch.delenv("INCIDENTCTL_PLAYBOOK", raising=False)
    # third-party channel plugins installed on the machine stay out of the tests
    monkeypatch.setattr(registry, "_plugins", lambda: {})
    yield home


@pytest.fixture
def offline_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """A `.invalid` name fails to resolve at once, as it would offline, without asking a
    resolver; every client library still goes through `socket.getaddrinfo` to find out."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.rstrip(".").endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

"""Where incidents, timelines and deliveries are kept: the backend a store URL names."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from incidentctl.errors import StateError

if TYPE_CHECKING:
    from incidentctl.store.base import Store

DATABASE_FILE = "incidentctl.db"
HOME_VARIABLE = "INCIDENTCTL_HOME"
# a store URL (`postgresql://…`) chosen instead of the SQLite file in the state directory
DATABASE_URL_VARIABLE = "INCIDENTCTL_DATABASE_URL"

# URL scheme -> "module:function" opening (and migrating) the store that URL names; a backend's
# module, and its driver, are imported only when a URL asks for it
BACKENDS: dict[str, str] = {
    "sqlite": "incidentctl.store.sqlite:open_url",
    "postgresql": "incidentctl.store.postgres:open_url",
    "postgres": "incidentctl.store.postgres:open_url",
}
BackendOpener = Callable[..., "Store"]


def state_dir(env: Mapping[str, str]) -> Path:
    """The state directory: `$INCIDENTCTL_HOME`, else the platform's user data dir (not created)."""
    home = env.get(HOME_VARIABLE, "").strip()
    if home:
        # absolute: the outbox channel writes file:// links, which a relative path cannot be
        return Path(home).expanduser().absolute()
    from incidentctl.playbook.location import user_folder

    return user_folder("data")


def open_url(url: str, *, check_schema: bool = True) -> Store:
    """Open the store `url` names, by its scheme: `sqlite:///PATH` (created and migrated) or
    `postgresql://…` (with `check_schema`, refused unless at this release's schema)."""
    scheme, colon, _ = url.partition(":")
    target = BACKENDS.get(scheme.lower()) if colon else None
    if target is None:
        # only the scheme is repeated: the rest of a URL may hold a password
        known = ", ".join(f"{name}:" for name in BACKENDS)
        what = f"unknown scheme {scheme + ':'!r}" if colon else "no scheme"
        raise StateError(f"state store URL with {what} (known: {known})")
    module, _, name = target.partition(":")
    opener: BackendOpener = getattr(importlib.import_module(module), name)
    if module.endswith(".sqlite"):  # migrated whenever it is opened
        return opener(url)
    return opener(url, check_schema=check_schema)


def store_url(directory: Path) -> str:
    """The URL of the embedded store kept in a state directory."""
    from incidentctl.store.sqlite import sqlite_url

    return sqlite_url(directory / DATABASE_FILE)


def chosen_url(env: Mapping[str, str], database_url: str | None = None) -> str | None:
    """The store URL `$INCIDENTCTL_DATABASE_URL` names, else `database_url` (the playbook's
    `state: database_url:`, already resolved), else None: the state directory's file."""
    return env.get(DATABASE_URL_VARIABLE, "").strip() or (database_url or "").strip() or None


def location(home: Path | None, env: Mapping[str, str], *, database_url: str | None = None) -> str:
    """The URL of the store `open_store` opens: `chosen_url`, else the state directory's."""
    url = chosen_url(env, database_url)
    if url is not None:
        return url
    return store_url(home if home is not None else state_dir(env))


def open_store(
    home: Path | None, env: Mapping[str, str], *, database_url: str | None = None
) -> Store:
    """The store `chosen_url` names; without one, create the state directory if needed and
    open (migrating) `incidentctl.db` in it."""
    if chosen_url(env, database_url) is None:
        directory = home if home is not None else state_dir(env)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            path = directory / DATABASE_FILE
            raise StateError(f"cannot open state database {path}: {reason}") from exc
    return open_url(location(home, env, database_url=database_url))

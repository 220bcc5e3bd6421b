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

# URL scheme -> "module:function" opening (and migrating) the store that URL names; a backend's
# module, and its driver, are imported only when a URL asks for it
BACKENDS: dict[str, str] = {
    "sqlite": "incidentctl.store.sqlite:open_url",
}
BackendOpener = Callable[[str], "Store"]


def state_dir(env: Mapping[str, str]) -> Path:
    """The state directory: `$INCIDENTCTL_HOME`, else the platform's user data dir (not created)."""
    home = env.get(HOME_VARIABLE, "").strip()
    if home:
        # absolute: the outbox channel writes file:// links, which a relative path cannot be
        return Path(home).expanduser().absolute()
    import platformdirs

    return Path(platformdirs.user_data_dir("incidentctl"))


def open_url(url: str) -> Store:
    """Open the store `url` names, by its scheme: `sqlite:///PATH` is the only one today."""
    scheme, colon, _ = url.partition(":")
    target = BACKENDS.get(scheme.lower()) if colon else None
    if target is None:
        # only the scheme is repeated: the rest of a URL may hold a password
        known = ", ".join(f"{name}:" for name in BACKENDS)
        what = f"unknown scheme {scheme + ':'!r}" if colon else "no scheme"
        raise StateError(f"state store URL with {what} (known: {known})")
    module, _, name = target.partition(":")
    opener: BackendOpener = getattr(importlib.import_module(module), name)
    return opener(url)


def open_store(home: Path | None, env: Mapping[str, str]) -> Store:
    """Create the state directory if needed and open (migrating) `incidentctl.db` in it."""
    from incidentctl.store.sqlite import sqlite_url

    directory = home if home is not None else state_dir(env)
    path = directory / DATABASE_FILE
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise StateError(f"cannot open state database {path}: {reason}") from exc
    return open_url(sqlite_url(path))

"""Where incidents, timelines and deliveries are kept."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from incidentctl.errors import StateError

if TYPE_CHECKING:
    from incidentctl.store.base import Store

DATABASE_FILE = "incidentctl.db"
HOME_VARIABLE = "INCIDENTCTL_HOME"


def state_dir(env: Mapping[str, str]) -> Path:
    """The state directory: `$INCIDENTCTL_HOME`, else the platform's user data dir (not created)."""
    home = env.get(HOME_VARIABLE, "").strip()
    if home:
        return Path(home).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("incidentctl"))


def open_store(home: Path | None, env: Mapping[str, str]) -> Store:
    """Create the state directory if needed and open (migrating) `incidentctl.db` in it."""
    from incidentctl.store.sqlite import SQLiteStore

    directory = home if home is not None else state_dir(env)
    path = directory / DATABASE_FILE
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise StateError(f"cannot open state database {path}: {reason}") from exc
    return SQLiteStore(path)

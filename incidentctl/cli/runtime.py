"""Opening the playbook and the store for a command (imported lazily by commands)."""

from __future__ import annotations

import os
from pathlib import Path

from incidentctl.core.workspace import Workspace
from incidentctl.playbook.loader import find_playbook, load_playbook
from incidentctl.store import open_store, state_dir


def open_workspace(playbook: Path | None) -> Workspace:
    env = dict(os.environ)
    loaded = load_playbook(find_playbook(playbook, env))
    home = state_dir(env)
    store = open_store(home, env)
    return Workspace(loaded=loaded, store=store, env=env, state_dir=home)

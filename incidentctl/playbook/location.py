"""Which playbook a command uses; imports nothing heavy, so `list` and `status` stay fast."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

PLAYBOOK_ENV = "INCIDENTCTL_PLAYBOOK"
DEFAULT_PLAYBOOK = "incidentctl.yaml"


def find_playbook(explicit: str | os.PathLike[str] | None, env: Mapping[str, str]) -> Path:
    """--playbook PATH, else $INCIDENTCTL_PLAYBOOK, else ./incidentctl.yaml."""
    if explicit:
        return Path(explicit)
    if env.get(PLAYBOOK_ENV):
        return Path(env[PLAYBOOK_ENV])
    return Path(DEFAULT_PLAYBOOK)


def cache_dir() -> Path | None:
    """Where what is derived from playbooks is kept between runs (compiled templates, the
    organization a playbook names): `$INCIDENTCTL_CACHE`, else the user's cache directory;
    None with `$INCIDENTCTL_NO_CACHE` set."""
    if os.environ.get("INCIDENTCTL_NO_CACHE"):
        return None
    root = os.environ.get("INCIDENTCTL_CACHE")
    if not root:
        import platformdirs

        root = platformdirs.user_cache_dir("incidentctl")
    return Path(root)

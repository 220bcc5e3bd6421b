"""Which playbook a command uses; imports nothing heavy, so `list` and `status` stay fast."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

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
    return Path(root) if root else user_folder("cache")


# the XDG base directories platformdirs reads on Linux: variable, default
XDG = {"cache": ("XDG_CACHE_HOME", "~/.cache"), "data": ("XDG_DATA_HOME", "~/.local/share")}


def user_folder(kind: Literal["cache", "data"]) -> Path:
    """The user's cache or data folder for incidentctl, as platformdirs names it: on Linux
    read here from the XDG variables (an absolute path, else the default), as platformdirs
    does, without importing it (about 5 ms of every `list`); elsewhere platformdirs'."""
    if sys.platform.startswith("linux") and os.environ.get("ANDROID_DATA") != "/data":
        variable, default = XDG[kind]
        base = os.environ.get(variable, "")
        return Path(base if os.path.isabs(base) else os.path.expanduser(default)) / "incidentctl"
    import platformdirs

    if kind == "cache":
        return Path(platformdirs.user_cache_dir("incidentctl"))
    return Path(platformdirs.user_data_dir("incidentctl"))

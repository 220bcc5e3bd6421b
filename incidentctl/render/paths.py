"""Where the built-in templates and example playbooks live, in a checkout or an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def _data_dir(kind: str) -> Path:
    # a wheel force-includes the top-level folders as incidentctl/_data/<kind>; look there
    # first, since a site-packages/<kind> folder next to the package may belong to anyone
    installed = _PACKAGE / "_data" / kind
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / kind


def builtin_templates_dir() -> Path:
    """The built-in templates: `templates/` (with `en/`, `fr/` and shared layouts)."""
    return _data_dir("templates")


def builtin_playbooks_dir() -> Path:
    """The example playbooks: `playbooks/example-<language>.yaml`."""
    return _data_dir("playbooks")

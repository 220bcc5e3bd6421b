"""Message rendering: sandboxed Jinja templates, their lookup, and the context they receive.

The names below are loaded on first use (PEP 562): importing a light submodule such as
`incidentctl.render.relative` or `.times` (what `list`, `status` and `show` need) must not
import jinja2, pydantic and the playbook's models with it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from incidentctl.render.context import build_context
    from incidentctl.render.paths import builtin_playbooks_dir, builtin_templates_dir
    from incidentctl.render.renderer import PARTS_BY_FORMAT, POSTMORTEM_TEMPLATE, Renderer
    from incidentctl.render.sample import sample_context, sample_moment
    from incidentctl.render.worst_case import WORST_CASE_NOTE, worst_case_context

_HOMES = {
    "build_context": "context",
    "builtin_playbooks_dir": "paths",
    "builtin_templates_dir": "paths",
    "PARTS_BY_FORMAT": "renderer",
    "POSTMORTEM_TEMPLATE": "renderer",
    "Renderer": "renderer",
    "sample_context": "sample",
    "sample_moment": "sample",
    "WORST_CASE_NOTE": "worst_case",
    "worst_case_context": "worst_case",
}

__all__ = [
    "PARTS_BY_FORMAT",
    "POSTMORTEM_TEMPLATE",
    "WORST_CASE_NOTE",
    "Renderer",
    "build_context",
    "builtin_playbooks_dir",
    "builtin_templates_dir",
    "sample_context",
    "sample_moment",
    "worst_case_context",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value

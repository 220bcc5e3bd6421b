"""Message rendering: sandboxed Jinja templates, their lookup, and the context they receive.

Importing this package imports jinja2: the CLI imports it lazily, only for commands that
render.
"""

from __future__ import annotations

from incidentctl.render.context import build_context
from incidentctl.render.paths import builtin_playbooks_dir, builtin_templates_dir
from incidentctl.render.renderer import PARTS_BY_FORMAT, POSTMORTEM_TEMPLATE, Renderer
from incidentctl.render.sample import sample_context, sample_moment
from incidentctl.render.worst_case import WORST_CASE_NOTE, worst_case_context

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

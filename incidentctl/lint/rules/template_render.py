"""template-render: a channel's message fails to render with sample incident data.

For every stage a channel receives, its templates are rendered against a sample incident
(title, impact, components, roles, next update…) with strict undefined variables, as
`incidentctl preview` would. A misspelt variable (`{{ incident.tittle }}`), a filter that does
not exist or an expression that fails is reported at the channel in the playbook, naming the
template, its line and the variable. Which variables exist is documented in
`incidentctl/render/context.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from incidentctl.channels.registry import channel_type
from incidentctl.errors import IncidentctlError
from incidentctl.render.renderer import STAGE_PLACEHOLDER

if TYPE_CHECKING:
    from incidentctl.core.models import Stage
    from incidentctl.lint.linter import LintContext
    from incidentctl.playbook.loader import Problem

ID = "template-render"
DEFAULT_LEVEL = "error"


def _reported_elsewhere(ctx: LintContext, name: str, stage: Stage, message_format: str) -> bool:
    """True when a file this message needs is a missing override (unknown-template reports it)
    or does not compile (template-syntax reports it)."""
    assert ctx.playbook is not None
    patterns = ctx.playbook.channels[name].templates.values()
    overrides = {p.replace(STAGE_PLACEHOLDER, stage.value) for p in patterns}
    broken = {path for path, _, _ in ctx.broken_templates}
    for template in ctx.renderer.template_names(stage, name, message_format).values():
        found = ctx.renderer.locate(template)
        if (found is None and template in overrides) or str(found) in broken:
            return True
    return False


def check(ctx: LintContext) -> Iterator[Problem]:
    if ctx.playbook is None:
        return
    for name, channel in ctx.playbook.channels.items():
        cls = channel_type(channel.type)
        if cls is None:  # unknown-channel-type reports it
            continue
        failures: dict[str, list[str]] = {}
        for stage in ctx.stages_of(name):
            result = ctx.render(name, stage)
            if not isinstance(result, Exception):
                continue
            if _reported_elsewhere(ctx, name, stage, cls.message_format):
                continue
            reason = result.message if isinstance(result, IncidentctlError) else str(result)
            failures.setdefault(reason, []).append(stage.value)
        for reason, stages in failures.items():
            yield ctx.problem(
                ("channels", name),
                ID,
                DEFAULT_LEVEL,
                f"channel {name!r} ({', '.join(stages)}): {reason}",
                key=True,
            )

"""template-render: a channel's message fails to render with sample incident data.

For every stage a channel receives, its templates are rendered against a sample incident
(title, impact, components, roles, next update…) with strict undefined variables, as
`incidentctl preview` would. A misspelt variable (`{{ incident.tittle }}`), a filter that does
not exist or an expression that fails is reported once per template line, in the template
file of the playbook's `templates:` folder at the failing line, naming the variable as written
and the channels and stages whose message uses that line::

    tpl/investigating.chat.j2:2:1: error: undefined variable incident.tittle
        (channels 'chat', 'status': investigating) [template-render]

A built-in template can only fail this way through the playbook (a channel type with an
unusual message format): that is reported at the channel in the playbook. Which variables
exist is documented in `incidentctl/render/context.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from incidentctl.channels.registry import channel_type
from incidentctl.errors import IncidentctlError, TemplateError
from incidentctl.model.problem import Problem
from incidentctl.render.renderer import STAGE_PLACEHOLDER

if TYPE_CHECKING:
    from incidentctl.lint.context import LintContext
    from incidentctl.model.records import Stage

ID = "template-render"
DEFAULT_LEVEL = "error"


@dataclass
class _Failure:
    """One failing line of a template file: why (usually one reason), and who renders it."""

    reasons: dict[str, None] = field(default_factory=dict)  # an ordered set
    channels: dict[str, list[str]] = field(default_factory=dict)  # channel -> stages

    def message(self) -> str:
        groups: dict[tuple[str, ...], list[str]] = {}
        for name, stages in self.channels.items():
            groups.setdefault(tuple(stages), []).append(name)
        parts = [f"{', '.join(map(repr, names))}: {', '.join(s)}" for s, names in groups.items()]
        word = "channel" if len(self.channels) == 1 else "channels"
        return f"{'; '.join(self.reasons)} ({word} {'; '.join(parts)})"


def _reported_elsewhere(ctx: LintContext, name: str, stage: Stage, message_format: str) -> bool:
    """True when a file this message needs is a missing override (unknown-template reports it)
    or does not compile (template-syntax reports it)."""
    assert ctx.playbook is not None
    patterns = ctx.playbook.channels[name].templates.values()
    overrides = {p.replace(STAGE_PLACEHOLDER, stage.value) for p in patterns}
    broken = {path for path, _, _ in ctx.broken_templates}
    try:
        names = ctx.renderer.template_names(stage, name, message_format)
    except TemplateError:  # a plugin's unknown message format: this rule reports it
        return False
    for template in names.values():
        found = ctx.renderer.locate(template)
        if (found is None and template in overrides) or str(found) in broken:
            return True
    return False


def check(ctx: LintContext) -> Iterator[Problem]:
    if ctx.playbook is None:
        return
    # (template file, line) -> failure: every channel rendering the same sample incident, a
    # typo in a shared template would otherwise be one problem per channel and stage
    in_files: dict[tuple[str, int], _Failure] = {}
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
            if isinstance(result, TemplateError) and ctx.is_playbook_file(result.template):
                assert result.template is not None
                failure = in_files.setdefault((result.template, max(result.line, 1)), _Failure())
                failure.reasons[result.reason] = None
                failure.channels.setdefault(name, []).append(stage.value)
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
    for (file, line), failure in in_files.items():
        yield Problem(line, 1, DEFAULT_LEVEL, ID, failure.message(), ctx.display(file))

"""unused-template: a template in the playbook's templates folder that nothing uses (warning).

A `*.j2` file there is used when it overrides a built-in template by name (`investigating.chat.j2`,
`postmortem.md.j2`…), when a channel's `templates:` names it, or when another template
includes, imports or extends it. Anything else is usually a misspelt override
(`investigatng.chat.j2`) that silently leaves the built-in in place. `README*` and hidden
files are ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import TemplateSyntaxError, meta

from incidentctl.model.problem import Problem
from incidentctl.model.records import MessageStage, Stage
from incidentctl.playbook.limits import MAX_TEMPLATE_BYTES
from incidentctl.render.renderer import PARTS_BY_FORMAT, POSTMORTEM_TEMPLATE, STAGE_PLACEHOLDER

if TYPE_CHECKING:
    from incidentctl.lint.context import LintContext

ID = "unused-template"
DEFAULT_LEVEL = "warning"


def _included(ctx: LintContext, files: list[Path]) -> set[str]:
    """Names other templates include, import or extend (literal names only)."""
    names: set[str] = set()
    for file in files:
        try:
            if file.stat().st_size > MAX_TEMPLATE_BYTES:  # template-syntax reports
                continue
            ast = ctx.renderer.env.parse(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, TemplateSyntaxError):  # template-syntax reports
            continue
        names.update(n for n in meta.find_referenced_templates(ast) if n is not None)
    return names


def check(ctx: LintContext) -> Iterator[Problem]:
    loaded = ctx.loaded
    folder = loaded.templates_dir if loaded is not None else None
    if loaded is None or folder is None or not folder.is_dir():
        return
    renderer = ctx.renderer
    files = [p for p in renderer.template_files()[0] if not p.name.startswith(".")]
    used = {p.name for d in (renderer.builtin_dir, renderer.builtin_root) for p in d.glob("*.j2")}
    used |= {POSTMORTEM_TEMPLATE} | {
        name
        for stage in Stage
        for message_format in PARTS_BY_FORMAT
        for name in renderer.template_names(stage, "", message_format).values()
    }
    used |= {
        pattern.replace(STAGE_PLACEHOLDER, stage.value)
        for channel in loaded.playbook.channels.values()
        for pattern in channel.templates.values()
        for stage in (*Stage, *MessageStage)
    }
    used |= _included(ctx, files)
    for file in files:
        name = file.relative_to(folder).as_posix()
        if name not in used and not file.name.upper().startswith("README"):
            yield Problem(
                1,
                1,
                DEFAULT_LEVEL,
                ID,
                f"template {name!r} overrides no built-in template and no channel uses it",
                ctx.display(file),
            )

"""unknown-template: a template file the playbook names does not exist.

The playbook's `templates:` folder must exist, and each file a channel's `templates:` override
names must be found in it (or among the built-ins) for every stage the channel receives, with
`{stage}` replaced by the stage::

    templates: ./templates
    channels:
      banner:
        type: webhook
        url: ${BANNER_URL}
        templates: {text: "banner-{stage}.j2"}   # banner-resolved.j2 not found

A name may not leave the folder (`..`), and only `*.j2` files are templates. The folder
must be inside the playbook's folder (not the playbook's folder itself), or under a folder
that whoever runs incidentctl allows in $INCIDENTCTL_TEMPLATE_ROOTS: a playbook sent in a
pull request cannot have lint read `/etc`. A symlink that leads out of the folder is not
followed; past 500 templates in the folder the rest are not read (warning).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from incidentctl.render.folder import TEMPLATE_SUFFIX
from incidentctl.render.renderer import STAGE_PLACEHOLDER

if TYPE_CHECKING:
    from incidentctl.lint.context import LintContext
    from incidentctl.model.problem import Problem

ID = "unknown-template"
DEFAULT_LEVEL = "error"


def _missing_overrides(ctx: LintContext, name: str) -> dict[str, list[str]]:
    """Part -> override file names of channel `name` that no template folder holds."""
    assert ctx.playbook is not None
    missing: dict[str, list[str]] = {}
    for part, pattern in ctx.playbook.channels[name].templates.items():
        for stage in ctx.stages_of(name):
            file = pattern.replace(STAGE_PLACEHOLDER, stage.value)
            if ctx.renderer.locate(file) is None and file not in missing.get(part, []):
                missing.setdefault(part, []).append(file)
    return missing


def check(ctx: LintContext) -> Iterator[Problem]:
    yield from ctx.found_by(ID)  # a folder the playbook may not use
    loaded = ctx.loaded
    if loaded is None:
        return
    folder = loaded.templates_dir
    if folder is not None and folder.is_dir():
        note = ctx.renderer.template_files()[1]
        if note is not None:
            yield ctx.problem(("templates",), ID, "warning", note)
    if folder is not None and not folder.is_dir():
        yield ctx.problem(
            ("templates",),
            ID,
            DEFAULT_LEVEL,
            f"templates folder {loaded.playbook.templates!r} not found"
            f" (relative to {loaded.base_dir})",
        )
    for name in loaded.playbook.channels:
        for part, files in _missing_overrides(ctx, name).items():
            hint = ""
            if loaded.playbook.templates is None:
                hint = " (the playbook sets no `templates:` folder)"
            elif not all(file.endswith(TEMPLATE_SUFFIX) for file in files):
                hint = f" (only {TEMPLATE_SUFFIX} files are templates)"
            yield ctx.problem(
                ("channels", name, "templates", part),
                ID,
                DEFAULT_LEVEL,
                f"channel {name!r} {part} template {', '.join(map(repr, files))} not found{hint}",
            )

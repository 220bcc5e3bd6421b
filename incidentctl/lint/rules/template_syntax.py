"""template-syntax: a template file that Jinja cannot compile.

Every `.j2` file of the playbook's `templates:` folder (sub-folders included) and of the
built-in templates is compiled; an unclosed `{% if %}`, a stray `}}` or an unknown tag is
reported at its line in the template file itself, so no message can fail at 3 a.m. for a typo.
A template file is named from the playbook's path (`tpl/x.j2` next to `playbook.yaml`), or
absolute when it is outside the playbook's folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from incidentctl.model.problem import Problem

if TYPE_CHECKING:
    from incidentctl.lint.context import LintContext

ID = "template-syntax"
DEFAULT_LEVEL = "error"


def check(ctx: LintContext) -> Iterator[Problem]:
    for path, line, message in ctx.broken_templates:
        yield Problem(max(line, 1), 1, DEFAULT_LEVEL, ID, message, ctx.display(path))

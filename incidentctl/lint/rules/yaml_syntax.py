"""yaml-syntax: the playbook must exist, be readable UTF-8 and parse as YAML.

A missing file, a folder, undecodable bytes or a YAML syntax error (bad indentation, an
unclosed quote, a tab) is reported where the parser stopped. No other rule can run on a file
that does not parse, so fix this one first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from incidentctl.model.problem import Problem

if TYPE_CHECKING:
    from incidentctl.lint.context import LintContext

ID = "yaml-syntax"
DEFAULT_LEVEL = "error"


def check(ctx: LintContext) -> Iterator[Problem]:
    if ctx.read_error is not None:
        yield Problem(1, 1, DEFAULT_LEVEL, ID, ctx.read_error, ctx.file)
    yield from ctx.found_by(ID)

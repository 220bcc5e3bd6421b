"""schema: the playbook does not match its schema.

Unknown keys (typos), missing required keys, wrong types, invalid durations such as
`update_every: 15x`, unknown IANA timezones, bad incident id formats, and channel keys the
channel type does not know. Each problem points at the offending key or value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from incidentctl.lint.context import LintContext
    from incidentctl.model.problem import Problem

ID = "schema"
DEFAULT_LEVEL = "error"


def check(ctx: LintContext) -> Iterator[Problem]:
    yield from ctx.found_by(ID)

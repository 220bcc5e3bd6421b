"""duplicate-id: two severities share an id.

Severities are a list, so YAML's duplicate-key check cannot see it; an incident declared with
that id would get whichever comes first::

    severities:
      - id: sev1
        name: Critical
      - id: sev1        # duplicate severity id 'sev1' (first at line 2)
        name: Major
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from incidentctl.lint.context import duplicate_severities

if TYPE_CHECKING:
    from incidentctl.lint.context import LintContext
    from incidentctl.model.problem import Problem

ID = "duplicate-id"
DEFAULT_LEVEL = "error"


def check(ctx: LintContext) -> Iterator[Problem]:
    for index, first in duplicate_severities(ctx.data).items():
        line, _ = ctx.doc.positions.of(("severities", first, "id"))
        sid = ctx.data["severities"][index]["id"]
        yield ctx.problem(
            ("severities", index, "id"),
            ID,
            DEFAULT_LEVEL,
            f"duplicate severity id {sid!r} (first at line {line})",
        )

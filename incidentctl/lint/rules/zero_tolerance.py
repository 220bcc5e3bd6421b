"""zero-tolerance: security and data-loss incidents must be declared at a high severity (warning).

A category (security, data loss, …) sets a floor: its `min_severity` should be one of the two
most severe levels (severities are listed most severe first), so such incidents are always
communicated widely. A playbook without any category gets a warning too: declare at least
`security` and `data-loss` in advance, so nobody debates it at 3 a.m.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from incidentctl.lint.context import LintContext
    from incidentctl.model.problem import Problem

ID = "zero-tolerance"
DEFAULT_LEVEL = "warning"
HIGH_LEVELS = 2


def check(ctx: LintContext) -> Iterator[Problem]:
    playbook = ctx.playbook
    if playbook is None:
        return
    if not playbook.categories:
        yield ctx.problem(
            ("categories",),
            ID,
            DEFAULT_LEVEL,
            "no categories: declare security and data-loss categories so those incidents are"
            " always communicated at a high severity",
            key=True,
        )
    high = [s.id for s in playbook.severities[:HIGH_LEVELS]]
    known = {s.id for s in playbook.severities}
    for name, category in playbook.categories.items():
        if category.min_severity in known and category.min_severity not in high:
            yield ctx.problem(
                ("categories", name, "min_severity"),
                ID,
                DEFAULT_LEVEL,
                f"category {name!r} has min_severity {category.min_severity!r}: security and"
                f" data-loss incidents should be at a high severity ({' or '.join(high)})",
            )

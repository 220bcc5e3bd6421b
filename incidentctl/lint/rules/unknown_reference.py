"""unknown-reference: a name that refers to nothing.

A severity that notifies a channel not declared under `channels:`, a category whose
`min_severity` is not a severity id, a channel restricted to `severities:` that do not exist,
a `maintenance.notify` channel or a `maintenance.severity_if_overrun` that is not declared.
Such an incident would silently skip a channel, so these are errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from incidentctl.lint.context import LintContext
    from incidentctl.model.problem import Problem

ID = "unknown-reference"
DEFAULT_LEVEL = "error"


def check(ctx: LintContext) -> Iterator[Problem]:
    yield from ctx.found_by(ID)

"""unknown-channel-type: a channel's `type:` is not a built-in type nor an installed plugin.

The message lists the known types. Plugin types come from the `incidentctl.channels`
entry-point group: install the package that provides the type.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from incidentctl.lint.context import LintContext
    from incidentctl.model.problem import Problem

ID = "unknown-channel-type"
DEFAULT_LEVEL = "error"


def check(ctx: LintContext) -> Iterator[Problem]:
    yield from ctx.found_by(ID)

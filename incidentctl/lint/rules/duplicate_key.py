"""duplicate-key: a key appears twice in the same mapping.

YAML keeps the last value silently, so half of what was written is ignored::

    channels:
      slack: {type: slack, webhook_url: "${SLACK_WEBHOOK_URL}"}
      slack: {type: outbox}     # duplicate key 'slack' (first at line 2)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from incidentctl.lint.context import LintContext
    from incidentctl.model.problem import Problem

ID = "duplicate-key"
DEFAULT_LEVEL = "error"


def check(ctx: LintContext) -> Iterator[Problem]:
    yield from ctx.found_by(ID)

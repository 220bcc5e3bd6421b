"""env-reference: a `${` that opens no whole environment reference.

`url: ${SLACK_WEBHOOK_URL` (no closing brace) or `token: ${ TOKEN }` is not a reference: the
text would be sent as it is and the secret never looked up. Write `${NAME}` or
`${NAME:-default}`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from incidentctl.lint.context import LintContext
    from incidentctl.model.problem import Problem

ID = "env-reference"
DEFAULT_LEVEL = "error"


def check(ctx: LintContext) -> Iterator[Problem]:
    yield from ctx.found_by(ID)

"""reminder-channel: `reminders.channels` names a public channel (error).

`incidentctl remind` tells responders that an update is due or overdue, with the exact
`incidentctl update` command to run: customers must never read that. Name internal channels
(`audience: internal`) only; a public status page or the customers' e-mail list hears from
the incident's own updates (and from `auto_update_after`, which posts a real update).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from incidentctl.lint.context import LintContext
    from incidentctl.model.problem import Problem

ID = "reminder-channel"
DEFAULT_LEVEL = "error"


def check(ctx: LintContext) -> Iterator[Problem]:
    yield from ctx.found_by(ID)

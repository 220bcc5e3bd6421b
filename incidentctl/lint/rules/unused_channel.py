"""unused-channel: a channel that no incident would ever reach (warning).

A channel is used when some severity lists it under `notify:` for a stage the channel accepts
(its `stages:` and `severities:` filters), or when it is enabled and a category with
`all_channels: true` (the default) exists, since such incidents go to every enabled channel.
A disabled channel that a severity lists counts as used: it is parked, not forgotten. A channel
`reminders.channels` names is used: `incidentctl remind` reaches it. A
support desk's channel (`audience: support`) is used by every severity its own `stages:` and
`severities:` accept.

Either notify it from a severity or delete it; credentials for a channel nobody uses are a
liability.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from incidentctl.lint.context import stages_received

if TYPE_CHECKING:
    from incidentctl.lint.context import LintContext
    from incidentctl.model.problem import Problem

ID = "unused-channel"
DEFAULT_LEVEL = "warning"


def check(ctx: LintContext) -> Iterator[Problem]:
    if ctx.playbook is None:
        return
    for name in ctx.playbook.channels:
        if name in ctx.playbook.reminders.channels:
            continue
        if not stages_received(ctx.playbook, name):
            yield ctx.problem(
                ("channels", name),
                ID,
                DEFAULT_LEVEL,
                f"channel {name!r} is never notified: no severity lists it in notify"
                " for a stage and severity it accepts, and no category reaches it",
                key=True,
            )

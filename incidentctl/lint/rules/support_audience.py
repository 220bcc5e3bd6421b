"""support-audience: a support desk's channel whose service shows everything to everyone.

A channel with `audience: support` gets the agents' brief and, at the resolution, the customer
reports to close (tickets, customers' names). A status page (`statussite`, `statuspage`) or X
(`twitter`) would publish them; give the support desk a chat room, an e-mail list of agents
or an outbox::

    channels:
      desk:
        type: twitter        # every follower would read the agents' brief
        audience: support
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from incidentctl.lint.context import LintContext
    from incidentctl.model.problem import Problem

ID = "support-audience"
DEFAULT_LEVEL = "error"
# built-in types whose every message anyone can read
PUBLISHING_TYPES = ("statussite", "statuspage", "twitter")


def check(ctx: LintContext) -> Iterator[Problem]:
    if ctx.playbook is None:
        return
    for name, channel in ctx.playbook.channels.items():
        if channel.briefs_support and channel.type in PUBLISHING_TYPES:
            yield ctx.problem(
                ("channels", name, "audience"),
                ID,
                DEFAULT_LEVEL,
                f"channel {name!r} ({channel.type}) publishes to everyone: the support brief"
                " and the customer reports would be public; use a chat room, an agents'"
                " e-mail list or an outbox",
            )

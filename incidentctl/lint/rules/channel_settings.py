"""channel-settings: a channel's settings are valid in form but wrong in substance.

Each channel type checks its own settings without sending anything: a literal `http://` URL
to a host other than loopback (secrets must travel over TLS), a malformed URL, an e-mail
address that cannot be one. The level (error or warning) is the channel type's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from incidentctl.lint.context import LintContext
    from incidentctl.model.problem import Problem

ID = "channel-settings"
DEFAULT_LEVEL = "error"


def check(ctx: LintContext) -> Iterator[Problem]:
    yield from ctx.found_by(ID)

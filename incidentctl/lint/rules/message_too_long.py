"""message-too-long: a sample message exceeds what the channel's service accepts.

Each channel type states its limit (`max_length`) and counts length as its service does
(`measure`): X counts weighted characters up to 280, an SMS segment budget, a chat API its own
maximum. Messages are rendered with a sample incident; real titles and updates can be longer,
so keep templates well under the limit.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from incidentctl.channels.base import SendContext
from incidentctl.channels.capabilities import LengthBound

if TYPE_CHECKING:
    from incidentctl.lint.context import LintContext
    from incidentctl.model.problem import Problem

ID = "message-too-long"
DEFAULT_LEVEL = "error"


def check(ctx: LintContext) -> Iterator[Problem]:
    if ctx.playbook is None:
        return
    for name, config in ctx.playbook.channels.items():
        # an unknown type or invalid settings are not in `channels`: other rules report them
        checked = ctx.channels.get(name)
        limit = checked.cls.max_length if checked is not None else None
        if checked is None or limit is None:
            continue
        # nothing is sent: no environment, and constructors do no I/O
        context = SendContext(env={}, outbox_dir=Path(tempfile.gettempdir()), channel=name)
        channel = checked.cls(name, checked.settings, context, config.timeout)
        for stage in ctx.stages_of(name):
            message = ctx.render(name, stage)
            if isinstance(message, Exception):  # template-render reports it
                continue
            bound = channel.length_bound(message) if isinstance(channel, LengthBound) else None
            if bound is not None and bound <= limit:
                continue
            length = channel.measure(message)
            if length > limit:
                yield ctx.problem(
                    ("channels", name),
                    ID,
                    DEFAULT_LEVEL,
                    f"channel {name!r} ({config.type}) {stage.value} message is {length}"
                    f" characters, over the limit of {limit}",
                    key=True,
                )

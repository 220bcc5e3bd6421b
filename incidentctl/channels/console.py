"""`console`: prints each message — handy on a laptop and in CI logs.

The message is printed as text, never obeyed: a control character (one a message stored by an
older version may hold) is shown as its escape, `\x1b`.
"""

from __future__ import annotations

from incidentctl.channels.base import BaseChannel, ChannelSettings, Outgoing, SendResult
from incidentctl.model.text import visible


class ConsoleChannel(BaseChannel[ChannelSettings]):
    type = "console"
    message_format = "chat"

    def send(self, outgoing: Outgoing) -> SendResult:
        out = self.context.console
        rule = "─" * 60
        header = visible(f"{outgoing.incident_id} · {outgoing.stage.value} · {self.name}")
        out.write(f"{rule}\n{header}\n{rule}\n")
        if outgoing.message.subject:
            out.write(f"Subject: {visible(outgoing.message.subject, one_line=True)}\n\n")
        out.write(visible(outgoing.message.text.rstrip()) + "\n")
        out.flush()
        return SendResult()

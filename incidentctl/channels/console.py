"""`console`: prints each message — handy on a laptop and in CI logs."""

from __future__ import annotations

from incidentctl.channels.base import BaseChannel, ChannelSettings, Outgoing, SendResult


class ConsoleChannel(BaseChannel[ChannelSettings]):
    type = "console"
    message_format = "chat"

    def send(self, outgoing: Outgoing) -> SendResult:
        out = self.context.console
        rule = "─" * 60
        header = f"{outgoing.incident_id} · {outgoing.stage.value} · {self.name}"
        out.write(f"{rule}\n{header}\n{rule}\n")
        if outgoing.message.subject:
            out.write(f"Subject: {outgoing.message.subject}\n\n")
        out.write(outgoing.message.text.rstrip() + "\n")
        out.flush()
        return SendResult()

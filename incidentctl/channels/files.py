"""Type `outbox`: writes each message as a file — the embedded default, no credentials needed.

Not to be confused with the delivery table that the README calls the outbox (every delivery is
recorded before it is sent): this channel only writes files, one per message.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from incidentctl.channels.base import BaseChannel, ChannelSettings, Outgoing, SendResult
from incidentctl.errors import DeliveryError


class FileSettings(ChannelSettings):
    # a folder; relative paths are taken from the state directory
    path: str = "outbox"


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name)


class FileChannel(BaseChannel[FileSettings]):
    type = "outbox"
    message_format = "chat"
    settings_model = FileSettings

    def folder(self) -> Path:
        raw = self.resolve(self.settings.path, key="path")
        path = Path(os.path.expanduser(raw))
        return path if path.is_absolute() else self.context.outbox_dir / path

    def target(self, outgoing: Outgoing) -> Path:
        # a maintenance notice is named after itself, not the incident stage it travels as
        shot = outgoing.maintenance
        kind = outgoing.stage.value if shot is None else f"maintenance-{shot.stage.value}"
        name = f"{outgoing.delivery_id:06d}-{kind}-{_safe(self.name)}.txt"
        return self.folder() / _safe(outgoing.incident_id) / name

    def send(self, outgoing: Outgoing) -> SendResult:
        return self._write(self.target(outgoing), outgoing)

    def edit(self, remote_id: str, outgoing: Outgoing) -> SendResult:
        """Rewrite the file of the earlier message, when it is one of this channel's."""
        target = Path(remote_id)
        folder = self.folder().resolve()
        if not target.resolve().is_relative_to(folder) or target.suffix != ".txt":
            raise DeliveryError(f"{target} is not a message of this outbox", retryable=False)
        return self._write(target, outgoing)

    def _write(self, target: Path, outgoing: Outgoing) -> SendResult:
        body = outgoing.message.text.rstrip() + "\n"
        if outgoing.message.subject:
            body = f"Subject: {outgoing.message.subject}\n\n{body}"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if outgoing.message.html:
                target.with_suffix(".html").write_text(outgoing.message.html, encoding="utf-8")
            partial = target.with_suffix(".partial")
            partial.write_text(body, encoding="utf-8")
            partial.replace(target)  # the .txt appears whole or not at all
        except OSError as exc:
            raise DeliveryError(f"cannot write {target}: {exc.strerror or exc}") from None
        return SendResult(remote_id=str(target), link=target.as_uri())

    def reconcile(self, outgoing: Outgoing) -> SendResult | None:
        """An uncertain outbox delivery was written if its file is there."""
        target = self.target(outgoing)
        if target.exists():
            return SendResult(remote_id=str(target), link=target.as_uri())
        return None

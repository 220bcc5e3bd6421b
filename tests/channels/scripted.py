"""A channel type whose answers a test scripts, for engine tests (no network)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import ClassVar

from incidentctl.channels.base import BaseChannel, ChannelSettings, Outgoing, SendResult
from incidentctl.errors import DeliveryError


class ScriptedSettings(ChannelSettings):
    token: str = ""


class ScriptedChannel(BaseChannel):
    """Each send pops the next scripted answer: a DeliveryError to raise, a remote id, or a
    function returning one (it may block, as a request waiting for its answer)."""

    type = "scripted"
    settings_model: ClassVar[type[ChannelSettings]] = ScriptedSettings
    script: ClassVar[dict[str, deque[DeliveryError | str | Callable[[], str]]]] = {}
    sent: ClassVar[list[tuple[str, Outgoing]]] = []

    def send(self, outgoing: Outgoing) -> SendResult:
        progress = outgoing.attempt.progress
        progress["attempts"] = progress.get("attempts", 0) + 1
        if self.settings.token:
            self.context.resolve(self.settings.token, key="token")
        answers = self.script.get(self.name)
        answer = answers.popleft() if answers else f"{self.name}-{len(self.sent) + 1}"
        if isinstance(answer, DeliveryError):
            raise answer
        if callable(answer):
            answer = answer()
        self.sent.append((self.name, outgoing))
        return SendResult(remote_id=answer)

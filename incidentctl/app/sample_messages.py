"""Rendering a channel's message for a sample context, as the channel would send it, without a
store or an incident: what `routes` measures and `preview --all` writes for approval."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from incidentctl.channels.base import SendContext
from incidentctl.channels.capabilities import LengthNote, QuotesValues
from incidentctl.model.records import RenderedMessage, Stage
from incidentctl.playbook.loader import LoadedPlaybook

if TYPE_CHECKING:
    from incidentctl.channels.base import Channel
    from incidentctl.channels.check import CheckedChannel
    from incidentctl.render.renderer import Renderer


@dataclass(frozen=True)
class TemplateUse:
    """One part of a channel's message (text, subject, html): the template name and the file
    it comes from, or None when no folder has it."""

    part: str
    name: str
    file: Path | None
    builtin: bool


@dataclass
class SampleMessages:
    """A loaded playbook's channels, able to render and measure messages nothing will send."""

    loaded: LoadedPlaybook
    channels: Mapping[str, CheckedChannel]

    @cached_property
    def renderer(self) -> Renderer:
        from incidentctl.render import Renderer

        return Renderer(self.loaded.playbook, self.loaded.templates_dir)

    def probe(self, name: str) -> Channel | None:
        """Channel `name` built to quote and measure, never to send (no environment); None
        when its type is unknown or its settings did not validate."""
        checked = self.channels.get(name)
        if checked is None:
            return None
        config = self.loaded.playbook.channels[name]
        context = SendContext(env={}, outbox_dir=Path(tempfile.gettempdir()), channel=name)
        return checked.cls(name, checked.settings, context, config.timeout)

    def message_format(self, name: str) -> str:
        checked = self.channels.get(name)
        return checked.cls.message_format if checked is not None else "chat"

    def templates(self, name: str, stage: Stage) -> list[TemplateUse]:
        """The templates channel `name` renders at `stage`, with where each comes from."""
        names = self.renderer.template_names(stage, name, self.message_format(name))
        uses: list[TemplateUse] = []
        builtin_root = self.renderer.builtin_root.resolve()
        for part, template in names.items():
            found = self.renderer.locate(template)
            builtin = found is not None and found.resolve().is_relative_to(builtin_root)
            uses.append(TemplateUse(part, template, found, builtin))
        return uses

    def render(self, name: str, stage: Stage, context: Mapping[str, Any]) -> RenderedMessage:
        """Channel `name`'s message at `stage` for `context`, values quoted as it quotes them."""
        channel = self.probe(name)
        quote = channel.quote_value if isinstance(channel, QuotesValues) else None
        return self.renderer.render(stage, name, self.message_format(name), context, quote)

    def measure(self, name: str, message: RenderedMessage) -> tuple[int | None, int | None, str]:
        """(length as the service counts it, its limit, what the length means there: SMS
        segments, or ""); None where the type is unknown."""
        channel = self.probe(name)
        checked = self.channels.get(name)
        if channel is None or checked is None:
            return None, None, ""
        note = channel.length_note(message) if isinstance(channel, LengthNote) else None
        return channel.measure(message), checked.cls.max_length, note or ""

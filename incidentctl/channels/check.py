"""A playbook's channels checked against their types: unknown types, invalid settings."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from incidentctl.channels.capabilities import SettingsCheck
from incidentctl.model.problem import Problem
from incidentctl.playbook.document import ParsedDocument
from incidentctl.playbook.keys import did_you_mean, keys_of, model_at
from incidentctl.playbook.references import located
from incidentctl.playbook.schema import ChannelConfig, Playbook

if TYPE_CHECKING:
    from incidentctl.channels.base import ChannelSettings, ChannelType


@dataclass(frozen=True)
class CheckedChannel:
    """A playbook channel of a known type with its settings validated, once, at load."""

    cls: ChannelType
    settings: ChannelSettings


class ChannelCheck:
    """The loader's channel check (`ExtraCheck`), keeping each channel it could validate."""

    def __init__(self, *, disabled_as_warnings: bool = False) -> None:
        self.channels: dict[str, CheckedChannel] = {}
        # the sending commands: a mistake in a channel nobody uses (`enabled: false`) must not
        # block every declaration; lint still reports it as an error
        self.disabled_as_warnings = disabled_as_warnings

    def __call__(self, playbook: Playbook, doc: ParsedDocument) -> Iterator[Problem]:
        """Every channel's type and settings, checked in playbook order."""
        for name, channel in playbook.channels.items():
            problems = channel_settings_problems(name, channel.type, channel.options, doc)
            if self.disabled_as_warnings and not channel.enabled:
                checked = yield from _as_warnings(problems)
            else:
                checked = yield from problems
            if checked is not None:
                self.channels[name] = checked


def _as_warnings(
    problems: Generator[Problem, None, CheckedChannel | None],
) -> Generator[Problem, None, CheckedChannel | None]:
    from dataclasses import replace

    try:
        while True:
            yield replace(next(problems), level="warning")
    except StopIteration as done:
        result: CheckedChannel | None = done.value
        return result


def channel_problems(playbook: Playbook, doc: ParsedDocument) -> Iterator[Problem]:
    """Every channel's type and settings, checked in playbook order (a loader extra check)."""
    return ChannelCheck()(playbook, doc)


def _suggestion(settings_model: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    """The "did you mean" hint for a misspelt channel key: among the type's keys and, at the
    top level, the keys every channel has (`stagse` lands among the type's keys)."""
    path = tuple(p for p in loc if not (isinstance(p, str) and "[" in p))
    allowed = keys_of(model_at(settings_model, path[:-1]))
    if len(path) == 1:
        allowed += keys_of(ChannelConfig)
    return did_you_mean(str(path[-1]), allowed) if path else ""


def channel_settings_problems(
    name: str, type_name: str, options: dict[str, Any], doc: ParsedDocument
) -> Generator[Problem, None, CheckedChannel | None]:
    """The problems of one channel; returns its type and settings when they validate."""
    from incidentctl.channels.registry import channel_type, known_types

    cls = channel_type(type_name)
    if cls is None:
        yield located(
            doc,
            ("channels", name, "type"),
            f"channel {name!r} has unknown type {type_name!r} (known: {', '.join(known_types())})",
            "unknown-channel-type",
        )
        return None
    try:
        settings = cls.settings_model.model_validate(options)
    except ValidationError as exc:
        for error in exc.errors():
            loc = ("channels", name, *error["loc"])
            key = str(error["loc"][-1]) if error["loc"] else ""
            if error["type"] == "extra_forbidden":
                message = f"channel {name!r} ({type_name}): unknown key {key!r}" + _suggestion(
                    cls.settings_model, error["loc"]
                )
            elif error["type"] == "missing":
                message = f"channel {name!r} ({type_name}): missing required key {key!r}"
            else:
                message = f"channel {name!r} ({type_name}) {key}: " + str(
                    error["msg"]
                ).removeprefix("Value error, ")
            yield located(doc, loc, message, "schema", key=error["type"] == "extra_forbidden")
        return None
    if isinstance(cls, SettingsCheck):
        for setting in cls.check_settings(settings):
            yield located(
                doc,
                ("channels", name, setting.key),
                f"channel {name!r} {setting.key}: {setting.message}",
                "channel-settings",
                setting.level,
            )
    return CheckedChannel(cls, settings)

"""Cross-references the schema alone cannot check: channel ids, severity ids, channel types."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from incidentctl.playbook.schema import ChannelConfig, Playbook

if TYPE_CHECKING:
    from incidentctl.playbook.loader import KeyPath, ParsedDocument, Problem


def _problem(
    doc: ParsedDocument,
    path: KeyPath,
    message: str,
    rule: str,
    level: str = "error",
    *,
    key: bool = False,
) -> Problem:
    from incidentctl.playbook.loader import Problem

    line, col = doc.positions.of(path, key=key)
    return Problem(line, col, level, rule, message, str(doc.path))


def reference_problems(playbook: Playbook, doc: ParsedDocument) -> Iterator[Problem]:
    severity_ids = [s.id for s in playbook.severities]
    for index, severity in enumerate(playbook.severities):
        for stage, channel_ids in severity.notify.items():
            for pos, channel_id in enumerate(channel_ids):
                if channel_id not in playbook.channels:
                    yield _problem(
                        doc,
                        ("severities", index, "notify", stage, pos),
                        f"severity {severity.id!r} notifies unknown channel {channel_id!r}"
                        f" (known: {', '.join(playbook.channels) or 'none'})",
                        "unknown-reference",
                    )
    for name, category in playbook.categories.items():
        if category.min_severity not in severity_ids:
            yield _problem(
                doc,
                ("categories", name, "min_severity"),
                f"category {name!r} names unknown severity {category.min_severity!r}"
                f" (known: {', '.join(severity_ids)})",
                "unknown-reference",
            )
    for name, channel in playbook.channels.items():
        for pos, severity_id in enumerate(channel.severities or []):
            if severity_id not in severity_ids:
                yield _problem(
                    doc,
                    ("channels", name, "severities", pos),
                    f"channel {name!r} names unknown severity {severity_id!r}",
                    "unknown-reference",
                )
        yield from channel_settings_problems(name, channel.type, channel.options, doc)


def _suggestion(settings_model: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    """The "did you mean" hint for a misspelt channel key: among the type's keys and, at the
    top level, the keys every channel has (`stagse` lands among the type's keys)."""
    from incidentctl.playbook.loader import did_you_mean, keys_of, model_at

    path = tuple(p for p in loc if not (isinstance(p, str) and "[" in p))
    allowed = keys_of(model_at(settings_model, path[:-1]))
    if len(path) == 1:
        allowed += keys_of(ChannelConfig)
    return did_you_mean(str(path[-1]), allowed) if path else ""


def channel_settings_problems(
    name: str, type_name: str, options: dict[str, Any], doc: ParsedDocument
) -> Iterator[Problem]:
    from incidentctl.channels.registry import channel_type, known_types

    cls = channel_type(type_name)
    if cls is None:
        yield _problem(
            doc,
            ("channels", name, "type"),
            f"channel {name!r} has unknown type {type_name!r} (known: {', '.join(known_types())})",
            "unknown-channel-type",
        )
        return
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
            yield _problem(doc, loc, message, "schema", key=error["type"] == "extra_forbidden")
        return
    check = getattr(cls, "check_settings", None)
    if check is not None:
        for setting in check(settings):
            yield _problem(
                doc,
                ("channels", name, setting.key),
                f"channel {name!r} {setting.key}: {setting.message}",
                "channel-settings",
                setting.level,
            )

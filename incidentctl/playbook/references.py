"""Cross-references the schema alone cannot check: channel ids and severity ids.

Channel types and their settings are checked by `incidentctl.channels.check`, which the
commands and lint pass to the loader: the playbook layer knows no channel type."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from incidentctl.model.problem import Problem
from incidentctl.playbook.document import KeyPath, ParsedDocument
from incidentctl.playbook.env import unclosed_reference
from incidentctl.playbook.schema import Playbook


def located(
    doc: ParsedDocument,
    path: KeyPath,
    message: str,
    rule: str,
    level: str = "error",
    *,
    key: bool = False,
) -> Problem:
    line, col = doc.positions.of(path, key=key)
    return Problem(line, col, level, rule, message, str(doc.path))


def _strings(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, str(key)))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def env_reference_problems(playbook: Playbook, doc: ParsedDocument) -> Iterator[Problem]:
    """A `${` that opens no whole reference would be sent, or kept, as literal text."""
    for name, channel in playbook.channels.items():
        for path, value in _strings(channel.options, ("channels", name)):
            fixed = unclosed_reference(value)
            if fixed is not None:
                key = ".".join(str(p) for p in path[2:])
                yield located(
                    doc,
                    path,
                    f"channel {name!r} {key}: unclosed environment reference: write {fixed}",
                    "env-reference",
                )


def reference_problems(playbook: Playbook, doc: ParsedDocument) -> Iterator[Problem]:
    severity_ids = [s.id for s in playbook.severities]
    for index, severity in enumerate(playbook.severities):
        for stage, channel_ids in severity.notify.items():
            for pos, channel_id in enumerate(channel_ids):
                if channel_id not in playbook.channels:
                    yield located(
                        doc,
                        ("severities", index, "notify", stage, pos),
                        f"severity {severity.id!r} notifies unknown channel {channel_id!r}"
                        f" (known: {', '.join(playbook.channels) or 'none'})",
                        "unknown-reference",
                    )
    for name, category in playbook.categories.items():
        if category.min_severity not in severity_ids:
            yield located(
                doc,
                ("categories", name, "min_severity"),
                f"category {name!r} names unknown severity {category.min_severity!r}"
                f" (known: {', '.join(severity_ids)})",
                "unknown-reference",
            )
    for name, channel in playbook.channels.items():
        for pos, severity_id in enumerate(channel.severities or []):
            if severity_id not in severity_ids:
                yield located(
                    doc,
                    ("channels", name, "severities", pos),
                    f"channel {name!r} names unknown severity {severity_id!r}",
                    "unknown-reference",
                )
    for pos, severity_id in enumerate(playbook.targets.major_severities or []):
        if severity_id not in severity_ids:
            yield located(
                doc,
                ("targets", "major_severities", pos),
                f"targets.major_severities names unknown severity {severity_id!r}"
                f" (known: {', '.join(severity_ids)})",
                "unknown-reference",
            )
    yield from env_reference_problems(playbook, doc)
    yield from reminder_channel_problems(playbook, doc)
    yield from maintenance_reference_problems(playbook, doc)


def reminder_channel_problems(playbook: Playbook, doc: ParsedDocument) -> Iterator[Problem]:
    """`reminders.channels`: channels that exist, and internal ones (a reminder names the
    command a responder runs: customers must never read it)."""
    for pos, channel_id in enumerate(playbook.reminders.channels):
        channel = playbook.channels.get(channel_id)
        path = ("reminders", "channels", pos)
        if channel is None:
            yield located(
                doc,
                path,
                f"reminders go to unknown channel {channel_id!r}"
                f" (known: {', '.join(playbook.channels) or 'none'})",
                "unknown-reference",
            )
        elif channel.audience != "internal":
            yield located(
                doc,
                path,
                f"reminders go to {channel_id!r}, a {channel.audience} channel: reminders are "
                "for responders only; name an internal channel",
                "reminder-channel",
            )


def maintenance_reference_problems(playbook: Playbook, doc: ParsedDocument) -> Iterator[Problem]:
    """`maintenance.notify` channels and `maintenance.severity_if_overrun`: names that exist
    (else `maintenance schedule` fails, or an overrun declares nothing)."""
    policy = playbook.maintenance
    for stage, channel_ids in (policy.notify or {}).items():
        for pos, channel_id in enumerate(channel_ids):
            if channel_id not in playbook.channels:
                yield located(
                    doc,
                    ("maintenance", "notify", stage, pos),
                    f"maintenance.notify.{stage} names unknown channel {channel_id!r}"
                    f" (known: {', '.join(playbook.channels) or 'none'})",
                    "unknown-reference",
                )
    overrun = policy.severity_if_overrun
    if overrun and playbook.severity(overrun) is None:
        yield located(
            doc,
            ("maintenance", "severity_if_overrun"),
            f"maintenance.severity_if_overrun names unknown severity {overrun!r}"
            f" (known: {', '.join(s.id for s in playbook.severities)})",
            "unknown-reference",
        )

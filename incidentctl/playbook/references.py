"""Cross-references the schema alone cannot check: channel ids and severity ids.

Channel types and their settings are checked by `incidentctl.channels.check`, which the
commands and lint pass to the loader: the playbook layer knows no channel type."""

from __future__ import annotations

from collections.abc import Iterator

from incidentctl.model.problem import Problem
from incidentctl.playbook.document import KeyPath, ParsedDocument
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

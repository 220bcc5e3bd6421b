"""The `sample:` incident, beyond its schema: a title to show, and a moment that exists.

`sample.at` without an offset is the organization's wall-clock time; the night clocks go
forward skips an hour of it, which no message could be sent at.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC

from incidentctl.model.problem import Problem
from incidentctl.playbook.document import ParsedDocument
from incidentctl.playbook.schema import Playbook


def _error(doc: ParsedDocument, key: str, message: str) -> Problem:
    line, col = doc.positions.of(("sample", key))
    return Problem(line, col, "error", "schema", f"sample.{key}: {message}", str(doc.path))


def sample_problems(playbook: Playbook, doc: ParsedDocument) -> Iterator[Problem]:
    """An empty `sample.title`, and a `sample.at` the organization's clocks skip."""
    sample = playbook.sample
    if sample.title is not None and not sample.title.strip():
        yield _error(doc, "title", "must not be empty (leave it out for the built-in sample's)")
    at = sample.at
    if at.tzinfo is not None:
        return
    tz = playbook.organization.tz
    if at.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) != at:
        yield _error(
            doc,
            "at",
            f"{at:%Y-%m-%dT%H:%M} does not exist in {tz.key} (clocks go forward that night): "
            "pick another time",
        )

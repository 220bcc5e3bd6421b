"""Read a playbook YAML file into a validated `Playbook`, mapping every error to file:line:col."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from incidentctl.errors import Location, PlaybookError
from incidentctl.model.problem import Problem
from incidentctl.playbook.document import KeyPath, ParsedDocument, Positions, parse_document
from incidentctl.playbook.keys import did_you_mean, keys_of, model_at
from incidentctl.playbook.references import reference_problems
from incidentctl.playbook.sample_check import sample_problems
from incidentctl.playbook.schema import Playbook
from incidentctl.playbook.templates_folder import confined_folder
from incidentctl.playbook.wording import plain_message

# a further check of a valid playbook, such as the channel layer's settings check
ExtraCheck = Callable[[Playbook, ParsedDocument], Iterable[Problem]]


@dataclass
class LoadedPlaybook:
    playbook: Playbook
    path: Path
    positions: Positions
    # folders outside the playbook's own its `templates:` may name ($INCIDENTCTL_TEMPLATE_ROOTS)
    template_roots: tuple[Path, ...] = ()

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @cached_property
    def templates_dir(self) -> Path | None:
        """The templates folder, resolved; None when the playbook names none, or one it may
        not use (validation reports that at the `templates:` key)."""
        if self.playbook.templates is None:
            return None
        try:
            return confined_folder(self.base_dir, self.playbook.templates, self.template_roots)
        except ValueError:
            return None

    @cached_property
    def approved_dir(self) -> Path | None:
        """The folder of approved messages (`approved:`), resolved; None when the playbook
        names none, or one it may not use (validation reports that at the key)."""
        if self.playbook.approved is None:
            return None
        try:
            return confined_folder(self.base_dir, self.playbook.approved, self.template_roots)
        except ValueError:
            return None

    def location(self, path: KeyPath, *, key: bool = False) -> Location:
        line, column = self.positions.of(path, key=key)
        return Location(str(self.path), line, column)


def _describe(error: Mapping[str, Any]) -> str:
    loc = ".".join(str(p) for p in error["loc"] if not (isinstance(p, str) and "[" in p))
    message = plain_message(
        error, tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
    )
    if error["type"] == "extra_forbidden":
        path = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
        key = str(error["loc"][-1])
        return (
            f"unknown key {key!r}"
            + (f" in {loc.rpartition('.')[0]}" if "." in loc else "")
            + did_you_mean(key, keys_of(model_at(Playbook, path[:-1])))
        )
    if error["type"] == "missing":
        return f"missing required key {loc!r}"
    return f"{loc}: {message}" if loc else message


def schema_problems(doc: ParsedDocument, exc: ValidationError) -> Iterator[Problem]:
    for error in exc.errors():
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
        is_key = error["type"] == "extra_forbidden" or "[key]" in error["loc"]
        line, col = doc.positions.of(loc, key=is_key)
        yield Problem(line, col, "error", "schema", _describe(error), str(doc.path))


def templates_problems(
    playbook: Playbook, doc: ParsedDocument, roots: Sequence[Path]
) -> Iterator[Problem]:
    """The `templates:` folder, when the playbook may not use it."""
    if playbook.templates is None:
        return
    try:
        confined_folder(doc.path.parent, playbook.templates, roots)
    except ValueError as exc:
        line, col = doc.positions.of(("templates",))
        yield Problem(line, col, "error", "unknown-template", str(exc), str(doc.path))


def approved_problems(
    playbook: Playbook, doc: ParsedDocument, roots: Sequence[Path]
) -> Iterator[Problem]:
    """The `approved:` folder, when the playbook may not use it: `preview --all --update`
    writes and removes files there."""
    if playbook.approved is None:
        return
    try:
        confined_folder(doc.path.parent, playbook.approved, roots, what="approved folder")
    except ValueError as exc:
        line, col = doc.positions.of(("approved",))
        yield Problem(line, col, "error", "approved-wording", str(exc), str(doc.path))


def validate_document(
    doc: ParsedDocument,
    extra_checks: Sequence[ExtraCheck] = (),
    template_roots: Sequence[Path] = (),
) -> tuple[Playbook | None, list[Problem]]:
    """Schema-validate parsed data, then references and the templates folder (which may be
    outside the playbook's only under `template_roots`), then each of `extra_checks` (the
    channel layer passes its settings check: this layer knows no channel type)."""
    if (
        doc.data is None
        or not isinstance(doc.data, dict)
        or any(p.rule == "yaml-syntax" for p in doc.problems)
    ):
        return None, []
    try:
        playbook = Playbook.model_validate(doc.data)
    except ValidationError as exc:
        return None, list(schema_problems(doc, exc))
    problems = [
        *reference_problems(playbook, doc),
        *templates_problems(playbook, doc, template_roots),
        *approved_problems(playbook, doc, template_roots),
        *sample_problems(playbook, doc),
    ]
    for check in extra_checks:
        problems.extend(check(playbook, doc))
    return playbook, problems


def load_playbook(
    path: Path, extra_checks: Sequence[ExtraCheck] = (), template_roots: Sequence[Path] = ()
) -> LoadedPlaybook:
    """Load and validate; the first error is raised as a PlaybookError with its location."""
    doc = parse_document(path)
    playbook, problems = validate_document(doc, extra_checks, template_roots)
    errors = sorted(p for p in [*doc.problems, *problems] if p.level == "error")
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more: run `incidentctl lint`)" if len(errors) > 1 else ""
        raise PlaybookError(
            first.message + more, location=Location(str(path), first.line, first.column)
        )
    assert playbook is not None
    return LoadedPlaybook(playbook, path, doc.positions, tuple(template_roots))

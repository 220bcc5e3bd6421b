"""Read a playbook YAML file into a validated `Playbook`, mapping every error to file:line:col."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from incidentctl.errors import Location, PlaybookError
from incidentctl.playbook.schema import Playbook

KeyPath = tuple[str | int, ...]
DEFAULT_PLAYBOOK = "incidentctl.yaml"
PLAYBOOK_ENV = "INCIDENTCTL_PLAYBOOK"


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about a playbook: sortable, printable as `file:line:col: level: msg [rule]`."""

    line: int
    column: int
    level: str  # "error" | "warning"
    rule: str
    message: str
    file: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.level}: {self.message} [{self.rule}]"


@dataclass
class Positions:
    """Line/column (1-based) of every key and value in the YAML document, by key path."""

    keys: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    values: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def of(self, path: KeyPath, *, key: bool = False) -> tuple[int, int]:
        """Position of `path` or of its nearest ancestor that exists (1,1 at worst)."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), (1, 1))


@dataclass
class LoadedPlaybook:
    playbook: Playbook
    path: Path
    positions: Positions

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def templates_dir(self) -> Path | None:
        if self.playbook.templates is None:
            return None
        return (self.base_dir / self.playbook.templates).resolve()

    def location(self, path: KeyPath, *, key: bool = False) -> Location:
        line, column = self.positions.of(path, key=key)
        return Location(str(self.path), line, column)


def find_playbook(explicit: str | os.PathLike[str] | None, env: Mapping[str, str]) -> Path:
    """--playbook PATH, else $INCIDENTCTL_PLAYBOOK, else ./incidentctl.yaml."""
    if explicit:
        return Path(explicit)
    if env.get(PLAYBOOK_ENV):
        return Path(env[PLAYBOOK_ENV])
    return Path(DEFAULT_PLAYBOOK)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _walk(
    node: yaml.Node,
    path: KeyPath,
    positions: Positions,
    problems: list[Problem],
    active: set[int] | None = None,
) -> None:
    active = set() if active is None else active
    if id(node) in active:  # `a: &x [*x]`: an alias inside itself
        line, col = _mark(node)
        problems.append(Problem(line, col, "error", "yaml-syntax", "YAML alias refers to itself"))
        return
    positions.values[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        active.add(id(node))
        seen: dict[Any, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            child = (*path, key)
            if key in seen:
                line, col = _mark(key_node)
                message = f"duplicate key {key!r} (first at line {seen[key][0]})"
                problems.append(Problem(line, col, "error", "duplicate-key", message))
            else:
                seen[key] = _mark(key_node)
            positions.keys[child] = _mark(key_node)
            _walk(value_node, child, positions, problems, active)
        active.discard(id(node))
    elif isinstance(node, yaml.SequenceNode):
        active.add(id(node))
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), positions, problems, active)
        active.discard(id(node))


@dataclass
class ParsedDocument:
    """The raw YAML data with positions, before schema validation."""

    path: Path
    data: Any
    positions: Positions
    problems: list[Problem]


def parse_document(path: Path) -> ParsedDocument:
    """Parse YAML; syntax and duplicate-key problems are returned, not raised."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlaybookError(
            f"playbook not found: {path} (use --playbook, ${PLAYBOOK_ENV} or `incidentctl init`)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlaybookError(f"cannot read playbook {path}: {exc}") from None
    positions = Positions()
    problems: list[Problem] = []
    # libyaml's C parser when present; one parse gives both the positions and the data
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _walk(node, (), positions, problems)
        if any(p.rule == "yaml-syntax" for p in problems):
            data = None
        else:
            data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or exc.context or "invalid YAML"
        problems.append(
            Problem(line, col, "error", "yaml-syntax", f"YAML syntax: {reason}", str(path))
        )
        return ParsedDocument(path, None, positions, problems)
    except yaml.YAMLError as exc:
        problems.append(Problem(1, 1, "error", "yaml-syntax", f"YAML syntax: {exc}", str(path)))
        return ParsedDocument(path, None, positions, problems)
    finally:
        loader.dispose()
    for index, problem in enumerate(problems):
        problems[index] = Problem(
            problem.line, problem.column, problem.level, problem.rule, problem.message, str(path)
        )
    if not isinstance(data, dict) and not problems:
        problems.append(
            Problem(
                1,
                1,
                "error",
                "schema",
                "the playbook must be a YAML mapping (organization, severities…)",
                str(path),
            )
        )
    return ParsedDocument(path, data, positions, problems)


def model_at(model: Any, loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The pydantic model that validates the mapping at `loc` inside `model` (None when that
    place is not a model: a free-form mapping, a scalar, an unknown key)."""
    for part in loc:
        model = _unwrap(model)
        if isinstance(model, type) and issubclass(model, BaseModel):
            info = model.model_fields.get(str(part))
            if info is None:
                return None
            model = info.annotation
        elif get_origin(model) in (list, tuple) and isinstance(part, int):
            model = get_args(model)[0] if get_args(model) else None
        elif get_origin(model) is dict:
            model = get_args(model)[1] if len(get_args(model)) == 2 else None
        else:
            return None
    model = _unwrap(model)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """`X | None` and `Annotated[X, …]` -> X (the first model of a union)."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        models = [a for a in options if isinstance(a, type) and issubclass(a, BaseModel)]
        annotation = (models or options or [None])[0]
    return annotation


def keys_of(model: type[BaseModel] | None) -> list[str]:
    """The keys a playbook may write in a mapping validated by `model` (aliases included)."""
    if model is None:
        return []
    return [info.alias or name for name, info in model.model_fields.items()]


def did_you_mean(key: str, allowed: Iterable[str]) -> str:
    """`; did you mean 'update_every'?` for a misspelt key, or "" when nothing is close."""
    import difflib  # only when there is a typo to explain

    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _describe(error: Mapping[str, Any]) -> str:
    loc = ".".join(str(p) for p in error["loc"] if not (isinstance(p, str) and "[" in p))
    message = str(error["msg"]).removeprefix("Value error, ")
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


def validate_document(doc: ParsedDocument) -> tuple[Playbook | None, list[Problem]]:
    """Schema-validate parsed data, then channel settings and references."""
    from incidentctl.playbook.references import reference_problems

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
    return playbook, list(reference_problems(playbook, doc))


def load_playbook(path: Path) -> LoadedPlaybook:
    """Load and validate; the first error is raised as a PlaybookError with its location."""
    doc = parse_document(path)
    playbook, problems = validate_document(doc)
    errors = sorted(p for p in [*doc.problems, *problems] if p.level == "error")
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more: run `incidentctl lint`)" if len(errors) > 1 else ""
        raise PlaybookError(
            first.message + more, location=Location(str(path), first.line, first.column)
        )
    assert playbook is not None
    return LoadedPlaybook(playbook, path, doc.positions)

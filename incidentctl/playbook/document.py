"""Parsing a playbook's YAML once: the data, and the line/column of every key and value."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from incidentctl.errors import PlaybookError
from incidentctl.model.problem import Problem

KeyPath = tuple[str | int, ...]
PLAYBOOK_ENV = "INCIDENTCTL_PLAYBOOK"


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

"""Parsing a playbook's YAML once: the data, and the line/column of every key and value."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from incidentctl.errors import PlaybookError
from incidentctl.model.problem import Problem
from incidentctl.playbook.location import PLAYBOOK_ENV

KeyPath = tuple[str | int, ...]


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


# Documented limits (README, "Lint"): a real playbook has a few hundred nodes and a nesting of
# about 6; anything far past these is a mistake or an attack (an alias bomb expands
# exponentially), refused before it is turned into Python objects.
MAX_NODES = 50_000  # nodes, counting every expansion of an alias
MAX_DEPTH = 64


def _walk(root: yaml.Node, positions: Positions, problems: list[Problem]) -> None:
    """Record positions and duplicate keys; stop at a cycle, past MAX_NODES or MAX_DEPTH.

    Iterative, so deep nesting cannot exhaust Python's stack. Aliases are followed (they share
    the anchored node), so an alias bomb is counted as it would expand, and refused.
    """
    visited = 0
    # (node, path, depth, leaving): a node is entered, then left after its children
    stack: list[tuple[yaml.Node, KeyPath, int, bool]] = [(root, (), 0, False)]
    active: set[int] = set()
    while stack:
        node, path, depth, leaving = stack.pop()
        if leaving:
            active.discard(id(node))
            continue
        line, col = _mark(node)
        if id(node) in active:  # `a: &x [*x]`: an alias inside itself
            problems.append(
                Problem(line, col, "error", "yaml-syntax", "YAML alias refers to itself")
            )
            return
        visited += 1
        if visited > MAX_NODES:
            problems.append(
                Problem(
                    line,
                    col,
                    "error",
                    "yaml-syntax",
                    f"YAML aliases expand past {MAX_NODES} nodes here: refused "
                    "(an alias used over and over, or inside itself)",
                )
            )
            return
        if depth > MAX_DEPTH:
            message = f"YAML nested deeper than {MAX_DEPTH} levels here: refused"
            problems.append(Problem(line, col, "error", "yaml-syntax", message))
            return
        positions.values[path] = (line, col)
        if not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            continue
        active.add(id(node))
        stack.append((node, path, depth, True))
        children: list[tuple[yaml.Node, KeyPath]] = []
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, tuple[int, int]] = {}
            for key_node, value_node in node.value:
                key = (
                    key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
                )
                child = (*path, key)
                if key in seen:
                    kline, kcol = _mark(key_node)
                    message = f"duplicate key {key!r} (first at line {seen[key][0]})"
                    problems.append(Problem(kline, kcol, "error", "duplicate-key", message))
                else:
                    seen[key] = _mark(key_node)
                positions.keys[child] = _mark(key_node)
                children.append((value_node, child))
        else:
            children = [(item, (*path, index)) for index, item in enumerate(node.value)]
        # pushed in reverse, so children are visited in document order
        stack.extend(
            (child, child_path, depth + 1, False) for child, child_path in reversed(children)
        )


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
            _walk(node, positions, problems)
        if any(p.rule == "yaml-syntax" for p in problems):
            data = None
        else:
            data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or exc.context or "invalid YAML"
        opened = exc.context_mark
        if exc.context and opened is not None and mark is not None and opened.line != mark.line:
            # "while parsing a flow sequence": say where it opened, not only where it broke
            what = exc.context.removeprefix("while parsing ")
            reason += f" ({what} opened at line {opened.line + 1}, column {opened.column + 1})"
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

"""Parsing a playbook's YAML once: the data, and the line/column of every key and value."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from incidentctl.model.problem import Problem
from incidentctl.playbook.limits import MAX_DEPTH, MAX_EXPANDED_CHARS, MAX_NODES
from incidentctl.playbook.source import line_and_column, read_source

if TYPE_CHECKING:
    import yaml

# PyYAML is imported by the functions that parse: a command that reads its playbook validated
# from the cache (`app.compiled_playbook`) unpickles `Positions` and needs none of it

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


def _key(node: yaml.Node) -> str:
    import yaml

    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    # a list or mapping as a key (never valid in a playbook) is named, never printed whole:
    # the repr of a node holds all of its children
    kind = "mapping" if isinstance(node, yaml.MappingNode) else "list"
    return f"<{kind} at line {node.start_mark.line + 1}>"


def _walk(root: yaml.Node, positions: Positions, problems: list[Problem], file: str) -> None:
    """Record positions and duplicate keys; stop at a cycle, or past MAX_NODES, MAX_DEPTH or
    MAX_EXPANDED_CHARS.

    Iterative, so deep nesting cannot exhaust Python's stack. Aliases are followed (they share
    the anchored node), so an alias bomb is counted as it would expand, and refused.
    """
    import yaml

    visited = chars = 0
    # (node, path, depth, leaving, where): a node is entered, then left after its children;
    # `where` is its line and column, or for a node reached again through an alias (whose
    # own place YAML does not keep) that of the container the alias is in
    stack: list[tuple[yaml.Node, KeyPath, int, bool, tuple[int, int]]] = [
        (root, (), 0, False, _mark(root))
    ]
    active: set[int] = set()
    entered: set[int] = set()

    def refuse(where: tuple[int, int], message: str) -> None:
        problems.append(Problem(*where, "error", "yaml-syntax", message, file))

    while stack:
        node, path, depth, leaving, where = stack.pop()
        if leaving:
            active.discard(id(node))
            continue
        if id(node) in active:  # `a: &x [*x]`: an alias inside itself
            return refuse(where, "YAML alias refers to itself")
        if id(node) not in entered:
            entered.add(id(node))
            where = _mark(node)
        visited += 1
        if visited > MAX_NODES:
            return refuse(
                where,
                f"YAML aliases expand past {MAX_NODES} nodes here: refused "
                "(an alias used over and over, or inside itself)",
            )
        if depth > MAX_DEPTH:
            return refuse(where, f"YAML nested deeper than {MAX_DEPTH} levels here: refused")
        positions.values[path] = _mark(node)
        if not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            chars += len(node.value)
            if chars > MAX_EXPANDED_CHARS:
                return refuse(
                    where,
                    f"YAML aliases expand past {MAX_EXPANDED_CHARS} characters of text here: "
                    "refused (a long value used over and over)",
                )
            continue
        active.add(id(node))
        stack.append((node, path, depth, True, where))
        children: list[tuple[yaml.Node, KeyPath]] = []
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, tuple[int, int]] = {}
            for key_node, value_node in node.value:
                key = _key(key_node)
                child = (*path, key)
                if key in seen:
                    kline, kcol = _mark(key_node)
                    message = f"duplicate key {key!r} (first at line {seen[key][0]})"
                    problems.append(Problem(kline, kcol, "error", "duplicate-key", message, file))
                else:
                    seen[key] = _mark(key_node)
                positions.keys[child] = _mark(key_node)
                children.append((value_node, child))
        else:
            children = [(item, (*path, index)) for index, item in enumerate(node.value)]
        # pushed in reverse, so children are visited in document order
        stack.extend(
            (child, child_path, depth + 1, False, where) for child, child_path in reversed(children)
        )


@dataclass
class ParsedDocument:
    """The raw YAML data with positions, before schema validation."""

    path: Path
    data: Any
    positions: Positions
    problems: list[Problem]


def _syntax(file: str, line: int, col: int, reason: str) -> Problem:
    return Problem(line, col, "error", "yaml-syntax", f"YAML syntax: {reason}", file)


def _marked(exc: yaml.MarkedYAMLError, file: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    reason = exc.problem or exc.context or "invalid YAML"
    opened = exc.context_mark
    if exc.context and opened is not None and mark is not None and opened.line != mark.line:
        # "while parsing a flow sequence": say where it opened, not only where it broke
        what = exc.context.removeprefix("while parsing ")
        reason += f" ({what} opened at line {opened.line + 1}, column {opened.column + 1})"
    return _syntax(file, line, col, reason)


def _unreadable(exc: yaml.reader.ReaderError, text: str, file: str) -> Problem:
    """A character YAML does not allow (a control character), where it is."""
    from incidentctl.playbook.yaml_loader import OFFSETS_IN_BYTES

    if OFFSETS_IN_BYTES:
        line, col = line_and_column(text.encode("utf-8", "surrogatepass"), exc.position)
    else:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - text.rfind("\n", 0, exc.position)
    char = exc.character
    code = f"#x{ord(char):04x}" if isinstance(char, str) else f"#x{char:02x}"
    return _syntax(file, line, col, f"{exc.reason} (found {code})")


def parse_document(path: Path) -> ParsedDocument:
    """Parse YAML; syntax and duplicate-key problems are returned, not raised (a missing or
    unreadable file raises PlaybookError)."""
    import yaml

    from incidentctl.playbook.yaml_loader import PlaybookLoader, too_big

    file = str(path)
    positions = Positions()
    text = read_source(path)
    if isinstance(text, Problem):
        return ParsedDocument(path, None, positions, [text])
    problems: list[Problem] = []
    data: Any = None
    loader = PlaybookLoader(text)
    try:
        refused = too_big(text)
        if refused is not None:
            line, col, reason = refused
            problems.append(Problem(line, col, "error", "yaml-syntax", f"{reason}: refused", file))
            return ParsedDocument(path, None, positions, problems)
        node = loader.get_single_node()
        if node is not None:
            _walk(node, positions, problems, file)
        if node is not None and not any(p.rule == "yaml-syntax" for p in problems):
            data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        return ParsedDocument(path, None, positions, [*problems, _marked(exc, file)])
    except yaml.reader.ReaderError as exc:
        return ParsedDocument(path, None, positions, [*problems, _unreadable(exc, text, file)])
    except yaml.YAMLError as exc:
        reason = " ".join(str(exc).split())
        return ParsedDocument(path, None, positions, [*problems, _syntax(file, 1, 1, reason)])
    finally:
        loader.dispose()
    if not isinstance(data, dict) and not problems:
        message = "the playbook must be a YAML mapping (organization, severities…)"
        problems.append(Problem(1, 1, "error", "schema", message, file))
    return ParsedDocument(path, data, positions, problems)

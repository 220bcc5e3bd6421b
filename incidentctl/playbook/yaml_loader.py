"""PyYAML as a playbook needs it: bounded before composing, located when a value is refused."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import ConstructorError

from incidentctl.model.problem import quoted
from incidentctl.playbook.limits import MAX_DEPTH, MAX_NODES

# libyaml's C parser when present: several times faster than PyYAML's own
_BASE: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# libyaml reports a reader error's position in bytes of the UTF-8 text, PyYAML in characters
OFFSETS_IN_BYTES = _BASE is not yaml.SafeLoader
_STARTS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_NODES = (yaml.ScalarEvent, yaml.AliasEvent, *_STARTS)


def _refusal(node: yaml.Node, exc: Exception) -> str:
    """Why a constructor refused a node, said about the value as written."""
    tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
    value = node.value if isinstance(node, yaml.ScalarNode) else None
    if "integer string conversion" in str(exc):  # Python's 4,300-digit bound on int(str)
        digits = sum(c.isdigit() for c in str(value))
        return f"a number of {digits} digits is too long to read (at most 4300)"
    if tag == "!!bool":
        return f"{quoted(value)} is not a valid {tag}: use true or false"
    return f"{quoted(value)} is not a valid {tag}"


class PlaybookLoader(_BASE):  # type: ignore[valid-type,misc]
    """The safe loader, whose constructors' refusals (`!!float x`, `!!bool maybe`,
    `!!timestamp 2001-99-99`, a 5,000-digit integer) become located YAML errors."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.MarkedYAMLError:
            raise
        # the constructors turn text into values with int(), float(), datetime() and dict
        # lookups: any of them may refuse what a file says, in its own way
        except Exception as exc:
            raise ConstructorError(None, None, _refusal(node, exc), node.start_mark) from None

    def construct_undefined(self, node: yaml.Node) -> Any:
        tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
        reason = f"tag {quoted(tag)} is not allowed in a playbook (plain YAML values only)"
        raise ConstructorError(None, None, reason, node.start_mark)


PlaybookLoader.add_constructor(None, PlaybookLoader.construct_undefined)


def _at(event: yaml.Event, reason: str) -> tuple[int, int, str]:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1, reason) if mark else (1, 1, reason)


def too_big(text: str) -> tuple[int, int, str] | None:
    """Where (line, column) and why the document passes MAX_NODES or MAX_DEPTH, read as parser
    events (composing nodes costs several times more), or None when it stays within them."""
    loader = _BASE(text)
    try:
        nodes = depth = 0
        while (event := loader.get_event()) is not None:  # type: ignore[no-untyped-call]
            if isinstance(event, _NODES):
                nodes += 1
                if nodes > MAX_NODES:
                    return _at(event, f"YAML document has more than {MAX_NODES} nodes")
            if isinstance(event, _STARTS):
                depth += 1
                if depth > MAX_DEPTH:
                    return _at(event, f"YAML nested deeper than {MAX_DEPTH} levels here")
            elif isinstance(event, _ENDS):
                depth -= 1
        return None
    finally:
        loader.dispose()

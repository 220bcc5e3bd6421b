"""JSON parsed with where each object and array starts, so a problem found after parsing (a
missing field, a wrong value) is reported at its line and column, not only by its key path."""

from __future__ import annotations

import json
import json.scanner
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from incidentctl.errors import Location, UsageError


@dataclass
class LocatedJson:
    """A parsed JSON text and the span of each of its containers (by `id`)."""

    value: Any
    text: str
    file: str
    # the line of the file the JSON text starts on (it may be embedded in a Markdown file)
    first_line: int = 1
    spans: dict[int, tuple[int, int]] = field(default_factory=dict)
    # the containers themselves, so that no `id` in `spans` is reused while this lives
    kept: list[Any] = field(default_factory=list)

    def location(self, offset: int) -> Location:
        line = self.text.count("\n", 0, offset)
        column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return Location(self.file, self.first_line + line, column)

    def locate(self, path: Sequence[str | int]) -> Location:
        """Where the value at `path` is (or, when it is missing, the object that lacks it)."""
        node, start, end = self.value, *self.spans.get(id(self.value), (0, len(self.text)))
        for part in path:
            if isinstance(node, dict) and isinstance(part, str) and part in node:
                key = re.compile(rf"{re.escape(json.dumps(part))}\s*:")
                found = key.search(self.text, start, end)
                child = node[part]
                if id(child) in self.spans:
                    start, end = self.spans[id(child)]
                elif found is not None:
                    start = found.end()
                node = child
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
                if id(node) not in self.spans:
                    break
                start, end = self.spans[id(node)]
            else:
                break
        while start < len(self.text) and self.text[start].isspace():
            start += 1
        return self.location(start)


def load_located(text: str, file: str, first_line: int = 1) -> LocatedJson:
    """Parse `text`; a syntax error (or nesting too deep) is a `UsageError` at its place."""
    located = LocatedJson(None, text, file, first_line)
    # the decoder's parse hooks and scanner are attributes typeshed does not declare
    decoder: Any = json.JSONDecoder()
    parse_object, parse_array = decoder.parse_object, decoder.parse_array

    def on_object(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
        value, end = parse_object(s_and_end, *args)
        located.spans[id(value)] = (s_and_end[1] - 1, end)
        located.kept.append(value)
        return value, end

    def on_array(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
        value, end = parse_array(s_and_end, *args)
        located.spans[id(value)] = (s_and_end[1] - 1, end)
        located.kept.append(value)
        return value, end

    decoder.parse_object = on_object
    decoder.parse_array = on_array
    # the pure-Python scanner: the C one would not call the hooks above
    scanner: Any = json.scanner
    decoder.scan_once = scanner.py_make_scanner(decoder)
    try:
        located.value = decoder.decode(text)
    except json.JSONDecodeError as exc:
        where = Location(file, first_line + exc.lineno - 1, exc.colno)
        raise UsageError(f"not valid JSON: {exc.msg}", location=where) from None
    except RecursionError:
        raise UsageError(
            "not an incident record: nested too deeply", location=Location(file)
        ) from None
    return located

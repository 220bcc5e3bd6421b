"""hidden-characters: text in the playbook or its templates that does not read as it looks.

Two kinds of characters are reported, with the key (or the template line and column) holding
them and the character's code point:

- control characters, which only YAML escapes can put in a value (`title: "\\e]0;x\\a"`) or a
  raw byte in a template: a terminal would obey them. Messages never carry them (they are
  taken out when a message is rendered), so the text sent differs from the text written.
- bidi overrides and isolates (U+202A–U+202E, U+2066–U+2069) and zero-width characters
  (U+200B–U+200D, U+2060, U+FEFF): legitimate in right-to-left text, but they can make a
  line display reversed or hide a difference (the "Trojan Source" trick). Keep them only
  where you mean them.

A byte-order mark at the very start of a template is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from incidentctl.model.problem import Problem
from incidentctl.model.text import hidden_characters

if TYPE_CHECKING:
    from incidentctl.lint.context import LintContext

ID = "hidden-characters"
DEFAULT_LEVEL = "warning"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# anything worth a look: a control, a bidi control, a zero-width character
_SUSPECT = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)


def _findings(text: str) -> Iterator[tuple[int, str]]:
    """(index, description) of the first occurrence of each character worth a warning."""
    seen: set[str] = set()
    for found in _SUSPECT.finditer(text):
        char = found.group()
        if char in seen:
            continue
        seen.add(char)
        if _CONTROL.match(char):
            yield found.start(), f"control character U+{ord(char):04X}"
        else:
            yield from ((found.start(), name) for name in hidden_characters(char))


def _templates(ctx: LintContext) -> list[Path]:
    loaded = ctx.loaded
    folder = loaded.templates_dir if loaded is not None else None
    if folder is None or not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*.j2") if p.is_file())


def check(ctx: LintContext) -> Iterator[Problem]:
    for path, value, is_key in ctx.strings():
        for _, found in _findings(value):
            where = ".".join(str(part) for part in path)
            yield ctx.problem(path, ID, DEFAULT_LEVEL, f"{where} contains {found}", key=is_key)
    for file in _templates(ctx):
        try:
            lines = file.read_text(encoding="utf-8").removeprefix("\ufeff").split("\n")
        except (OSError, UnicodeDecodeError):  # template-syntax reports an unreadable file
            continue
        for number, line in enumerate(lines, start=1):
            for index, found in _findings(line):
                yield Problem(
                    number,
                    index + 1,
                    DEFAULT_LEVEL,
                    ID,
                    f"template line contains {found}",
                    ctx.display(file),
                )

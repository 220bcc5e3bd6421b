"""The internal review's sections that the public postmortem quotes, read from its Markdown.

A section is a heading and what follows it up to the next heading of the same or a higher
level (headings inside fenced code do not count). Before anything is quoted, what is internal
by its form goes: HTML comments; `@handles` (people) and `#channel` names (chat rooms) become
words that name no one; and the
scaffold's placeholders (paragraphs in italics, table rows of `_…_`, `@`, `YYYY-MM-DD`) do not
count as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
FENCE = re.compile(r"^[ \t]*(```|~~~)")
COMMENT = re.compile(r"<!--.*?(-->|\Z)", re.DOTALL)
# `@alice`, `@ops.oncall` — but not `name@example.com`
HANDLE = re.compile(r"(?<![\w@.+-])@[A-Za-z0-9_][\w.-]*")
# `#ops-war-room` — but not headings, `#123` (issues) or URL fragments
CHANNEL = re.compile(r"(?<![\w/&#])#[A-Za-z][\w-]*")
PLACEHOLDER_CELL = re.compile(r"^(_.*_|@|YYYY-MM-DD|)$")
# quoted sections sit under the public document's `##` headings
MIN_LEVEL = 3


@dataclass(frozen=True)
class Section:
    title: str
    line: int
    body: str


def normalized(title: str) -> str:
    """How headings are matched: case, spacing, no-break spaces and a final colon ignored."""
    return (
        " ".join(title.replace("\u00a0", " ").replace("\u202f", " ").split())
        .rstrip(" :")
        .casefold()
    )


def read_sections(text: str) -> dict[str, Section]:
    """Normalized heading -> the section (the first one of that name)."""
    lines = text.splitlines()
    headings: list[tuple[int, int, str]] = []  # (line index, level, title)
    fenced = False
    for index, line in enumerate(lines):
        if FENCE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            headings.append((index, len(match[1]), match[2]))
    found: dict[str, Section] = {}
    for position, (index, level, title) in enumerate(headings):
        end = next((i for i, lv, _ in headings[position + 1 :] if lv <= level), len(lines))
        body = "\n".join(lines[index + 1 : end])
        found.setdefault(normalized(title), Section(title, index + 1, body))
    return found


def written(body: str) -> str:
    """The section's text without comments and the scaffold's placeholders ("" if none)."""
    kept = []
    for paragraph in re.split(r"\n[ \t]*\n", COMMENT.sub("", body)):
        text = paragraph.strip()
        if not text or (text.startswith("_") and text.endswith("_")):
            continue
        if text.startswith("|"):
            rows = [row for row in text.splitlines() if not _placeholder_row(row)]
            if len(rows) <= 2:  # a header and its rule, nothing written under them
                continue
            text = "\n".join(rows)
        kept.append(text)
    return "\n\n".join(kept)


def _word(word: str, text: str, at: int) -> str:
    """`word`, capitalized where a sentence starts."""
    before = text[:at].rstrip(" \t")
    starts = not before or before.endswith(("\n", ".", "!", "?", "|", "-", "*"))
    return word[:1].upper() + word[1:] if starts and not before.endswith("|") else word


def _placeholder_row(row: str) -> bool:
    cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
    return all(PLACEHOLDER_CELL.match(cell) for cell in cells) and any(cells)


def public_text(body: str, team: str, room: str) -> str:
    """What may be quoted to customers: handles become `team`, channel names `room`, and the
    section's own headings sit below the public document's."""
    text = HANDLE.sub(lambda m: _word(team, body, m.start()), body)
    text = CHANNEL.sub(lambda m: _word(room, text, m.start()), text)
    lines = []
    for line in text.splitlines():
        match = HEADING.match(line)
        if match and len(match[1]) < MIN_LEVEL:
            line = "#" * MIN_LEVEL + line[len(match[1]) :]
        lines.append(line.rstrip())
    return "\n".join(lines).strip()

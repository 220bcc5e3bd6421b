"""A finding about a file: the value lint reports and the loader raises the first of."""

from __future__ import annotations

from dataclasses import dataclass, field

# characters of one message: a value quoted from the file is cut short, never the whole line
MAX_MESSAGE = 300


def clip(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text` cut to `limit` characters in the middle, with …, so that both its start (what
    is wrong) and its end (the hint) stay."""
    if len(text) <= limit:
        return text
    tail = limit // 3
    return f"{text[: limit - tail - 1]}…{text[-tail:]}"


def quoted(value: object, limit: int = 40) -> str:
    """`value`'s repr for a message, cut to `limit` characters with …."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 2] + "…" + text[-1]


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about a playbook: sortable, printable as `file:line:col: level: msg [rule]`."""

    line: int
    column: int
    level: str  # "error" | "warning"
    rule: str
    message: str
    file: str = ""
    # lines that explain the problem further (a unified diff), shown under it; never clipped
    detail: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        clipped = clip(self.message)
        if clipped != self.message:
            object.__setattr__(self, "message", clipped)

    def __str__(self) -> str:
        # one line whatever the message quotes
        message = " ".join(self.message.splitlines())
        return f"{self.file}:{self.line}:{self.column}: {self.level}: {message} [{self.rule}]"

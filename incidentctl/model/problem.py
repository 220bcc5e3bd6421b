"""A finding about a file: the value lint reports and the loader raises the first of."""

from __future__ import annotations

from dataclasses import dataclass


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

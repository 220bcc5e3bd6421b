"""Lint output formats (text, json, github) and the exit code; strings only, no printing."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from incidentctl.errors import ExitCode, UsageError
from incidentctl.model.text import json_controls_escaped, visible

if TYPE_CHECKING:
    from incidentctl.model.problem import Problem

Format = Literal["text", "json", "github"]
FORMATS: tuple[Format, ...] = ("text", "json", "github")
# GitHub annotation commands: error, warning, notice
_GITHUB_LEVELS = {"error": "error", "warning": "warning"}


# a playbook anyone may send in a pull request can quote `"\e]0;…"` into a message: every
# format prints it as text, never as a control character a terminal or CI log would obey


def _text(problems: list[Problem]) -> str:
    lines: list[str] = []
    for p in problems:
        lines.append(visible(str(p), one_line=True))
        lines += ("    " + visible(line, one_line=True) for line in p.detail.splitlines())
    return "\n".join(lines)


def _json(problems: list[Problem]) -> str:
    text = json.dumps(
        [
            {
                "file": p.file,
                "line": p.line,
                "column": p.column,
                "level": p.level,
                "rule": p.rule,
                "message": p.message,
                **({"detail": p.detail} if p.detail else {}),
            }
            for p in problems
        ],
        indent=2,
        ensure_ascii=False,
    )
    return json_controls_escaped(text)


def _escape_data(value: str) -> str:
    escaped = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return visible(escaped, one_line=True)


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _github(problems: list[Problem]) -> str:
    return "\n".join(
        f"::{_GITHUB_LEVELS.get(p.level, 'notice')} file={_escape_property(p.file)},"
        f"line={p.line},col={p.column},title={_escape_property(p.rule)}::"
        f"{_escape_data(p.message + (chr(10) + p.detail if p.detail else ''))}"
        for p in problems
    )


def format_problems(problems: Iterable[Problem], fmt: Format) -> str:
    """The problems as `text` (`file:line:col: level: message [rule]`), `json` or `github`
    workflow annotations; one problem per line except json, no trailing newline."""
    items = list(problems)
    if fmt == "text":
        return _text(items)
    if fmt == "json":
        return _json(items)
    if fmt == "github":
        return _github(items)
    raise UsageError(f"unknown lint format {fmt!r} (use {', '.join(FORMATS)})")


def exit_code(problems: Iterable[Problem], strict: bool = False) -> int:
    """1 when there is an error, or a warning with `strict`; else 0."""
    levels = {p.level for p in problems}
    failing = "error" in levels or (strict and "warning" in levels)
    return ExitCode.INVALID_PLAYBOOK if failing else ExitCode.OK

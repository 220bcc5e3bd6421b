"""Whether a person is at the keyboard, and the questions the sending commands ask them."""

from __future__ import annotations

import sys

import typer


def interactive() -> bool:
    """True when both stdin and stdout are a terminal: only then is anyone asked anything."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def confirm(question: str, *, default: bool) -> bool:
    return typer.confirm(question, default=default)

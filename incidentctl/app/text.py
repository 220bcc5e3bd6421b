"""What responders type, made safe to send and to show: no control characters.

A title pasted from a terminal can carry escape sequences (`\x1b[2J` clears a screen, OSC 8
makes links); they must reach neither the channels nor anyone's terminal.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls; and whole ANSI escape sequences first
_ESCAPE_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(value: str) -> str:
    """`value` without escape sequences and control characters (newlines and tabs stay)."""
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", value)).strip()


def clean_line(value: str) -> str:
    """One line of text (a title): `clean_text`, with line breaks and tabs made spaces."""
    return " ".join(clean_text(value).split())

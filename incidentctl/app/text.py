"""What responders type, made safe to store and to send: no control characters.

A title pasted from a terminal can carry escape sequences (`\x1b[2J` clears a screen, OSC 8
makes links); every command that takes text cleans it here, at the boundary, so neither the
store nor the channels ever carry one (`model.text` says which characters and why).
"""

from __future__ import annotations

from incidentctl.model.text import strip_controls


def clean_text(value: str) -> str:
    """`value` without escape sequences and control characters (newlines and tabs stay)."""
    return strip_controls(value).strip()


def clean_line(value: str) -> str:
    """One line of text (a title): `clean_text`, with line breaks and tabs made spaces."""
    return " ".join(clean_text(value).split())

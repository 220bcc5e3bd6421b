"""One-line error messages."""

from __future__ import annotations

import sys

from incidentctl.errors import IncidentctlError
from incidentctl.model.problem import clip
from incidentctl.model.text import visible


def error_line(exc: IncidentctlError) -> str:
    """`error: file:line:col: message` on one line, the message cut to a readable length; what
    it quotes of the user's input is shown, never obeyed (`\x1b`)."""
    message = clip(" ".join(exc.message.splitlines()))
    line = f"error: {exc.location}: {message}" if exc.location else f"error: {message}"
    return visible(line, one_line=True)


def print_error(exc: IncidentctlError) -> None:
    print(error_line(exc), file=sys.stderr)

"""One-line error messages."""

from __future__ import annotations

import sys

from incidentctl.errors import IncidentctlError
from incidentctl.model.problem import clip


def error_line(exc: IncidentctlError) -> str:
    """`error: file:line:col: message` on one line, the message cut to a readable length."""
    message = clip(" ".join(exc.message.splitlines()))
    return f"error: {exc.location}: {message}" if exc.location else f"error: {message}"


def print_error(exc: IncidentctlError) -> None:
    print(error_line(exc), file=sys.stderr)

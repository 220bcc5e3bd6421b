"""One-line error messages."""

from __future__ import annotations

import sys

from incidentctl.errors import IncidentctlError
from incidentctl.model.text import visible


def print_error(exc: IncidentctlError) -> None:
    """One line; what it quotes of the user's input is shown, never obeyed (`\x1b`)."""
    line = visible(" ".join(str(exc).split("\n")), one_line=True)
    print(f"error: {line}", file=sys.stderr)

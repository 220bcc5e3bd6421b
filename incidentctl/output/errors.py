"""One-line error messages."""

from __future__ import annotations

import sys

from incidentctl.errors import IncidentctlError


def print_error(exc: IncidentctlError) -> None:
    line = " ".join(str(exc).split("\n"))
    print(f"error: {line}", file=sys.stderr)

"""A playbook file's text: bounded in size, decoded as UTF-8, a bad byte located by line."""

from __future__ import annotations

from pathlib import Path

from incidentctl.errors import PlaybookError
from incidentctl.model.problem import Problem
from incidentctl.playbook.limits import MAX_BYTES
from incidentctl.playbook.location import PLAYBOOK_ENV


def line_and_column(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters, as editors count) of byte `offset` in `raw`."""
    offset = max(0, min(offset, len(raw)))
    start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[start:offset].decode("utf-8", errors="replace")) + 1
    return raw.count(b"\n", 0, offset) + 1, column


def read_source(path: Path) -> str | Problem:
    """The text of the playbook at `path`, or the located problem that keeps it from being read.

    A missing or unreadable file raises PlaybookError: there is no line to point at.
    """
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise PlaybookError(
            f"playbook not found: {path} (use --playbook, ${PLAYBOOK_ENV} or `incidentctl init`)"
        ) from None
    except OSError as exc:
        raise PlaybookError(f"cannot read playbook {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:  # located where the file passes the limit
        line, column = line_and_column(raw, MAX_BYTES)
        message = f"the playbook is larger than {MAX_BYTES // 1024} KiB here: refused"
        return Problem(line, column, "error", "yaml-syntax", message, str(path))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = line_and_column(raw, exc.start)
        byte = raw[exc.start : exc.start + 1].hex()
        message = f"not UTF-8: byte 0x{byte} cannot be decoded (save the file as UTF-8)"
        return Problem(line, column, "error", "yaml-syntax", message, str(path))

"""Subscriber files (one address per line) and the recipients of an e-mail, streamed.

Recipients come from `to` then the subscribers file, deduplicated case-insensitively and read
lazily, so a 100,000-line file is sent in requests of at most 1000 in constant memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from incidentctl.channels.base import SettingProblem
from incidentctl.channels.email.addresses import is_email

# SendGrid accepts at most 1000 personalizations (and 1000 recipients) per request
BATCH_SIZE = 1000
# how many line numbers an "invalid addresses skipped" note lists before summarizing
NOTE_LINES = 10


def resolve_path(value: str | Path, base_dir: str | Path | None = None) -> Path:
    """An absolute path as is; a relative one under `base_dir` (the playbook's folder) or the
    working directory."""
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    return Path(base_dir if base_dir is not None else Path.cwd()) / path


def iter_subscriber_lines(path: Path) -> Iterator[tuple[int, str, bool]]:
    """(line number, address, valid) for each non-blank, non-comment line, read lazily."""
    with path.open(encoding="utf-8-sig", errors="replace") as lines:
        for number, line in enumerate(lines, 1):
            address = line.strip()
            if not address or address.startswith("#"):
                continue
            yield number, address, is_email(address)


def read_subscribers(path: str | Path) -> tuple[list[str], list[tuple[int, str]]]:
    """Valid addresses (deduplicated case-insensitively, first spelling kept) and the invalid
    lines as (line number, text). Raises OSError when the file cannot be read."""
    valid: list[str] = []
    invalid: list[tuple[int, str]] = []
    seen: set[str] = set()
    for number, address, ok in iter_subscriber_lines(Path(path)):
        if not ok:
            invalid.append((number, address))
        elif address.lower() not in seen:
            seen.add(address.lower())
            valid.append(address)
    return valid, invalid


def invalid_note(where: str, lines: list[int], unit: str = "line") -> str:
    """`2 invalid addresses skipped (subscribers.txt lines 3, 7)`."""
    count = len(lines)
    shown = ", ".join(str(n) for n in lines[:NOTE_LINES])
    if count > NOTE_LINES:
        shown += f", … (+{count - NOTE_LINES} more)"
    plural = "es" if count != 1 else ""
    units = unit + ("s" if count != 1 else "")
    return f"{count} invalid address{plural} skipped ({where} {units} {shown})"


@dataclass
class Recipients:
    """Streams unique, valid recipients from `to` then the subscribers file."""

    to: list[str]
    subscribers: Path | None
    invalid_to: list[int] = field(default_factory=list)
    invalid_lines: list[int] = field(default_factory=list)

    def __iter__(self) -> Iterator[str]:
        self.invalid_to.clear()
        self.invalid_lines.clear()
        seen: set[str] = set()
        for index, raw in enumerate(self.to, 1):
            address = raw.strip()
            if not is_email(address):
                self.invalid_to.append(index)
            elif address.lower() not in seen:
                seen.add(address.lower())
                yield address
        if self.subscribers is None:
            return
        for number, address, ok in iter_subscriber_lines(self.subscribers):
            if not ok:
                self.invalid_lines.append(number)
            elif address.lower() not in seen:
                seen.add(address.lower())
                yield address

    def notes(self) -> list[str]:
        notes: list[str] = []
        if self.invalid_to:
            notes.append(invalid_note("to", self.invalid_to, "entry"))
        if self.invalid_lines and self.subscribers is not None:
            notes.append(invalid_note(self.subscribers.name, self.invalid_lines))
        return notes


def batches(addresses: Iterable[str], size: int = BATCH_SIZE) -> Iterator[list[str]]:
    batch: list[str] = []
    for address in addresses:
        batch.append(address)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def check_subscribers(path: Path) -> Iterator[SettingProblem]:
    """Problems of a subscribers file: unreadable, empty, invalid lines."""
    try:
        valid, invalid = read_subscribers(path)
    except OSError as exc:
        yield SettingProblem("subscribers_file", f"cannot read {path.name}: {exc.strerror}")
        return
    if invalid:
        note = invalid_note(path.name, [number for number, _ in invalid])
        yield SettingProblem("subscribers_file", note, "warning")
    if not valid:
        yield SettingProblem("subscribers_file", f"{path.name} lists no valid address", "warning")

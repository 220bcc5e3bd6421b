"""`import`: incident records (JSON, or the Markdown `export` writes) read back into the
store, whichever backend it is.

Idempotent: a record the store already holds exactly is left as it is and said so. Every
file is read and checked before anything is stored, and the records are stored under the
store's write lock in one transaction: a conflict in one file stores none of them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal

from incidentctl.app.edits import edits_by_id
from incidentctl.app.export import read_record
from incidentctl.app.record_file import IncidentRecord, record_document
from incidentctl.errors import ConflictError, IncidentIdTaken, Location, UsageError
from incidentctl.store.base import Store

# a record file bigger than this is not one `export` wrote
MAX_RECORD_BYTES = 64 * 1024 * 1024

Outcome = Literal["imported", "unchanged"]


@dataclass(frozen=True)
class Imported:
    """What became of one file's incident."""

    file: str
    incident_id: str
    outcome: Outcome


def read_record_file(path: Path, severities: Collection[str] = ()) -> IncidentRecord:
    """The record in a `.json` file, or embedded in a Markdown one; problems located. The
    record may name only `severities` (the playbook's; any when empty)."""
    from incidentctl.app.record_markdown import embedded_record
    from incidentctl.app.record_schema import parse_record

    file = str(path)
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_RECORD_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read: {exc.strerror or exc}", location=Location(file)) from None
    if len(data) > MAX_RECORD_BYTES:
        raise UsageError(
            f"over {MAX_RECORD_BYTES // (1024 * 1024)} MiB: not an incident record",
            location=Location(file),
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise UsageError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x})", location=Location(file, line, column)
        ) from None
    # a `.json` file is read as JSON whatever it starts with: its error says where it is not
    if path.suffix.lower() == ".json" or text.lstrip()[:1] in ("{", "["):
        return parse_record(text, file, severities=severities)
    body, first_line = embedded_record(text, file)
    return parse_record(body, file, first_line, severities)


def _conflict(file: str, record: IncidentRecord, store: Store) -> ConflictError | None:
    """Why the store cannot take `record` as it is, or None when it holds it exactly."""
    incident = record.incident
    stored = store.get_incident(incident.id)
    if stored is None:
        return None
    if stored.uid != incident.uid:
        return ConflictError(
            f"{incident.id} in this store is another incident (uid {stored.uid}, the file's "
            f"is {incident.uid}): ids are per store; nothing was imported",
            location=Location(file),
        )
    if record_document(read_record(store, incident.id)) == record_document(record):
        return None
    newer = "newer" if stored.version >= incident.version else "older"
    return ConflictError(
        f"{incident.id} is in this store already, and differs from the file (the store's "
        f"copy is version {stored.version}, {newer} than the file's {incident.version}): "
        "nothing was imported",
        location=Location(file),
    )


def import_records(store: Store, records: Sequence[tuple[str, IncidentRecord]]) -> list[Imported]:
    """Store each (file, record) unless the store holds it exactly; all or nothing."""
    outcomes: list[Imported] = []
    with store.exclusive():
        for file, record in records:
            problem = _conflict(file, record, store)
            if problem is not None:
                raise problem
            incident = record.incident
            if store.get_incident(incident.id) is not None:
                outcomes.append(Imported(file, incident.id, "unchanged"))
                continue
            try:
                store.import_incident(
                    incident,
                    record.timeline,
                    record.deliveries,
                    day=record.day,
                    seq=record.seq,
                    relink=partial(edits_by_id, record.timeline),
                )
            except IncidentIdTaken:
                raise ConflictError(
                    f"{incident.id}: another incident of {record.day} holds its number "
                    f"{record.seq} in this store; nothing was imported",
                    location=Location(file),
                ) from None
            outcomes.append(Imported(file, incident.id, "imported"))
    return outcomes


def import_files(
    store: Store, paths: Sequence[Path], severities: Collection[str] = ()
) -> list[Imported]:
    """`import FILE…`: every file read and checked first, then their incidents stored."""
    records = [(str(path), read_record_file(path, severities)) for path in paths]
    return import_records(store, records)

"""Whose incidents a command sees: the organization and timezone a playbook declares.

`list` and `status` must stay fast: they read these two values from the YAML document without
validating the whole playbook (no pydantic), and do without them when there is no playbook.
What a playbook's bytes name is kept in the cache folder (keyed by their checksum), so a
playbook read once is not parsed again (no PyYAML import) until it changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Identity:
    organization: str
    timezone: str = "UTC"
    # the playbook's `state: database_url:` as written (`${VAR}` unresolved), "" if none;
    # out of the repr: it may hold a password
    database_url: str = field(default="", repr=False)


CACHE_FILE = "identities.json"
# checksums kept: a few playbooks per machine, and one entry per edit of each
CACHE_ENTRIES = 64


def read_identity(path: Path) -> Identity | None:
    """The organization of the playbook at `path`; None when there is none to read."""
    try:
        content = path.read_bytes()
    except OSError:  # no playbook (or a folder, or unreadable): nothing to read
        return None
    import hashlib
    import json

    from incidentctl.playbook.location import cache_dir

    key = hashlib.sha256(content).hexdigest()
    folder = cache_dir()
    cache_file = folder / CACHE_FILE if folder is not None else None
    known: dict[str, list[str] | None] = {}
    if cache_file is not None:
        try:
            loaded = json.loads(cache_file.read_text(encoding="utf-8"))
            known = loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError):
            known = {}
        entry = known.get(key, False)
        if entry is None:
            return None
        if (
            isinstance(entry, list)
            and len(entry) == 3  # (earlier releases kept two: read again)
            and all(isinstance(v, str) for v in entry)
        ):
            return Identity(*entry)
    identity = _parse_identity(path)
    if cache_file is not None:
        known.pop(key, None)
        known[key] = (
            None
            if identity is None
            else [identity.organization, identity.timezone, identity.database_url]
        )
        kept = dict(list(known.items())[-CACHE_ENTRIES:])
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            temporary = cache_file.with_name(f".{CACHE_FILE}.{os.getpid()}")
            temporary.write_text(json.dumps(kept), encoding="utf-8")
            temporary.replace(cache_file)
        except OSError:
            pass  # a read-only cache costs a parse next time, nothing else
    return identity


def _parse_identity(path: Path) -> Identity | None:
    # PyYAML only when there is a playbook to read
    from incidentctl.errors import PlaybookError
    from incidentctl.playbook.document import parse_document

    try:
        doc = parse_document(path)
    except PlaybookError:
        return None
    data = doc.data if isinstance(doc.data, dict) else {}
    organization = data.get("organization")
    if not isinstance(organization, dict) or not isinstance(organization.get("name"), str):
        return None
    timezone = organization.get("timezone")
    state = data.get("state")
    url = state.get("database_url") if isinstance(state, dict) else None
    return Identity(
        organization["name"],
        timezone if isinstance(timezone, str) else "UTC",
        url if isinstance(url, str) else "",
    )

"""Whose incidents a command sees: the organization and timezone a playbook declares (and
the few public names `maintenance ics` writes: language, status page, component names).

`list` and `status` must stay fast: they read these two values from the YAML document without
validating the whole playbook (no pydantic), and do without them when there is no playbook.
What a playbook's bytes name is kept in the cache folder (keyed by their checksum), so a
playbook read once is not parsed again (no PyYAML import) until it changes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Identity:
    organization: str
    timezone: str = "UTC"
    # the playbook's `state: database_url:` as written (`${VAR}` unresolved), "" if none;
    # out of the repr: it may hold a password
    database_url: str = field(default="", repr=False)
    # as the playbook writes them (English when it names another language; component id ->
    # name), not validated: what `maintenance ics` needs without the whole playbook's models
    language: str = field(default="en", repr=False, compare=False)
    status_page_url: str = field(default="", repr=False, compare=False)
    components: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)


CACHE_FILE = "identities.json"
# checksums kept: a few playbooks per machine, and one entry per edit of each
CACHE_ENTRIES = 64


def read_identity(path: Path) -> Identity | None:
    """The organization of the playbook at `path`; None when there is none to read."""
    try:
        content = path.read_bytes()
    except OSError:  # no playbook (or a folder, or unreadable): nothing to read
        return None
    import json
    import zlib  # already loaded with the CLI; hashlib is not (its OpenSSL costs ~4 ms)

    from incidentctl.playbook.location import cache_dir

    # a cache key, not a signature: the size and two checksums of the bytes
    key = f"{len(content)}-{zlib.crc32(content):08x}-{zlib.adler32(content):08x}"
    folder = cache_dir()
    cache_file = folder / CACHE_FILE if folder is not None else None
    known: dict[str, Any] = {}
    if cache_file is not None:
        try:
            loaded = json.loads(cache_file.read_text(encoding="utf-8"))
            known = loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError):
            known = {}
        entry = known.get(key, False)
        if entry is None:
            return None
        cached = _from_entry(entry)  # (earlier releases kept fewer values: read again)
        if cached is not None:
            return cached
    identity = _parse_identity(path)
    if cache_file is not None:
        known.pop(key, None)
        known[key] = None if identity is None else _entry(identity)
        kept = dict(list(known.items())[-CACHE_ENTRIES:])
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            temporary = cache_file.with_name(f".{CACHE_FILE}.{os.getpid()}")
            temporary.write_text(json.dumps(kept), encoding="utf-8")
            temporary.replace(cache_file)
        except OSError:
            pass  # a read-only cache costs a parse next time, nothing else
    return identity


def _entry(identity: Identity) -> list[Any]:
    return [
        identity.organization,
        identity.timezone,
        identity.database_url,
        identity.language,
        identity.status_page_url,
        dict(identity.components),
    ]


def _from_entry(entry: object) -> Identity | None:
    if not isinstance(entry, list) or len(entry) != 6:
        return None
    organization, timezone, url, language, page, components = entry
    texts = (organization, timezone, url, language, page)
    if not all(isinstance(v, str) for v in texts) or not isinstance(components, dict):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in components.items()):
        return None
    return Identity(organization, timezone, url, language, page, components)


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
    language = organization.get("language")
    page = organization.get("status_page_url")
    components = data.get("components")
    names = {
        str(key): spec["name"] if isinstance(spec, dict) and isinstance(spec.get("name"), str)
        else str(key)
        for key, spec in (components.items() if isinstance(components, dict) else ())
    }  # fmt: skip
    return Identity(
        organization["name"],
        timezone if isinstance(timezone, str) else "UTC",
        url if isinstance(url, str) else "",
        language if language in ("en", "fr") else "en",
        page if isinstance(page, str) else "",
        names,
    )

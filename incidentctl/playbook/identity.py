"""Whose incidents a command sees: the organization and timezone a playbook declares.

`list` and `status` must stay fast: they read these two values from the YAML document without
validating the whole playbook (no pydantic), and do without them when there is no playbook.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Identity:
    organization: str
    timezone: str = "UTC"


def read_identity(path: Path) -> Identity | None:
    """The organization of the playbook at `path`; None when there is none to read."""
    if not path.is_file():
        return None
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
    return Identity(organization["name"], timezone if isinstance(timezone, str) else "UTC")

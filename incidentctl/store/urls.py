"""Store URLs as they may be shown: never with their password."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

HIDDEN = "***"
# `password=` in a URL's query (libpq accepts it there too)
_QUERY_PASSWORD = re.compile(r"(?i)(password=)[^&]*")


def redacted(url: str) -> str:
    """`url` with any password replaced by `***`: `postgresql://ops:***@db/incidents`."""
    if "@" not in url and "password=" not in url.lower():
        return url  # nothing to hide (a SQLite file's URL stays as it is written)
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    netloc = parts.netloc
    if "@" in netloc:
        credentials, _, host = netloc.rpartition("@")
        user, colon, _ = credentials.partition(":")
        netloc = f"{user}:{HIDDEN}@{host}" if colon else f"{user}@{host}"
    query = _QUERY_PASSWORD.sub(rf"\g<1>{HIDDEN}", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))

"""E-mail addresses, header values and message ids, as the e-mail channels write them."""

from __future__ import annotations

import re

from incidentctl.channels.base import Outgoing

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TLD = r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})"
EMAIL = re.compile(rf"^{_LOCAL}@(?:{_LABEL}\.)+{_TLD}$")
# CR, LF and the other characters some mail software treats as line breaks
BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")


def is_email(value: str) -> bool:
    """A plain `local@domain.tld` address (no display name, no comments, ASCII only)."""
    return len(value) <= 254 and len(value.partition("@")[0]) <= 64 and bool(EMAIL.match(value))


def clean_header(value: str) -> str:
    """A header value on one line: line breaks become spaces, control characters go."""
    return " ".join(_CONTROL.sub("", BREAKS.sub(" ", value)).split())


def message_id(outgoing: Outgoing, from_email: str) -> str:
    """`<INC-42.17.status-email.incidentctl@example.com>`: stable across retries of a delivery,
    in the sender's domain (what spam filters expect)."""
    parts = (outgoing.incident_id, str(outgoing.delivery_id), outgoing.channel, "incidentctl")
    local = ".".join(p for p in (_ID_UNSAFE.sub("-", part).strip("-") for part in parts) if p)
    domain = from_email.rpartition("@")[2].strip().lower()
    if not re.fullmatch(r"[a-z0-9.-]+", domain):
        domain = "incidentctl.invalid"
    return f"<{local}@{domain}>"


def angle(value: str) -> str:
    """A message id in angle brackets, one token only (nothing can ride along after it)."""
    token = (clean_header(value).split() or [""])[0]
    return token if token.startswith("<") else f"<{token}>"

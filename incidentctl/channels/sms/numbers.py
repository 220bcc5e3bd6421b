"""Phone numbers: E.164 checks, and masking, since numbers are personal data kept out of errors."""

from __future__ import annotations

import hashlib
import re

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
# phone-number-like runs in a service's error text, masked before they reach users and logs
_NUMBER_LIKE = re.compile(r"\+?\d[\d ().-]{5,}\d")


def mask(number: str) -> str:
    """`+33612345678` → `+33•••••5678`: enough to tell recipients apart, not to dial them."""
    digits = re.sub(r"\D", "", number)
    if len(digits) < 7:
        return "•••••"
    prefix = "+" if number.strip().startswith("+") else ""
    return f"{prefix}{digits[:2]}•••••{digits[-4:]}"


def mask_numbers(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        found = match.group(0)
        return mask(found) if len(re.sub(r"\D", "", found)) >= 7 else found

    return _NUMBER_LIKE.sub(replace, text)


def number_key(number: str) -> str:
    """What the stored progress knows a number by: a digest, so the state file holds no phone
    numbers."""
    return hashlib.sha256(number.encode()).hexdigest()[:16]

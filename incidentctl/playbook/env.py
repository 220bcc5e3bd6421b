"""`${VAR}` and `${VAR:-default}` references, resolved at send time and never stored."""

from __future__ import annotations

import re
from collections.abc import Mapping

ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


# a `${` that does not open a whole reference: `${SLACK_WEBHOOK_URL` with no `}`, `${ X }`
UNCLOSED_REFERENCE = re.compile(r"\$\{(?![A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\})([A-Za-z0-9_]*)")


def unclosed_reference(value: str) -> str | None:
    """How the first broken `${…}` in `value` should be written (`${NAME}`), or None."""
    match = UNCLOSED_REFERENCE.search(value)
    if match is None:
        return None
    return "${" + (match.group(1) or "NAME") + "}"


def references(value: str) -> list[str]:
    """Names of the variables a value refers to."""
    return [m.group(1) for m in ENV_REFERENCE.finditer(value)]


def is_reference_only(value: str) -> bool:
    """True when the whole value is one `${VAR}` reference without default."""
    match = ENV_REFERENCE.fullmatch(value.strip())
    return match is not None and match.group(2) is None


def interpolate(value: str, env: Mapping[str, str]) -> tuple[str, list[str]]:
    """Replace references; return the text and the names that are missing (no default)."""
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        found = env.get(name)
        if found:
            return found
        if default is not None:
            return default
        missing.append(name)
        return ""

    return ENV_REFERENCE.sub(replace, value), missing

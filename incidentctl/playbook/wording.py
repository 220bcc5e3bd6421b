"""Validation errors said in the playbook author's terms, not in the validator's.

pydantic says "String should match pattern '^@[\\w.-]+$'" or "Input should be a valid string";
the person who wrote `default: alice` or `update_every: 30` needs "a role's default must be a
@handle" and "update_every needs a unit: 30m".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from incidentctl.model.problem import quoted

HANDLE_PATTERN = r"^@[\w.-]+$"
IDENTIFIER_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
DURATION_KEYS = {"update_every"}
DATETIME_EXPECTED = "expected a date and time, like 2025-12-19T14:05 (the organization's time)"


def plain_message(error: Mapping[str, Any], loc: Sequence[str | int]) -> str:
    """The message of one pydantic error at `loc` (key path without pydantic's markers)."""
    kind = str(error["type"])
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    key = str(loc[-1]) if loc else ""
    value = error.get("input")
    got = f" (got {quoted(value)})" if value is not None and not isinstance(value, dict) else ""
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        if pattern == HANDLE_PATTERN:
            what = "a role's default" if "roles" in loc else "this"
            return f"{what} must be a @handle, like @alice{got}"
        if pattern == IDENTIFIER_PATTERN:
            return f"an id is lower-case letters, digits, - and _ (e.g. sev2, api){got}"
        return f"does not have the expected form{got}"
    if kind == "string_type":
        if key in DURATION_KEYS:
            return f"{key} needs a unit: 30m (or 45s, 1h, 1h30m, 2d){got}"
        return f"expected text{got}: put it in quotes if it looks like a number or a date"
    if kind in ("bool_parsing", "bool_type"):
        return f"expected true or false{got}"
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type"):
        whole = kind.startswith("int")
        unit = " of seconds" if key == "timeout" else ""
        return f"expected {'a whole number' if whole else 'a number'}{unit}{got}"
    if kind == "literal_error":
        return f"must be {ctx.get('expected', 'one of the allowed values')}{got}"
    if kind == "enum":
        return f"must be {ctx.get('expected', 'one of the allowed values')}{got}"
    if kind == "list_type":
        return f"expected a list, like [a, b]{got}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping of keys and values{got}"
    if kind.startswith(("datetime_", "date_")):
        return f"{DATETIME_EXPECTED}{got}"
    if kind == "too_short" and key == "severities":
        return "at least one severity is needed"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = {
            "greater_than": "greater than {gt}",
            "greater_than_equal": "at least {ge}",
            "less_than": "less than {lt}",
            "less_than_equal": "at most {le}",
        }[kind].format(**{k: ctx.get(k) for k in ("gt", "ge", "lt", "le")})
        return f"must be {bound}{got}"
    return str(error["msg"]).removeprefix("Value error, ")

"""`incident_id_format`: checked field by field before anything is formatted with it.

`str.format` does what the text asks: `{seq:0200000000d}` builds a 200 MB string and
`{seq[0]}` raises TypeError. Only `{date}` and `{seq}` with a plain format spec, bounded widths
and a short result are accepted.
"""

from __future__ import annotations

import re
from datetime import date
from string import Formatter

from incidentctl.model.problem import quoted
from incidentctl.playbook.limits import MAX_ID_FORMAT_WIDTH, MAX_ID_LENGTH

FIELDS = ("date", "seq")
HINT = "use {date:%Y%m%d} and {seq:04d}"
# the standard format spec of an integer: [[fill]align][sign][z][#][0][width][,_][.precision][type]
_INT_SPEC = re.compile(
    r"(?:.?[<>=^])?[-+ ]?z?#?0?(?P<width>\d*)[,_]?(?:\.(?P<precision>\d*))?[a-zA-Z%]?", re.DOTALL
)

_STRFTIME_WIDTH = re.compile(r"%[-_0^#]*(\d+)")


def _field_problem(name: str, spec: str, conversion: str | None) -> str | None:
    if name not in FIELDS:
        return f"{{{name}}} is not a field of an incident id"
    if conversion is not None:
        return f"{{{name}!{conversion}}}: a conversion (!r, !s) is not allowed"
    if "{" in spec:
        return f"{{{name}:{spec}}}: a field inside a format spec is not allowed"
    if name == "date":  # strftime, where glibc reads a width too: `%0200000000Y`
        widths = (int(width) for width in _STRFTIME_WIDTH.findall(spec))
        if any(width > MAX_ID_FORMAT_WIDTH for width in widths):
            return f"a width in {{date:{spec}}} is over {MAX_ID_FORMAT_WIDTH}"
        return None
    match = _INT_SPEC.fullmatch(spec)
    if match is None:
        return f"{{seq:{spec}}} is not a number format"
    for part in ("width", "precision"):
        if len(match[part] or "") > 3 or int(match[part] or 0) > MAX_ID_FORMAT_WIDTH:
            return f"the {part} in {{seq:{spec}}} is over {MAX_ID_FORMAT_WIDTH}"
    return None


def check_id_format(value: str) -> str:
    """`value` if it makes short, safe incident ids; else ValueError saying what to change."""
    start = f"invalid incident id format {quoted(value)}"
    if len(value) > 2 * MAX_ID_LENGTH:
        raise ValueError(f"{start}: longer than {2 * MAX_ID_LENGTH} characters")
    try:
        fields = [(name, spec or "", conv) for _, name, spec, conv in Formatter().parse(value)]
    except ValueError as exc:  # a lone `{` or `}`
        raise ValueError(f"{start}: {exc} ({HINT}; write {{{{ for a brace)") from None
    names = [name for name, _, _ in fields if name is not None]
    for name, spec, conversion in fields:
        problem = None if name is None else _field_problem(name, spec, conversion)
        if problem is not None:
            raise ValueError(f"{start}: {problem} ({HINT})")
    if "seq" not in names:
        raise ValueError("incident id format must contain {seq} so ids are unique")
    try:
        sample = value.format(date=date(2025, 12, 19), seq=12)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{start}: {exc} ({HINT})") from None
    if len(sample) > MAX_ID_LENGTH:
        raise ValueError(f"{start}: it gives ids over {MAX_ID_LENGTH} characters")
    if not re.fullmatch(r"[\w.-]+", sample):
        raise ValueError(f"incident id format gives {quoted(sample)}: use letters, digits, - _ .")
    return value

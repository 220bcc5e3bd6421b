"""Where a template failed and why, in the words a template author needs (file, line, name)."""

from __future__ import annotations

import re
from pathlib import Path
from types import TracebackType


def is_html_name(name: str | None) -> bool:
    return bool(name) and str(name).endswith((".html.j2", "email-html.j2"))


def template_location(exc: BaseException) -> tuple[str | None, int]:
    """File and line in the template where a render-time error happened.

    Jinja rewrites tracebacks so that template frames carry the template's file name and
    line; the innermost such frame is where the error is.
    """
    found: tuple[str | None, int] = (None, 0)
    tb: TracebackType | None = exc.__traceback__
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            found = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


# StrictUndefined's messages: `'nobody' is undefined`, `'dict object' has no attribute 'titel'`,
# `'list object' has no element 5`
_UNDEFINED = re.compile(r"'(?P<name>[^']*)' is undefined")
_NO_MEMBER = re.compile(r"(?P<owner>.+?) has no (?P<what>attribute|element) (?P<member>.+)")
# a variable as written in a template: `incident.severity.name`, `c['name']`, `items[0]`
_HEAD = re.compile(r"(?<![\w.'\"\]])[A-Za-z_]\w*")
_STEP = re.compile(r"""\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*(?:'([^']*)'|"([^"]*)"|(-?\d+))\s*\])""")


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _member_chain(source: str, member: str) -> str | None:
    """The first variable in `source` written with `member` after its name
    (`incident.titel` for `titel`), without spaces."""
    for head in _HEAD.finditer(source):
        pos = head.end()
        while (step := _STEP.match(source, pos)) is not None:
            pos = step.end()
            if next(g for g in step.groups() if g is not None) == member:
                return re.sub(r"\s+", "", source[head.start() : pos])
    return None


def _template_source(filename: str | None) -> list[str]:
    if not filename:
        return []
    try:
        return Path(filename).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []


def undefined_reason(message: str, filename: str | None, line: int) -> str:
    """StrictUndefined's message in the template's own words: `undefined variable
    incident.titel` rather than `'dict object' has no attribute 'titel'`; the variable is
    looked for on the failing line, then in the rest of the template."""
    found = _UNDEFINED.fullmatch(message)
    if found is not None:
        return f"undefined variable {found['name']}"
    found = _NO_MEMBER.fullmatch(message)
    if found is None:
        return message
    member = _unquote(found["member"])
    lines = _template_source(filename)
    failing = [lines[line - 1]] if 0 < line <= len(lines) else []
    for text in [*failing, "\n".join(lines)]:
        chain = _member_chain(text, member)
        if chain is not None:
            return f"undefined variable {chain}"
    owner = _unquote(found["owner"])
    return f"undefined {found['what']} {found['member']} (the value is a {owner})"

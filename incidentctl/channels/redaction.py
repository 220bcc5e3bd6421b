"""Secrets out of the texts a service sends back, in whatever encoding it echoes them.

A service answering an error often quotes the request: its path and query (Spring Boot's
default error body), its headers, its body. `scrub` removes from such a text every secret value
the channel resolved and, of a secret URL, each part that `base.redact_url` hides
(`secret_parts`), written as sent, percent-encoded (either case of hex, `+` for a space, also
twice), percent-decoded, JSON-escaped (`\\/`, `\\u00XX`), HTML-escaped (`&amp;`, `&#x2F;`,
`&#47;`) or any mix of these, character by character; and the base64 of a `user:password`
pair (`basic_credentials`), which is how a Basic `Authorization` header comes back.

How long a part must be (the thresholds; README's "Secrets in what services send back"):

- a part of `ANYWHERE` (8) characters or more is redacted wherever it appears, even inside a
  longer word;
- a shorter one only where it stands alone, with no letter or digit touching it: a 5-character
  password is still redacted from `user:pa55w@host`, but a secret `k-12` does not garble
  `k-1234`;
- a secret value itself (a token, a key, a phone number) and a URL's user and password are
  redacted at any length; a URL's path segment or query value only from `MIN_URL_PIECE` (4)
  characters, and never when it is a plain word of the service's routes (`ROUTE_WORD`:
  `services`, `hooks`), a date or a version number (`VERSION`: `2016-06-01`, `1.0`), which are
  the same for every user and which error codes such as `no_active_hooks` contain.
"""

from __future__ import annotations

import base64
import bisect
import html.entities
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import unquote, unquote_plus, urlsplit

if TYPE_CHECKING:
    from incidentctl.channels.base import SendResult

REDACTED = "***"
ANYWHERE = 8
MIN_URL_PIECE = 4
# a path segment or query value that reads as a word of the service's routes, not a token
ROUTE_WORD = re.compile(r"[A-Za-z_-]{0,15}")
# an API version in a query (`api-version=2016-06-01`, `sv=1.0`): not a secret
VERSION = re.compile(r"\d{4}-\d{2}-\d{2}|v?\d{1,3}(?:\.\d{1,3}){1,2}")
LINE_LIMIT = 200
# how much of a long text `scrub_line` looks at first
_SCAN = 16 * 1024
# no encoding of one character takes more than this many (`%25F0%25..`, `&#x0001F525;`)
_WIDEST = 24
# one escaped character: percent-encoded (also twice), JSON, HTML (numeric or named), `+`
_ESCAPE = re.compile(
    r"%(?:25)?[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}|\\[/\"\\]"
    r"|&#[xX][0-9A-Fa-f]{1,6};|&#[0-9]{1,7};|&[A-Za-z][A-Za-z0-9]{1,31};|\+"
)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret of `secrets`, and every secret part of a secret URL, replaced
    by `***`, in any of the encodings a service may echo it in."""
    parts = {part for secret in secrets if secret for part in secret_parts(secret)}
    if not parts or not text:
        return text
    needles = {needle for part in parts for needle in _needles(part)}
    spans: list[tuple[int, int]] = []
    for view in (_View(text), _View(text, decode=True), _View(text, decode=True, plus=" ")):
        for needle in needles:
            spans.extend(view.find(needle))
    return _replace(text, spans)


def _needles(part: str) -> set[str]:
    """`part`, and beyond ASCII as a decoded view holds it: percent-encoded bytes decode one
    by one (as Latin-1), JSON escapes to UTF-16 units."""
    if part.isascii():
        return {part}
    units = part.encode("utf-16-be", "surrogatepass")
    utf16 = "".join(chr(int.from_bytes(units[i : i + 2], "big")) for i in range(0, len(units), 2))
    return {part, part.encode().decode("latin-1"), utf16}


class _View:
    """`text` as written, or with every escape decoded, and where each character came from."""

    def __init__(self, text: str, *, decode: bool = False, plus: str = "+") -> None:
        self.text = text
        # segments: decoded start, source start, source length, whether one escape
        self.starts: list[int] = [0]
        self.sources: list[tuple[int, int, bool]] = [(0, len(text), False)]
        if not decode:
            self.decoded = text
            return
        pieces: list[str] = []
        self.starts, self.sources = [], []
        at = length = 0

        def add(piece: str, source: int, size: int, escape: bool) -> None:
            nonlocal length
            self.starts.append(length)
            self.sources.append((source, size, escape))
            pieces.append(piece)
            length += len(piece)

        for match in _ESCAPE.finditer(text):
            char = _unescape(match.group(), plus)
            if char is None:
                continue
            if match.start() > at:
                add(text[at : match.start()], at, match.start() - at, False)
            add(char, match.start(), match.end() - match.start(), True)
            at = match.end()
        if at < len(text):
            add(text[at:], at, len(text) - at, False)
        self.decoded = "".join(pieces)

    def find(self, part: str) -> Iterable[tuple[int, int]]:
        """Source spans of each occurrence of `part`; one shorter than `ANYWHERE` only where no
        letter or digit touches it."""
        text, alone = self.decoded, len(part) < ANYWHERE
        at = text.find(part)
        while at != -1:
            end = at + len(part)
            if not alone or not (_word(text, at - 1) or _word(text, end)):
                yield self._source(at)[0], self._source(end - 1)[1]
            at = text.find(part, at + 1)

    def _source(self, index: int) -> tuple[int, int]:
        """The source span of decoded character `index`."""
        segment = bisect.bisect_right(self.starts, index) - 1
        source, size, escape = self.sources[segment]
        if escape:
            return source, source + size
        offset = source + index - self.starts[segment]
        return offset, offset + 1


def _word(text: str, index: int) -> bool:
    return 0 <= index < len(text) and text[index].isascii() and text[index].isalnum()


def _unescape(escape: str, plus: str) -> str | None:
    """The character one escape stands for (a percent-encoded byte as Latin-1), None when
    it is no escape after all (`&nosuch;`)."""
    if escape == "+":
        return plus
    if escape[0] == "%":
        return chr(int(escape[-2:], 16))
    if escape[0] == "\\":
        return chr(int(escape[2:], 16)) if escape[1] == "u" else escape[1]
    if escape.startswith("&#"):
        hexadecimal = escape[2] in "xX"
        code = int(escape[3:-1], 16) if hexadecimal else int(escape[2:-1])
        return chr(code) if code < 0x110000 else None
    return html.entities.html5.get(escape[1:])


def _replace(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the union of `spans` replaced, each stretch of them by one `***`."""
    if not spans:
        return text
    out: list[str] = []
    at = 0
    for start, end in sorted(spans):
        if end <= at:
            continue
        if start > at:
            out += [text[at:start], REDACTED]
        elif not out:
            out.append(REDACTED)
        at = max(at, end)
    out.append(text[at:])
    return "".join(out)


def scrub_line(text: str, secrets: Iterable[str], limit: int = LINE_LIMIT) -> str:
    """`text` scrubbed, as one line of at most `limit` characters. A long text (a service's
    whole error page) is scrubbed only as far as the line can show of it, and always past the
    end of the line by more than any secret's encoded length, so that a secret cut in two by
    that bound never reaches the line."""
    secrets = [secret for secret in secrets if secret]
    line = " ".join(text.split())
    margin = _WIDEST * max((len(s) for s in secrets), default=0)
    bound = max(_SCAN, 4 * (limit + margin))
    while True:
        scrubbed = scrub(line[:bound], secrets)
        if bound >= len(line) or len(scrubbed) >= limit + margin:
            break
        bound *= 4  # most of it was secrets: look further
    return scrubbed if len(scrubbed) <= limit else scrubbed[: limit - 1] + "…"


def scrubbed(result: SendResult, secrets: Iterable[str]) -> SendResult:
    """`result` with the secrets scrubbed from what the service gave back (id, link, notes)."""
    secrets = tuple(secrets)
    return replace(
        result,
        remote_id=scrub(result.remote_id, secrets) if result.remote_id else result.remote_id,
        link=scrub(result.link, secrets) if result.link else result.link,
        notes=tuple(scrub(note, secrets) for note in result.notes),
    )


def secret_parts(secret: str) -> set[str]:
    """`secret`, and when it is a URL what `redact_url` hides of it, as written and decoded: the
    path and query (an echoed request line), each path segment and query value (an echoed
    webhook token or `sig`) that is not a route word or version, any user and password, and
    the base64 of `user:password` (a Basic auth header echoed)."""
    parts = {secret}
    if secret.startswith("+") and secret[1:].isdigit() and len(secret) > ANYWHERE:
        parts.add(secret[1:])  # a phone number whose `+` a form decoder made a space
    url = urlsplit(secret)
    if url.scheme not in ("http", "https") or not url.netloc:
        return parts
    parts.add(unquote_plus(secret))
    query = f"?{url.query}" if url.query else ""
    pieces = [url.path + query, url.path, url.path.lstrip("/"), url.query]
    pieces += [seg for seg in url.path.split("/") if _is_token(seg)]
    values = (pair.partition("=")[2] for pair in url.query.split("&"))
    pieces += [value for value in values if _is_token(value)]
    for piece in pieces:
        parts.update(p for p in (piece, unquote_plus(piece)) if len(p) >= MIN_URL_PIECE)
    # credentials: any length
    user, password = url.username or "", url.password or ""
    parts.update(value for value in (user, password, unquote(user), unquote(password)) if value)
    if user or password:
        parts.add(f"{user}:{password}")
        parts.add(basic_credentials(unquote(user), unquote(password)))
    return parts


def basic_credentials(user: str, password: str) -> str:
    """What a Basic `Authorization` header carries for this user and password (base64, without
    its `=` padding, so that it is found inside a longer base64 text too)."""
    return base64.b64encode(f"{user}:{password}".encode()).decode().rstrip("=")


def _is_token(piece: str) -> bool:
    decoded = unquote_plus(piece)
    return len(decoded) >= MIN_URL_PIECE and not (
        ROUTE_WORD.fullmatch(decoded) or VERSION.fullmatch(decoded)
    )

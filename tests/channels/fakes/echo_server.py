"""A service that fails every request and quotes it back: path, query, headers and body.

Spring Boot's default error body carries the request path; many gateways quote the whole
request. `EchoServer(fault, encoding, view)` answers each request with `fault` (an HTTP status,
a redirect whose `Location` quotes the request, a reset or a hang) and, where the fault has a
body, the `view` of the request written in `encoding` as a service might (raw, inside a JSON
document, JSON-escaped in text, percent-encoded either way, HTML-escaped). `redirect_target`
is the other host a redirect points to; it must never be asked anything.
"""

from __future__ import annotations

import html
import json
import re
from urllib.parse import quote, quote_plus

from tests.channels.fakes.base_server import FakeServer, Reply, Request

ECHOING = ("500", "400", "401", "403", "404", "429", "302")
SILENT = ("reset", "timeout", "dns")
FAULTS = (*ECHOING, *SILENT)
ENCODINGS = ("raw", "json", "json-text", "percent", "percent-lower", "html")
HANG = 2.0


def json_escaped(text: str) -> str:
    """JSON string contents as a strict encoder writes them: `\\/`, and `\\u00XX` for every
    character that is not a letter or digit."""
    out = []
    for char in text:
        if char.isascii() and char.isalnum():
            out.append(char)
        elif char == "/":
            out.append("\\/")
        else:
            out.extend(f"\\u{unit:04x}" for unit in _utf16(char))
    return "".join(out)


def percent_lower(text: str) -> str:
    """Percent-encoded with lower-case hex and `+` for a space (a form encoder's output)."""
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote_plus(text, safe=""))


def html_escaped(text: str) -> str:
    """HTML-escaped as a templating engine writes it, `/` and `=` as character references."""
    return html.escape(text).replace("/", "&#x2F;").replace("=", "&#61;")


ENCODERS = {
    "raw": lambda text: text,
    "json": lambda text: text,  # the JSON document itself escapes it (`spring_body`)
    "json-text": json_escaped,
    "percent": lambda text: quote(text, safe=""),
    "percent-lower": percent_lower,
    "html": html_escaped,
}


def _utf16(char: str) -> list[int]:
    data = char.encode("utf-16-be")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


# what of the request a reply quotes: its target (request line and URL), its headers (those a
# client adds for this service: credentials, signatures), its body, or all of it. The channels
# keep the first 200 characters of an error text: each part must lead in some reply.
VIEWS = ("target", "headers", "body", "all")
# every echoing failure in every encoding, quoting in turn the request's target, headers, body
# or all (so that each fault and each encoding quotes each of them), and the failures that
# quote nothing: (fault, encoding, view)
SCENARIOS = [
    (fault, encoding, VIEWS[(i + j) % len(VIEWS)])
    for i, fault in enumerate(ECHOING)
    for j, encoding in enumerate(ENCODINGS)
] + [(fault, "-", "-") for fault in SILENT]
SCENARIO_IDS = ["-".join(scenario).rstrip("-") for scenario in SCENARIOS]
PLAIN_HEADERS = frozenset(
    {"host", "user-agent", "accept", "accept-encoding", "connection", "content-length"}
)


def quoted(request: Request, host: str, view: str = "all") -> str:
    """The request as an error page quotes it: request line and URL, headers, body."""
    lines = []
    if view in ("target", "all"):
        lines += [
            f"{request.method} {request.target} HTTP/1.1",
            f"url: http://{host}{request.target}",
        ]
    if view in ("headers", "all"):
        lines += [
            f"{name}: {value}"
            for name, value in request.headers.items()
            if name not in PLAIN_HEADERS or view == "all"
        ]
    if view in ("body", "all"):
        lines.append(request.body.decode("utf-8", "replace"))
    return "\n".join(lines)


class EchoServer(FakeServer):
    """Every request fails with `fault`, quoting the request in `encoding`."""

    def __init__(
        self, fault: str, encoding: str = "raw", view: str = "all", redirect_target: str = ""
    ) -> None:
        super().__init__()
        self.fault = fault
        self.encoding = encoding
        self.view = view
        self.redirect_target = redirect_target

    def handle(self, request: Request) -> Reply:
        if self.fault == "reset":
            return Reply(drop=True)
        if self.fault == "timeout":
            return Reply(200, {"ok": True, "id": "1"}, delay=HANG)
        status = int(self.fault)
        host = request.headers.get("host", "")
        echo = quoted(request, host, self.view)
        headers = {"Retry-After": "0"} if status == 429 else {}
        if status == 302:
            # the Location quotes the request: path, query and all
            location = f"{self.redirect_target}{request.target}"
            headers["Location"] = location
            echo = f'Redirecting to <a href="{html.escape(location)}">{location}</a>\n{echo}'
        if self.encoding == "json":
            return Reply(status, spring_body(status, request, echo), headers)
        return Reply(status, ENCODERS[self.encoding](echo), headers)


def spring_body(status: int, request: Request, echo: str) -> str:
    """Spring Boot's default error document, with `/` escaped as a strict encoder does."""
    document = {
        "timestamp": "2025-01-01T09:00:00.000+00:00",
        "status": status,
        "error": "Internal Server Error" if status >= 500 else "Bad Request",
        "message": echo,
        "path": request.target,
    }
    return json.dumps(document).replace("/", "\\/")


class Bystander(FakeServer):
    """Another host: a redirect must not bring it any request (it answers 200 to be tempting)."""

    def handle(self, request: Request) -> Reply:
        return Reply(200, {"ok": True, "id": "bystander"})

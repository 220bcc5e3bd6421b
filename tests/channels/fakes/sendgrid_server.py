"""A local SendGrid v3 Mail Send (`POST /v3/mail/send`) that checks requests like the real one.

Each body is validated against the request schema of the published OpenAPI description
(tests/specs/sendgrid-mail-v3.openapi.json, MIT, see LICENSE-sendgrid-oai), plus the rules the
schema does not spell out: `Authorization: Bearer <key>`, at most 1000 personalizations and 1000
recipients, each address once per request, a subject, text/plain before text/html, no reserved
or multi-line headers. Accepted requests answer 202 with an empty body, like SendGrid.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from tests.channels.fakes.base_server import FakeServer, Reply, Request, openapi_spec

API_KEY = "SG.test-key-0123456789"
RESERVED_HEADERS = frozenset(
    h.lower()
    for h in (
        "x-sg-id",
        "x-sg-eid",
        "received",
        "dkim-signature",
        "Content-Type",
        "Content-Transfer-Encoding",
        "To",
        "From",
        "Subject",
        "Reply-To",
        "CC",
        "BCC",
    )
)


@cache
def request_validator() -> Any:
    """An OpenAPI 3.1 validator for the Mail Send request body (refs resolved in the spec)."""
    from openapi_schema_validator import OAS31Validator

    spec = openapi_spec("sendgrid-mail-v3.openapi.json")
    body = spec["components"]["requestBodies"]["PostMailSend"]
    schema = body["content"]["application/json"]["schema"]
    return OAS31Validator({**schema, "components": spec["components"]})


def errors(*messages: tuple[str, str | None]) -> dict[str, Any]:
    return {"errors": [{"message": m, "field": f, "help": None} for m, f in messages]}


class SendGridFake(FakeServer):
    def __init__(self, api_key: str = API_KEY, *, keep_bodies: bool = True):
        super().__init__()
        self.api_key = api_key
        self.keep_bodies = keep_bodies
        # accepted request bodies (when keep_bodies) and the number of recipients accepted
        self.accepted: list[dict[str, Any]] = []
        self.recipients = 0
        # seconds to wait before the 202 of an accepted request (the mail goes out anyway)
        self.accept_slowly = 0.0
        # request number (1-based, counting every request) -> reply instead of checking it
        self.replies_at: dict[int, Reply] = {}

    def handle(self, request: Request) -> Reply:
        scripted = self.replies_at.get(len(self.requests))
        if scripted is not None:
            return scripted
        if request.path != "/v3/mail/send":
            return Reply(404, errors(("not found", None)))
        if request.method != "POST":
            return Reply(405, errors(("method not allowed", None)))
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return Reply(
                401,
                errors(("The provided authorization grant is invalid, expired, or revoked", None)),
            )
        if not request.headers.get("content-type", "").startswith("application/json"):
            return Reply(415, errors(("Content-Type should be application/json.", None)))
        try:
            body = request.json()
        except ValueError:
            return Reply(400, errors(("Bad Request", None)))
        problems = self.check(body)
        if problems:
            return Reply(400, errors(*problems))
        with self._lock:
            self.recipients += sum(len(p.get("to", [])) for p in body["personalizations"])
            if self.keep_bodies:
                self.accepted.append(body)
        return Reply(202, b"", delay=self.accept_slowly)

    def check(self, body: Any) -> list[tuple[str, str | None]]:
        problems: list[tuple[str, str | None]] = []
        for error in request_validator().iter_errors(body):
            where = ".".join(str(p) for p in error.absolute_path) or None
            problems.append((error.message[:200], where))
        if problems:
            return problems
        personalizations = body["personalizations"]
        seen: set[str] = set()
        count = 0
        for index, personalization in enumerate(personalizations):
            for kind in ("to", "cc", "bcc"):
                for recipient in personalization.get(kind, []):
                    count += 1
                    address = recipient["email"].lower()
                    if address in seen:
                        problems.append(
                            (
                                "Each email address in the personalization block should be "
                                "unique between to, cc, and bcc. We found the first duplicate "
                                f"instance of [{recipient['email']}] in the "
                                f"personalizations.{index}.{kind} field.",
                                f"personalizations.{index}.{kind}",
                            )
                        )
                    seen.add(address)
                    if "@" not in address or any(c in address for c in " \r\n<>,;"):
                        problems.append(
                            (
                                "Does not contain a valid address.",
                                f"personalizations.{index}.{kind}",
                            )
                        )
        if count > 1000:
            problems.append(("The total number of recipients must be no more than 1000.", None))
        if not body.get("subject") and not all(p.get("subject") for p in personalizations):
            problems.append(("The subject is required.", "subject"))
        content = body.get("content") or []
        if not content and not body.get("template_id"):
            problems.append(("The content value must be a string at least one character.", None))
        types = [c["type"] for c in content]
        if "text/plain" in types and types.index("text/plain") != 0:
            problems.append(
                ("If present, text/plain and text/html may only be provided in this order.", None)
            )
        for name, value in (body.get("headers") or {}).items():
            if name.lower() in RESERVED_HEADERS:
                problems.append((f"The header {name} is reserved.", "headers"))
            if not isinstance(value, str):
                problems.append(("Invalid type. Expected: string, given: other.", "headers"))
            elif "\r" in value or "\n" in value:
                problems.append(("Header values may not contain line breaks.", "headers"))
        if "\r" in body.get("subject", "") or "\n" in body.get("subject", ""):
            problems.append(("The subject may not contain line breaks.", "subject"))
        return problems

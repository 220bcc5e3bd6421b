"""A local Twilio Messages API (`POST /2010-04-01/Accounts/{sid}/Messages.json`).

Checks what Twilio checks: Basic auth with the account SID and auth token, the SID in the path,
a form-encoded body with `To` (E.164), `From` or `MessagingServiceSid`, and `Body` of at most
1600 characters. Answers 201 with the message resource (`sid` SM…), or Twilio's error document
`{"code", "message", "more_info", "status"}`.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from tests.channels.fakes.base_server import FakeServer, Reply, Request

PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "twilio-token-0123456789"


def twilio_error(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


@dataclass(frozen=True)
class Message:
    sid: str
    to: str
    sender: str
    body: str


class TwilioFake(FakeServer):
    def __init__(
        self,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
    ) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[Message] = []
        # number -> reply given instead of accepting a message to that number
        self.replies_for: dict[str, Reply] = {}
        # seconds to wait before the 201 of an accepted message (it is sent anyway)
        self.accept_slowly = 0.0

    def handle(self, request: Request) -> Reply:
        match = PATH.match(request.path)
        if request.method != "POST" or match is None:
            return Reply(404, twilio_error(404, 20404, "The requested resource was not found"))
        if not self.authorized(request.headers.get("authorization", "")):
            return Reply(401, twilio_error(401, 20003, "Authenticate"))
        if match.group(1) != self.account_sid:
            return Reply(404, twilio_error(404, 20404, "The requested resource was not found"))
        if not request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            return Reply(400, twilio_error(400, 21601, "Invalid request body"))
        form = {k: v[0] for k, v in parse_qs(request.body.decode(), keep_blank_values=True).items()}
        to = form.get("To", "")
        body = form.get("Body", "")
        sender = form.get("From") or form.get("MessagingServiceSid") or ""
        if not to:
            return Reply(400, twilio_error(400, 21604, "A 'To' phone number is required."))
        if not E164.match(to):
            return Reply(
                400, twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
            )
        if not sender:
            return Reply(400, twilio_error(400, 21603, "A 'From' phone number is required."))
        if not body:
            return Reply(400, twilio_error(400, 21602, "Message body is required."))
        if len(body) > 1600:
            return Reply(
                400,
                twilio_error(
                    400, 21617, "The concatenated message body exceeds the 1600 character limit."
                ),
            )
        if to in self.replies_for:
            return self.replies_for[to]
        with self._lock:
            sid = f"SM{len(self.messages) + 1:032x}"
            self.messages.append(Message(sid, to, sender, body))
        resource = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": to,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": body,
            "status": "queued",
            "num_segments": "1",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }
        return Reply(201, resource, delay=self.accept_slowly)

    def authorized(self, header: str) -> bool:
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return user == self.account_sid and password == self.auth_token

"""A webhook receiver that does what we ask receivers to do: check the HMAC signature and its
timestamp (replays are rejected), require its own headers, drop retried deliveries by
`Idempotency-Key`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from incidentctl.channels.webhook import verify_signature
from tests.channels.fakes.base_server import FakeServer, Reply, Request

SECRET = "whsec-fake-shared-secret-77"
PATH = "/hooks/incidents/fake-path-token-99"
# a bearer token the tests make the receiver require in `Authorization`
HOOK_TOKEN = "hook-bearer-token-123"


class WebhookReceiver(FakeServer):
    def __init__(
        self,
        *,
        secret: str | None = SECRET,
        path: str = PATH,
        required_headers: dict[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        tolerance: float = 300,
    ) -> None:
        super().__init__()
        self.secret = secret
        self.path = path
        self.required_headers = {k.lower(): v for k, v in (required_headers or {}).items()}
        self.clock = clock
        self.tolerance = tolerance
        self.accepted: list[Request] = []
        self._ids: dict[str, str] = {}

    @property
    def hook_url(self) -> str:
        return self.url + self.path

    def documents(self) -> list[Any]:
        return [r.json() for r in self.accepted]

    def handle(self, request: Request) -> Reply:
        if request.method != "POST" or request.path != self.path:
            return Reply(404, {"error": "no such hook"})
        for name, value in self.required_headers.items():
            if request.headers.get(name) != value:
                return Reply(403, {"error": f"missing or wrong {name} header"})
        if self.secret is not None:
            valid = verify_signature(
                self.secret,
                request.headers.get("x-incidentctl-timestamp", ""),
                request.body,
                request.headers.get("x-incidentctl-signature", ""),
                now=self.clock(),
                tolerance=self.tolerance,
            )
            if not valid:
                return Reply(401, {"error": "signature check failed"})
        if not request.headers.get("content-type", "").startswith("application/json"):
            return Reply(415, {"error": "expected application/json"})
        try:
            request.json()
        except ValueError:
            return Reply(400, {"error": "body is not JSON"})
        key = request.headers.get("idempotency-key")
        if key and key in self._ids:
            return Reply(200, {"id": self._ids[key], "duplicate": True})
        self.accepted.append(request)
        event_id = f"evt_{len(self.accepted)}"
        if key:
            self._ids[key] = event_id
        return Reply(201, {"id": event_id})

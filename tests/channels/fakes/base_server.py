"""A small threaded HTTP server on 127.0.0.1 for channel tests: real sockets, no mocks.

A fake subclasses `FakeServer` and implements `handle(request) -> Reply`. Tests can queue
`Reply` objects with `fail_next` to force an error, a slow answer (`delay`) or a dropped
connection (`drop`) regardless of what the fake would have answered, or `delay_next` to let the
fake accept a request but answer too late (the client times out: an uncertain delivery).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import parse_qs, urlsplit

from incidentctl.channels.base import BaseChannel, Outgoing, SendContext
from incidentctl.model.records import ComponentStatus, EventKind, RenderedMessage, Stage
from incidentctl.model.snapshots import EventSnapshot, IncidentSnapshot

SPECS = Path(__file__).resolve().parents[2] / "specs"

C = TypeVar("C", bound=BaseChannel)


@dataclass(frozen=True)
class Request:
    """One request as the fake received it; header names are lower case."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    # the request line's target as sent: path and query, still percent-encoded
    target: str = ""

    def json(self) -> Any:
        return json.loads(self.body)

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Reply:
    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    # seconds to wait before answering (a hang past the client's timeout)
    delay: float = 0.0
    # close the connection without answering (a reset before the response)
    drop: bool = False

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, "text/plain; charset=utf-8"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return json.dumps(self.body).encode(), "application/json"


class ManualClock:
    """A clock the test moves forward, for fakes that enforce rate limits."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out or fakes that drop connections are expected here


class FakeServer:
    """Serve `handle` on an ephemeral port of `host` (127.0.0.1; another loopback address
    plays another host); use as a context manager."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.requests: list[Request] = []
        self._scripted: deque[Reply | Callable[[Request], Reply]] = deque()
        self._delays: deque[float] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _QuietServer((host, 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def handle(self, request: Request) -> Reply:  # pragma: no cover - overridden
        return Reply(404, {"message": "not found"})

    def fail_next(self, *replies: Reply | Callable[[Request], Reply]) -> None:
        """Answer the next requests with these replies instead of `handle`; a function makes
        its reply from the request (a service echoing the path it was asked for)."""
        with self._lock:
            self._scripted.extend(replies)

    def recover(self) -> None:
        """Forget the replies `fail_next` scripted that no request has used yet."""
        with self._lock:
            self._scripted.clear()

    def delay_next(self, *seconds: float) -> None:
        """Handle the next requests normally but answer them only after these delays."""
        with self._lock:
            self._delays.extend(seconds)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _dispatch(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            scripted = self._scripted.popleft() if self._scripted else None
            delay = self._delays.popleft() if self._delays and scripted is None else 0.0
        if scripted is not None:
            return scripted(request) if callable(scripted) else scripted
        reply = self.handle(request)
        reply.delay = max(reply.delay, delay)
        return reply

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    target=self.path,
                )
                reply = fake._dispatch(request)
                if reply.delay and fake._stopping.wait(reply.delay):
                    return
                if reply.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                payload, content_type = reply.encoded()
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Type": content_type, **reply.headers}
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up (timeout tests)
                    self.close_connection = True

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def closed_port_url() -> str:
    """A loopback URL nobody listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@cache
def openapi_spec(name: str) -> dict[str, Any]:
    """A published OpenAPI description from tests/specs, parsed once (do not modify it)."""
    spec: dict[str, Any] = json.loads((SPECS / name).read_text(encoding="utf-8"))
    return spec


def make_context(env: dict[str, str], tmp_path: Path, channel: str = "test") -> SendContext:
    return SendContext(env=env, outbox_dir=tmp_path / "outbox", channel=channel)


def build_channel(
    cls: type[C],
    options: dict[str, Any],
    env: dict[str, str],
    tmp_path: Path,
    *,
    name: str,
    timeout: float = 5.0,
    clock: Callable[[], float] | float = time.time,
) -> C:
    """A `cls` channel called `name` from playbook `options`; a number as `clock` freezes it."""
    settings = cls.settings_model.model_validate(options)
    context = make_context(env, tmp_path, name)
    if isinstance(clock, float | int):
        frozen = float(clock)
        return cls(name, settings, context, timeout, clock=lambda: frozen)
    return cls(name, settings, context, timeout, clock=clock)


DECLARED_AT = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)


def make_incident(**overrides: Any) -> IncidentSnapshot:
    """The incident as the engine hands it to channels (`Outgoing.incident`)."""
    values: dict[str, Any] = {
        "id": "INC-20250101-001",
        "title": "Checkout errors in EU",
        "severity": "sev1",
        "severity_rank": 0,
        "status": Stage.INVESTIGATING,
        "impact": "Payments fail for some EU customers",
        "components": {
            "checkout": ComponentStatus.MAJOR_OUTAGE,
            "api": ComponentStatus.DEGRADED_PERFORMANCE,
        },
        "declared_at": DECLARED_AT,
        "uid": "5f0c6a43-0b0e-4c43-9d38-6f1f3a2b7c11",
    }
    values.update(overrides)
    return IncidentSnapshot(**values)


def make_outgoing(
    text: str = "We are investigating checkout errors.",
    *,
    stage: Stage = Stage.INVESTIGATING,
    thread: str | None = None,
    subject: str | None = None,
    delivery_id: int = 1,
    **incident: Any,
) -> Outgoing:
    snapshot = make_incident(status=stage, **incident)
    kind = EventKind.DECLARED if thread is None else EventKind.UPDATE
    return Outgoing(
        delivery_id=delivery_id,
        incident_id=snapshot.id,
        channel="test",
        stage=stage,
        message=RenderedMessage(text=text, subject=subject),
        incident=snapshot,
        event=EventSnapshot(kind=kind, at=DECLARED_AT, stage=stage, message=text),
        thread=thread,
        idempotency_key=f"delivery-{delivery_id}",
    )

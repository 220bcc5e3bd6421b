"""A slow counting HTTP server, run as its own process so its CPU is not the measured one's.

Every POST is answered `200 {"id": "..."}` after a fixed delay and counted by path.
`GET /_counts` returns the counts as JSON and `POST /_reset` clears them; neither is counted.

Run: python benchmarks/e2e/server.py [--delay 0.2]   (prints the port, then serves)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

CONTROL = "/_"


class CountingHandler(BaseHTTPRequestHandler):
    server: CountingHTTPServer

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/_reset":
            self.server.reset()
            self._reply(b"{}")
            return
        # counted on arrival: a client that gives up early has still been heard
        self.server.count(self.path)
        time.sleep(self.server.delay)
        self._reply(json.dumps({"id": f"bench-{self.path.strip('/')}"}).encode())

    def do_GET(self) -> None:
        if self.path != "/_counts":
            self.send_error(404)
            return
        self._reply(json.dumps(self.server.counts()).encode())

    def _reply(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class CountingHTTPServer(ThreadingHTTPServer):
    # the default listen backlog of 5 drops some of 50 simultaneous connects (1 s SYN retry)
    request_queue_size = 256
    daemon_threads = True

    def __init__(self, delay: float) -> None:
        super().__init__(("127.0.0.1", 0), CountingHandler)
        self.delay = delay
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def count(self, path: str) -> None:
        with self._lock:
            self._counts[path] += 1

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


class CountingServer:
    """The server in a child process, seen from the benchmark: its URL, counts and reset."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._process: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> CountingServer:
        self._process = subprocess.Popen(
            [sys.executable, str(Path(__file__)), "--delay", str(self.delay)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        self.port = int(self._process.stdout.readline())
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def counts(self) -> dict[str, int]:
        with urllib.request.urlopen(self.url("_counts"), timeout=10) as answer:
            counts: dict[str, int] = json.load(answer)
        return counts

    def reset(self) -> None:
        request = urllib.request.Request(self.url("_reset"), data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def take_counts(self) -> dict[str, int]:
        """What arrived since the last call (then cleared)."""
        counts = self.counts()
        self.reset()
        return counts


def check_counts(counts: dict[str, int], expected: list[str]) -> str | None:
    """None when every expected path got exactly one request and nothing else arrived."""
    want = {f"/{path.lstrip('/')}": 1 for path in expected}
    if counts == want:
        return None
    missing = sorted(path for path in want if counts.get(path, 0) == 0)
    repeated = sorted(path for path, n in counts.items() if n > 1)
    stray = sorted(path for path in counts if path not in want)
    parts = [
        f"{label} {', '.join(paths[:5])}"
        for label, paths in (("missing", missing), ("repeated", repeated), ("unexpected", stray))
        if paths
    ]
    return f"{sum(counts.values())} requests for {len(want)} endpoints: " + "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.2)
    args = parser.parse_args()
    server = CountingHTTPServer(args.delay)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

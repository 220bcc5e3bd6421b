"""The `sendgrid` channel with 100,000 subscribers: requests, time and peak memory.

A subscribers file of 100,000 addresses is written in a temporary folder and sent once through
`SendGridChannel.send` (the real `sendgrid` client) to the local Mail Send fake
(tests/channels/fakes/sendgrid_server.py), which checks every request like SendGrid does. The
send runs in a child process that does nothing else, so its peak RSS (`ru_maxrss`) is the
channel's alone; the parent, which serves the fake, reports its own peak too.

Target: 100 requests (1000 personalizations each), peak RSS of the sending process < 150 MB.

Run: python benchmarks/bench_sendgrid.py [--subscribers 100000] [--target-mb 150]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

API_KEY = "SG.bench-key-0123456789"
FROM = "status@example.com"


def peak_rss_mb() -> float:
    """This process's peak resident set size (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def write_subscribers(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write("# benchmark subscribers\n")
        for i in range(count):
            out.write(f"subscriber{i:06d}@example.com\n")
    return path


def child(api_base: str, subscribers: str) -> None:
    """Send one delivery to every subscriber; print what it took as one JSON line."""
    from incidentctl.channels.base import Outgoing, SendContext
    from incidentctl.channels.email.sendgrid import SendGridChannel
    from incidentctl.channels.email.settings import SendGridSettings
    from incidentctl.model.records import EventKind, RenderedMessage, Stage
    from incidentctl.model.snapshots import EventSnapshot, IncidentSnapshot

    settings = SendGridSettings.model_validate(
        {
            "api_key": "${SENDGRID_API_KEY}",
            "from_email": FROM,
            "from_name": "Example Status",
            "subscribers_file": subscribers,
            "unsubscribe_url": "https://status.example.com/unsubscribe",
            "api_base": api_base,
        }
    )
    context = SendContext(
        env={"SENDGRID_API_KEY": API_KEY},
        outbox_dir=Path(subscribers).parent / "outbox",
        channel="status-email",
    )
    channel = SendGridChannel("status-email", settings, context, 60.0)
    text = "We are investigating errors at checkout for some customers in the EU.\n" * 5
    declared = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
    outgoing = Outgoing(
        delivery_id=1,
        incident_id="INC-20250101-0001",
        channel="status-email",
        stage=Stage.INVESTIGATING,
        message=RenderedMessage(
            text=text,
            subject="[Investigating] Checkout errors in EU",
            html="<p>" + text.replace("\n", "<br>") + "</p>",
        ),
        incident=IncidentSnapshot(
            id="INC-20250101-0001",
            title="Checkout errors in EU",
            severity="sev1",
            status=Stage.INVESTIGATING,
            declared_at=declared,
        ),
        event=EventSnapshot(EventKind.DECLARED, declared, Stage.INVESTIGATING, "Checkout errors"),
        idempotency_key="INC-20250101-0001-1",
    )
    import sendgrid  # noqa: F401  (the import cost is counted in the baseline, not the send)

    baseline = peak_rss_mb()
    started = time.perf_counter()
    result = channel.send(outgoing)
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "baseline_mb": baseline,
                "peak_mb": peak_rss_mb(),
                "recipients": getattr(result, "recipients", None),
                "remote_id": result.remote_id,
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--target-mb", type=float, default=150.0)
    parser.add_argument("--child", nargs=2, metavar=("API_BASE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0

    from tests.channels.fakes.base_server import Reply, Request
    from tests.channels.fakes.sendgrid_server import SendGridFake

    class TimedFake(SendGridFake):
        """The fake, timing its own work (checking each body against the OpenAPI schema)."""

        handling = 0.0

        def handle(self, request: Request) -> Reply:
            started = time.perf_counter()
            try:
                return super().handle(request)
            finally:
                with self._lock:
                    self.handling += time.perf_counter() - started

    with tempfile.TemporaryDirectory(prefix="bench-sendgrid-") as tmp:
        path = write_subscribers(Path(tmp) / "subscribers.txt", args.subscribers)
        size_mb = path.stat().st_size / (1024 * 1024)
        with TimedFake(API_KEY, keep_bodies=False) as fake:
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, __file__, "--child", fake.url, str(path)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            wall = time.perf_counter() - started
            if done.returncode != 0:
                print(done.stdout + done.stderr, file=sys.stderr)
                return 1
            figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
            paths = sorted({r.path for r in fake.requests})
            requests = len(fake.requests)
            recipients = fake.recipients
            handling = fake.handling

    expected = -(-args.subscribers // 1000)
    ok = requests == expected and recipients == args.subscribers
    ok = ok and figures["peak_mb"] < args.target_mb
    print(f"subscribers           {args.subscribers:,} ({size_mb:.1f} MB file)")
    print(f"requests              {requests} (expected {expected}) to {', '.join(paths)}")
    print(f"recipients accepted   {recipients:,}")
    print(f"send time             {figures['seconds']:.2f} s (child wall {wall:.2f} s)")
    print(f"  of which fake       {handling:.2f} s checking requests (server side)")
    print(f"sender peak RSS       {figures['peak_mb']:.1f} MB (target < {args.target_mb:.0f} MB)")
    print(f"  of which baseline   {figures['baseline_mb']:.1f} MB (interpreter + imports)")
    print(f"fake server peak RSS  {peak_rss_mb():.1f} MB (this process, not counted)")
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

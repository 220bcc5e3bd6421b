"""SendGrid's failures as `DeliveryError`s, and a failure after some requests went out.

One delivery may take several Mail Send requests. If request k fails after requests 1..k-1
were accepted, a retryable failure is a retryable `PartialDeliveryError` (a retry of the
delivery resumes at request k, from its `Progress` in the attempt state the engine keeps) and
any other failure is `uncertain`, so those who already have the e-mail never get it twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from incidentctl.channels.http import retry_after
from incidentctl.channels.redaction import scrub_line
from incidentctl.errors import DeliveryError, PartialDeliveryError


@dataclass
class Progress:
    """The requests of one delivery accepted so far, over its attempts (and runs: it is saved
    in the attempt state as plain JSON, `as_json`)."""

    requests: int = 0
    recipients: int = 0

    @classmethod
    def from_json(cls, value: Any) -> Progress:
        data = value if isinstance(value, dict) else {}
        return cls(int(data.get("requests", 0)), int(data.get("recipients", 0)))

    def as_json(self) -> dict[str, int]:
        return {"requests": self.requests, "recipients": self.recipients}


def partial_failure(
    error: DeliveryError, progress: Progress, index: int, size: int, notes: list[str]
) -> DeliveryError:
    """The error of request `index` (of `size` recipients), told with what already went out."""
    suffix = "".join(f"; {note}" for note in notes)
    if progress.requests == 0:
        error.message = f"{error.message}{suffix}"
        error.args = (error.message,)
        return error
    done = (
        f"{progress.recipients} recipients in requests 1–{progress.requests} were already "
        f"sent; request {index + 1} ({size} recipients) failed: {error.message}{suffix}"
    )
    if error.retryable and not error.uncertain:
        return PartialDeliveryError(
            f"sendgrid: {done}; a retry resumes with request {index + 1}",
            sent=progress.recipients,
            retryable=True,
            retry_after=error.retry_after,
            status=error.status,
        )
    # never re-send to those who already have it: someone decides what to do
    return PartialDeliveryError(
        f"sendgrid: {done}; not retried automatically",
        sent=progress.recipients,
        uncertain=True,
        status=error.status,
    )


def classify(exc: Exception, secrets: Iterable[str], *, now: float) -> DeliveryError:
    """Map an exception of one Mail Send request to a DeliveryError.

    - HTTP 429 / 5xx → retryable (Retry-After or X-RateLimit-Reset), other 4xx → SendGrid's own
      `errors[].message`, not retryable;
    - connection refused, DNS or connect timeout (urllib wraps those in URLError: nothing was
      sent) → retryable;
    - a timeout or dropped connection while waiting for the answer → uncertain (Mail Send has
      no idempotency key: the e-mail may have gone out).
    """
    import http.client
    import ssl
    import urllib.error

    from python_http_client.exceptions import HTTPError as SendGridHTTPError

    if isinstance(exc, SendGridHTTPError):
        return status_error(exc, secrets, now=now)
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        if isinstance(reason, ssl.SSLError):
            return DeliveryError(f"sendgrid: TLS error ({scrub_line(str(reason), secrets)})")
        if isinstance(reason, TimeoutError):
            return DeliveryError("sendgrid: connection timed out", retryable=True)
        detail = scrub_line(str(reason), secrets)
        return DeliveryError(f"sendgrid: connection failed ({detail})", retryable=True)
    if isinstance(exc, TimeoutError):
        return DeliveryError(
            "sendgrid: no response within the timeout; SendGrid may have accepted the e-mail",
            uncertain=True,
        )
    if isinstance(exc, OSError | http.client.HTTPException):
        detail = scrub_line(str(exc) or type(exc).__name__, secrets)
        return DeliveryError(
            f"sendgrid: connection lost before the answer ({detail}); "
            "SendGrid may have accepted the e-mail",
            uncertain=True,
        )
    raise exc


def status_error(exc: Any, secrets: Iterable[str], *, now: float) -> DeliveryError:
    status = int(getattr(exc, "status_code", 0) or 0)
    headers = getattr(exc, "headers", None)
    detail = scrub_line(error_text(getattr(exc, "body", b"")), secrets)
    reason = str(getattr(exc, "reason", "") or "")
    message = f"sendgrid: HTTP {status} {detail or reason}".rstrip()
    if status == 429 or status >= 500:
        wait = None
        if headers is not None:
            wait = retry_after(headers.get("Retry-After"), now=now)
            reset = headers.get("X-RateLimit-Reset")
            if wait is None and reset and reset.strip().isdigit():
                wait = max(0.0, int(reset) - now)
        return DeliveryError(message, retryable=True, retry_after=wait, status=status)
    return DeliveryError(message, status=status)


def error_text(body: bytes | str | None) -> str:
    """SendGrid's `{"errors": [{"message": …, "field": …}]}` as one line."""
    import json

    if not body:
        return ""
    raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        document = json.loads(raw)
    except ValueError:
        return raw
    messages: list[str] = []
    if isinstance(document, dict):
        for error in document.get("errors") or []:
            if isinstance(error, dict) and error.get("message"):
                where = error.get("field")
                text = str(error["message"])
                messages.append(f"{text} ({where})" if where and where != "null" else text)
    return "; ".join(messages) or raw

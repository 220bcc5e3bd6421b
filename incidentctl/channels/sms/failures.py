"""What a send to several numbers ended with, and Twilio's failures as `DeliveryError`s (numbers
masked, secrets scrubbed)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from incidentctl.channels.http import json_object, retry_after
from incidentctl.channels.redaction import scrub_line
from incidentctl.channels.sms.numbers import mask, mask_numbers
from incidentctl.errors import DeliveryError, PartialDeliveryError


@dataclass(frozen=True)
class Failure:
    number: str
    error: DeliveryError


def outcome(numbers: list[str], sent: dict[str, str], failures: list[Failure]) -> DeliveryError:
    """One error for a send in which some numbers failed; see `channel.py`'s docstring."""
    errors = [f.error for f in failures]
    uncertain = any(e.uncertain for e in errors)
    retryable = not uncertain and all(e.retryable for e in errors)
    status = errors[0].status if len({e.status for e in errors}) == 1 else None
    waits = [e.retry_after for e in errors if e.retry_after is not None]
    failed = {f.number: f.error.message for f in failures}
    if len(numbers) == 1:
        detail = errors[0].message
    else:
        parts = [f"{mask(n)} ({message})" for n, message in failed.items()]
        detail = "not sent to " + ", ".join(parts)
    if not sent:
        return DeliveryError(
            f"sms: {detail}",
            retryable=retryable,
            retry_after=max(waits) if retryable and waits else None,
            uncertain=uncertain,
            status=status,
        )
    reached = ", ".join(mask(n) for n in numbers if n in sent)
    message = f"sms: sent to {reached}; {detail}"
    if retryable:
        return PartialDeliveryError(
            f"{message}; a retry only goes to the numbers not reached",
            sent=len(sent),
            retryable=True,
            retry_after=max(waits) if waits else None,
            status=status,
        )
    return PartialDeliveryError(
        f"{message}; not retried automatically so nobody gets it twice",
        sent=len(sent),
        uncertain=True,
        status=status,
    )


def message_sid(response: Any) -> str | None:
    document = json_object(response)
    if document.get("sid"):
        return str(document["sid"])
    return None


def transport_error(exc: Exception, secrets: Iterable[str]) -> DeliveryError:
    """Nothing sent (connect failed or timed out, pool timeout) → retryable; the request may
    have reached Twilio (read timeout, connection lost while waiting) → uncertain."""
    import httpx

    detail = mask_numbers(scrub_line(str(exc) or type(exc).__name__, secrets))
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return DeliveryError(f"Twilio: could not connect ({detail})", retryable=True)
    if isinstance(exc, httpx.WriteError | httpx.WriteTimeout):
        # the request was not completely written: Twilio cannot have acted on it
        return DeliveryError(f"Twilio: sending failed ({detail})", retryable=True)
    if isinstance(exc, httpx.ReadTimeout):
        return DeliveryError(
            "Twilio: no response within the timeout; the SMS may have been sent", uncertain=True
        )
    if isinstance(exc, httpx.TransportError):
        return DeliveryError(
            f"Twilio: connection lost before the answer ({detail}); the SMS may have been sent",
            uncertain=True,
        )
    return DeliveryError(f"Twilio: request failed ({detail})")


def status_error(response: Any, secrets: Iterable[str], *, now: float) -> DeliveryError:
    """Twilio's `{"code": 21211, "message": "…", "more_info": "…", "status": 400}`."""
    status = int(response.status_code)
    document = json_object(response)
    if document.get("message"):
        code = document.get("code")
        text = f"{code}: {document['message']}" if code else str(document["message"])
    else:
        text = response.text or response.reason_phrase
    detail = mask_numbers(scrub_line(text, secrets))
    message = f"Twilio HTTP {status} {detail}".rstrip()
    if status == 429 or status >= 500:
        wait = retry_after(response.headers.get("Retry-After"), now=now)
        return DeliveryError(message, retryable=True, retry_after=wait, status=status)
    if status == 401:
        return DeliveryError(f"{message}; check account_sid and auth_token", status=status)
    return DeliveryError(message, status=status)

"""`webhook`: a signed JSON POST to any HTTP endpoint (chat bridges, internal tools, automations).

Settings (secrets written `${VAR}`, resolved at send time):

- `url` — the endpoint, e.g. `${WEBHOOK_URL}`; https, or http to a loopback host only.
- `secret` — optional HMAC key, e.g. `${WEBHOOK_SECRET}`. Each request then carries
  `X-Incidentctl-Timestamp` (unix seconds) and `X-Incidentctl-Signature: sha256=<hex>`, the
  HMAC-SHA256 of `"{timestamp}.{body}"`. Receivers check it with `verify_signature` and reject
  old timestamps, so a captured request cannot be replayed later.
- `headers` — extra request headers `{name: value}`; values may use `${VAR}`.

The body is `{"event": {kind, message, at, stage}, "incident": {...}, "message": {subject, text,
html}, "delivery_id": n, "idempotency_key": "..."}` and the `Idempotency-Key` header repeats the
key, so a receiver can drop a retried delivery it already has. Any 2xx is success; a JSON `id` in
the response becomes the delivery's remote id.

The module also holds the HTTP error mapping the other httpx-based channels share.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import Field

from incidentctl.channels.base import (
    BaseChannel,
    ChannelSettings,
    DeliveryError,
    Outgoing,
    SendContext,
    SendResult,
    SettingProblem,
    check_url,
    redact_url,
    require_safe_url,
)
from incidentctl.playbook.env import references

if TYPE_CHECKING:
    import httpx

SIGNATURE_HEADER = "X-Incidentctl-Signature"
TIMESTAMP_HEADER = "X-Incidentctl-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# headers incidentctl sets itself: a playbook cannot override them
RESERVED_HEADERS = frozenset(
    name.lower()
    for name in (
        SIGNATURE_HEADER,
        TIMESTAMP_HEADER,
        IDEMPOTENCY_HEADER,
        "Content-Type",
        "Content-Length",
        "Host",
        "Transfer-Encoding",
        "Connection",
    )
)
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
ERROR_TEXT_LIMIT = 200

S = TypeVar("S", bound=ChannelSettings)


class WebhookSettings(ChannelSettings):
    url: str
    secret: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)


class WebhookChannel(BaseChannel):
    type = "webhook"
    message_format = "chat"
    max_length = None
    rate_per_second = None
    settings_model = WebhookSettings

    settings: WebhookSettings

    def __init__(
        self,
        name: str,
        settings: Any,
        context: SendContext,
        timeout: float,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(name, settings, context, timeout)
        self.clock = clock

    @classmethod
    def check_settings(cls, settings: Any) -> Iterator[SettingProblem]:
        settings = yield from validated(WebhookSettings, settings)
        if settings is None:
            return
        yield from check_url(settings.url, "url")
        if settings.secret is not None and "${" not in settings.secret:
            yield SettingProblem(
                "secret", "write the secret as ${WEBHOOK_SECRET}, not literally", "warning"
            )
        for name in settings.headers:
            if not HEADER_NAME.match(name):
                yield SettingProblem(f"headers.{name}", f"invalid HTTP header name {name!r}")
            elif name.lower() in RESERVED_HEADERS:
                yield SettingProblem(f"headers.{name}", f"header {name!r} is set by incidentctl")

    def send(self, outgoing: Outgoing) -> SendResult:
        import httpx

        url = resolve_secret(self.context, self.settings.url, key="url")
        require_safe_url(url, "url", self.name)
        headers = {
            name: resolve_secret(self.context, value, key=f"headers.{name}")
            for name, value in self.settings.headers.items()
        }
        body = encode_body(payload(outgoing))
        headers["Content-Type"] = "application/json"
        if outgoing.idempotency_key:
            headers[IDEMPOTENCY_HEADER] = outgoing.idempotency_key
        if self.settings.secret is not None:
            secret = resolve_secret(self.context, self.settings.secret, key="secret")
            timestamp = str(int(self.clock()))
            headers[TIMESTAMP_HEADER] = timestamp
            headers[SIGNATURE_HEADER] = sign(secret, timestamp, body)
        what = f"webhook {redact_url(url)}"
        secrets = (*self.context.secrets, url)
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
                response = client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise transport_error(exc, what, secrets) from None
        if not response.is_success:
            raise status_error(response, what, secrets, now=self.clock())
        return SendResult(remote_id=response_id(response))


def payload(outgoing: Outgoing) -> dict[str, Any]:
    """The JSON document a webhook receives for one delivery."""
    event = outgoing.event
    return {
        "event": {
            "kind": event.get("kind"),
            "message": event.get("message"),
            "at": event.get("at"),
            "stage": outgoing.stage.value,
        },
        "incident": outgoing.incident,
        "message": outgoing.message.as_dict(),
        "delivery_id": outgoing.delivery_id,
        "idempotency_key": outgoing.idempotency_key,
    }


def encode_body(document: Mapping[str, Any]) -> bytes:
    # the signature covers these exact bytes: encode once, send them unchanged
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>`: HMAC-SHA256 of `"{timestamp}.{body}"` keyed with the shared secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def verify_signature(
    secret: str,
    timestamp: str | int,
    body: bytes | str,
    signature: str,
    *,
    now: float,
    tolerance: float = 300,
) -> bool:
    """True when `signature` signs `body` at `timestamp`, and `timestamp` is within `tolerance`
    seconds of `now` (older requests are replays)."""
    try:
        sent_at = int(str(timestamp).strip())
    except ValueError:
        return False
    if abs(now - sent_at) > tolerance:
        return False
    raw = body.encode() if isinstance(body, str) else body
    expected = sign(secret, str(sent_at), raw)
    return hmac.compare_digest(expected.encode(), signature.strip().encode())


def response_id(response: httpx.Response) -> str | None:
    """The `id` of a JSON object response, if any."""
    try:
        document = response.json()
    except ValueError:
        return None
    if isinstance(document, dict) and document.get("id") not in (None, ""):
        return str(document["id"])
    return None


# --- helpers shared by the httpx-based channels -------------------------------------------------


def validated(model: type[S], settings: Any) -> Generator[SettingProblem, None, S | None]:
    """`settings` as a `model` instance; raw mappings are validated, each error a problem."""
    from pydantic import ValidationError

    if isinstance(settings, model):
        return settings
    try:
        return model.model_validate(settings)
    except ValidationError as exc:
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"]) or "settings"
            yield SettingProblem(key, error["msg"])
        return None


def resolve_secret(context: SendContext, value: str, *, key: str) -> str:
    """Resolve a setting and remember each variable's value as a secret, also when the
    reference is only part of the value (`Bearer ${TOKEN}`), so error texts never show it."""
    resolved = context.resolve(value, key=key)
    for name in references(value):
        if context.env.get(name):
            context.secrets.add(context.env[name])
    return resolved


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Remove secret values (tokens, URLs) from a text meant for users and logs."""
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def clip(text: str, limit: int = ERROR_TEXT_LIMIT) -> str:
    """One line of at most `limit` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` header: delay-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def transport_error(exc: Exception, what: str, secrets: Iterable[str] = ()) -> DeliveryError:
    """Map an httpx exception: a read/write timeout may have been accepted (uncertain); a
    connection refused, reset or closed before any response is safe to retry."""
    import httpx

    detail = clip(scrub(str(exc) or type(exc).__name__, secrets))
    if isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout):
        return DeliveryError(
            f"{what}: no response within the timeout; the service may have accepted it",
            uncertain=True,
        )
    if isinstance(exc, httpx.TimeoutException):  # connect or pool timeout: nothing was sent
        return DeliveryError(f"{what}: connection timed out", retryable=True)
    if isinstance(exc, httpx.TransportError):
        return DeliveryError(f"{what}: connection failed ({detail})", retryable=True)
    return DeliveryError(f"{what}: request failed ({detail})")


def status_error(
    response: httpx.Response,
    what: str,
    secrets: Iterable[str] = (),
    *,
    now: float,
    text: str | None = None,
) -> DeliveryError:
    """Map a non-2xx response: 429 and 5xx are retryable, anything else carries the service's
    own text (`text`, else the body) and is not."""
    status = response.status_code
    text = clip(scrub(response.text if text is None else text, secrets)) or response.reason_phrase
    message = f"{what}: HTTP {status} {text}".rstrip()
    if status == 429 or status >= 500:
        wait = retry_after(response.headers.get("Retry-After"), now=now)
        return DeliveryError(message, retryable=True, retry_after=wait, status=status)
    return DeliveryError(message, status=status)

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
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from incidentctl.channels.base import (
    BaseChannel,
    ChannelSettings,
    Outgoing,
    SendResult,
    SettingProblem,
    check_url,
    redact_url,
    require_safe_url,
)
from incidentctl.channels.http import json_object, request
from incidentctl.channels.secrets import SECRET, SENSITIVE

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


class WebhookSettings(ChannelSettings):
    # the URL may carry the receiver's token in its path or query
    url: Annotated[str, SENSITIVE]
    secret: Annotated[str | None, SECRET] = None
    # values may be credentials (`Authorization`, `X-Api-Key`): which ones, their names say
    headers: Annotated[dict[str, str], SENSITIVE] = Field(default_factory=dict)


class WebhookChannel(BaseChannel[WebhookSettings]):
    type = "webhook"
    message_format = "chat"
    max_length = None
    rate_per_second = None
    settings_model = WebhookSettings

    @classmethod
    def settings_problems(cls, settings: WebhookSettings) -> Iterator[SettingProblem]:
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

    def wire_payload(self, outgoing: Outgoing) -> dict[str, Any] | None:
        return payload(outgoing)

    def send(self, outgoing: Outgoing) -> SendResult:
        url = self.resolve(self.settings.url, key="url")
        require_safe_url(url, "url", self.name)
        headers = {
            name: self.resolve(value, key=f"headers.{name}")
            for name, value in self.settings.headers.items()
        }
        body = encode_body(payload(outgoing))
        headers["Content-Type"] = "application/json"
        if outgoing.idempotency_key:
            headers[IDEMPOTENCY_HEADER] = outgoing.idempotency_key
        if self.settings.secret is not None:
            secret = self.resolve(self.settings.secret, key="secret")
            timestamp = str(int(self.clock()))
            headers[TIMESTAMP_HEADER] = timestamp
            headers[SIGNATURE_HEADER] = sign(secret, timestamp, body)
        response = request(
            self,
            "POST",
            url,
            what=f"webhook {redact_url(url)}",
            secrets=(*self.context.secrets, url),
            content=body,
            headers=headers,
        )
        return SendResult(remote_id=response_id(response))


def payload(outgoing: Outgoing) -> dict[str, Any]:
    """The JSON document a webhook receives for one delivery."""
    return {
        # the stage of the delivery itself, as receivers have always had it
        "event": {**outgoing.event.to_json(), "stage": outgoing.stage.value},
        "incident": outgoing.incident.to_json(),
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
    document = json_object(response)
    if document.get("id") not in (None, ""):
        return str(document["id"])
    return None

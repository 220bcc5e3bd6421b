"""`sendgrid`: incident e-mails through the SendGrid v3 Mail Send API (subject, text and HTML).

Settings (secrets written `${VAR}`, resolved at send time):

- `api_key` — e.g. `${SENDGRID_API_KEY}`: a key with the "Mail Send" permission.
- `from_email` (a verified sender) and optional `from_name`.
- `to` — a list of addresses, and/or `subscribers_file` — a text file with one address per line
  (blank lines and lines starting with `#` are ignored). A relative path is resolved against
  the playbook's folder when the caller passes `base_dir`, else against the working directory.
- `reply_to` — optional reply address.
- `unsubscribe_url` — optional https (or `mailto:`) URL: sent as `List-Unsubscribe`, plus
  `List-Unsubscribe-Post: List-Unsubscribe=One-Click` for https (RFC 8058).
- `api_base` — optional, default `https://api.sendgrid.com` (tests use a loopback fake).

Every recipient gets their own personalization, so each sees only their own address;
addresses are deduplicated case-insensitively and sent in requests of at most 1000
personalizations, built lazily so a 100,000-line subscribers file streams in constant memory.
Invalid addresses are skipped and reported with their line numbers. Subject and header values
never carry CR/LF (no header injection).

Threading: each message carries a deterministic `Message-ID` (the same on every retry of a
delivery) that is returned as the remote id; updates (`outgoing.thread` set) carry
`In-Reply-To` and `References` with the first message's id.

Several requests per delivery: if request k fails after requests 1..k-1 were accepted, a
retryable failure raises `PartialDeliveryError` (retryable; a retry of the same delivery resumes
at request k, from the attempt state the engine keeps for it) and any other failure is
`uncertain` so those who already received the e-mail never get it twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from incidentctl.channels.base import (
    BaseChannel,
    ChannelSettings,
    Outgoing,
    SendResult,
    SettingProblem,
    check_url,
    require_safe_url,
    scrub,
)
from incidentctl.channels.http import api_base_url, clip, retry_after
from incidentctl.channels.secrets import SECRET
from incidentctl.errors import DeliveryError, PartialDeliveryError

DEFAULT_API_BASE = "https://api.sendgrid.com"
# SendGrid accepts at most 1000 personalizations (and 1000 recipients) per request
BATCH_SIZE = 1000
# how many line numbers an "invalid addresses skipped" note lists before summarizing
NOTE_LINES = 10

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TLD = r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})"
EMAIL = re.compile(rf"^{_LOCAL}@(?:{_LABEL}\.)+{_TLD}$")
# CR, LF and the other characters some mail software treats as line breaks
_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")


def is_email(value: str) -> bool:
    """A plain `local@domain.tld` address (no display name, no comments, ASCII only)."""
    return len(value) <= 254 and len(value.partition("@")[0]) <= 64 and bool(EMAIL.match(value))


def clean_header(value: str) -> str:
    """A header value on one line: line breaks become spaces, control characters go."""
    return " ".join(_CONTROL.sub("", _BREAKS.sub(" ", value)).split())


def _is_reference(value: str) -> bool:
    return "${" in value


class SendGridSettings(ChannelSettings):
    api_key: Annotated[str, SECRET]
    from_email: str
    from_name: str = ""
    to: list[str] = Field(default_factory=list)
    subscribers_file: str | None = None
    reply_to: str | None = None
    unsubscribe_url: str | None = None
    api_base: str | None = None

    @field_validator("from_email", "reply_to")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is not None and not _is_reference(value) and not is_email(value.strip()):
            raise ValueError(f"not a valid e-mail address: {value!r}")
        return value

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for index, address in enumerate(value, 1):
            if not _is_reference(address) and not is_email(address.strip()):
                raise ValueError(f"entry {index} is not a valid e-mail address: {address!r}")
        return value

    @field_validator("unsubscribe_url")
    @classmethod
    def _unsubscribe(cls, value: str | None) -> str | None:
        if value is not None and _BREAKS.search(value):
            raise ValueError("must be on one line")
        return value

    @model_validator(mode="after")
    def _recipients(self) -> SendGridSettings:
        if not self.to and not self.subscribers_file:
            raise ValueError("give `to` (a list of addresses) and/or `subscribers_file`")
        return self


@dataclass(frozen=True)
class SendGridResult(SendResult):
    """A SendResult with notes for the user (e.g. invalid addresses that were skipped)."""

    notes: tuple[str, ...] = ()
    recipients: int = 0


# --- subscribers -----------------------------------------------------------------------------


def resolve_path(value: str | Path, base_dir: str | Path | None = None) -> Path:
    """An absolute path as is; a relative one under `base_dir` (the playbook's folder) or the
    working directory."""
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    return Path(base_dir if base_dir is not None else Path.cwd()) / path


def iter_subscriber_lines(path: Path) -> Iterator[tuple[int, str, bool]]:
    """(line number, address, valid) for each non-blank, non-comment line, read lazily."""
    with path.open(encoding="utf-8-sig", errors="replace") as lines:
        for number, line in enumerate(lines, 1):
            address = line.strip()
            if not address or address.startswith("#"):
                continue
            yield number, address, is_email(address)


def read_subscribers(path: str | Path) -> tuple[list[str], list[tuple[int, str]]]:
    """Valid addresses (deduplicated case-insensitively, first spelling kept) and the invalid
    lines as (line number, text). Raises OSError when the file cannot be read."""
    valid: list[str] = []
    invalid: list[tuple[int, str]] = []
    seen: set[str] = set()
    for number, address, ok in iter_subscriber_lines(Path(path)):
        if not ok:
            invalid.append((number, address))
        elif address.lower() not in seen:
            seen.add(address.lower())
            valid.append(address)
    return valid, invalid


def invalid_note(where: str, lines: list[int], unit: str = "line") -> str:
    """`2 invalid addresses skipped (subscribers.txt lines 3, 7)`."""
    count = len(lines)
    shown = ", ".join(str(n) for n in lines[:NOTE_LINES])
    if count > NOTE_LINES:
        shown += f", … (+{count - NOTE_LINES} more)"
    plural = "es" if count != 1 else ""
    units = unit + ("s" if count != 1 else "")
    return f"{count} invalid address{plural} skipped ({where} {units} {shown})"


@dataclass
class _Recipients:
    """Streams unique, valid recipients from `to` then the subscribers file."""

    to: list[str]
    subscribers: Path | None
    invalid_to: list[int] = field(default_factory=list)
    invalid_lines: list[int] = field(default_factory=list)

    def __iter__(self) -> Iterator[str]:
        self.invalid_to.clear()
        self.invalid_lines.clear()
        seen: set[str] = set()
        for index, raw in enumerate(self.to, 1):
            address = raw.strip()
            if not is_email(address):
                self.invalid_to.append(index)
            elif address.lower() not in seen:
                seen.add(address.lower())
                yield address
        if self.subscribers is None:
            return
        for number, address, ok in iter_subscriber_lines(self.subscribers):
            if not ok:
                self.invalid_lines.append(number)
            elif address.lower() not in seen:
                seen.add(address.lower())
                yield address

    def notes(self) -> list[str]:
        notes: list[str] = []
        if self.invalid_to:
            notes.append(invalid_note("to", self.invalid_to, "entry"))
        if self.invalid_lines and self.subscribers is not None:
            notes.append(invalid_note(self.subscribers.name, self.invalid_lines))
        return notes


def batches(addresses: Iterable[str], size: int = BATCH_SIZE) -> Iterator[list[str]]:
    batch: list[str] = []
    for address in addresses:
        batch.append(address)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def message_id(outgoing: Outgoing, from_email: str) -> str:
    """`<INC-42.17.status-email.incidentctl@example.com>`: stable across retries of a delivery,
    in the sender's domain (what spam filters expect)."""
    parts = (outgoing.incident_id, str(outgoing.delivery_id), outgoing.channel, "incidentctl")
    local = ".".join(p for p in (_ID_UNSAFE.sub("-", part).strip("-") for part in parts) if p)
    domain = from_email.rpartition("@")[2].strip().lower()
    if not re.fullmatch(r"[a-z0-9.-]+", domain):
        domain = "incidentctl.invalid"
    return f"<{local}@{domain}>"


def _angle(value: str) -> str:
    """A message id in angle brackets, one token only (nothing can ride along after it)."""
    token = (clean_header(value).split() or [""])[0]
    return token if token.startswith("<") else f"<{token}>"


# --- the channel -----------------------------------------------------------------------------


@dataclass
class _Progress:
    requests: int = 0
    recipients: int = 0


class SendGridChannel(BaseChannel[SendGridSettings]):
    type = "sendgrid"
    message_format = "email"
    max_length = None
    rate_per_second = None
    settings_model = SendGridSettings

    def __init__(self, *args: Any, base_dir: str | Path | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base_dir = base_dir if base_dir is not None else self.context.base_dir

    @classmethod
    def settings_problems(cls, settings: SendGridSettings) -> Iterator[SettingProblem]:
        if not _is_reference(settings.api_key):
            yield SettingProblem(
                "api_key", "write the key as ${SENDGRID_API_KEY}, not literally", "warning"
            )
        if settings.api_base is not None:
            yield from check_url(settings.api_base, "api_base")
        url = settings.unsubscribe_url
        if url is not None and not url.lower().startswith("mailto:"):
            yield from check_url(url, "unsubscribe_url")
        seen: set[str] = set()
        for address in settings.to:
            if address.lower() in seen:
                yield SettingProblem("to", f"{address!r} is listed twice", "warning")
            seen.add(address.lower())
        path = settings.subscribers_file
        if path is not None and not _is_reference(path) and Path(path).expanduser().is_absolute():
            yield from check_subscribers(Path(path).expanduser())

    def send(self, outgoing: Outgoing) -> SendResult:
        settings = self.settings
        resolve = self.resolve
        api_key = resolve(settings.api_key, key="api_key")
        if not api_key:
            raise DeliveryError(f"channel {self.name!r} key 'api_key' is empty")
        host = api_base_url(self, settings.api_base) if settings.api_base else DEFAULT_API_BASE
        from_email = resolve(settings.from_email, key="from_email").strip()
        if not is_email(from_email):
            raise DeliveryError(f"channel {self.name!r}: from_email is not a valid address")
        recipients = _Recipients(
            to=[resolve(a, key="to") for a in settings.to],
            subscribers=self._subscribers_path(),
        )
        if recipients.subscribers is not None and not recipients.subscribers.is_file():
            name = recipients.subscribers.name
            raise DeliveryError(f"sendgrid: subscribers file {name} not found")
        mail_id = message_id(outgoing, from_email)
        base = self._body(outgoing, from_email, mail_id)

        from sendgrid import SendGridAPIClient

        client = SendGridAPIClient(api_key=api_key, host=host)
        client.client.timeout = self.timeout
        # requests accepted by earlier attempts of this delivery: a retry resumes after them
        progress: _Progress = outgoing.attempt.progress.setdefault("batches", _Progress())
        secrets = (*self.context.secrets, api_key)
        total = 0
        try:
            for index, batch in enumerate(batches(recipients)):
                total += len(batch)
                if index < progress.requests:
                    continue  # accepted by an earlier attempt of this delivery
                body = {**base, "personalizations": [{"to": [{"email": a}]} for a in batch]}
                try:
                    client.send(body)
                except Exception as exc:  # python_http_client, urllib and socket errors
                    error = classify(exc, secrets, now=self.clock())
                    failure = self._failure(error, progress, index, len(batch), recipients.notes())
                    raise failure from None
                progress.requests += 1
                progress.recipients += len(batch)
        except OSError as exc:
            if not isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError):
                raise
            raise self._file_error(exc) from None
        notes = recipients.notes()
        if total == 0:
            detail = "; ".join(notes) or "the recipient list is empty"
            raise DeliveryError(f"sendgrid: no valid recipients ({detail})")
        return SendGridResult(remote_id=mail_id, notes=tuple(notes), recipients=total)

    # --- helpers -------------------------------------------------------------------------------

    def _subscribers_path(self) -> Path | None:
        value = self.settings.subscribers_file
        if value is None:
            return None
        resolved = self.resolve(value, key="subscribers_file")
        return resolve_path(resolved, self.base_dir)

    def _file_error(self, exc: OSError) -> DeliveryError:
        name = Path(exc.filename).name if exc.filename else "subscribers file"
        reason = exc.strerror or type(exc).__name__
        return DeliveryError(f"sendgrid: cannot read {name}: {reason}")

    def _body(self, outgoing: Outgoing, from_email: str, mail_id: str) -> dict[str, Any]:
        settings = self.settings
        resolve = self.resolve
        message = outgoing.message
        if not message.text.strip():
            raise DeliveryError("sendgrid: the rendered e-mail text is empty")
        subject = clean_header(message.subject or message.text.strip().splitlines()[0])
        sender: dict[str, str] = {"email": from_email}
        from_name = clean_header(resolve(settings.from_name, key="from_name"))
        if from_name:
            sender["name"] = from_name
        content = [{"type": "text/plain", "value": message.text}]
        if message.html and message.html.strip():
            content.append({"type": "text/html", "value": message.html})
        headers = {"Message-ID": mail_id}
        if outgoing.thread:
            thread = _angle(outgoing.thread)
            headers["In-Reply-To"] = thread
            headers["References"] = thread
        if settings.unsubscribe_url:
            url = clean_header(resolve(settings.unsubscribe_url, key="unsubscribe_url"))
            if not url.lower().startswith("mailto:"):
                require_safe_url(url, "unsubscribe_url", self.name)
                headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
            headers["List-Unsubscribe"] = f"<{url}>"
        body: dict[str, Any] = {
            "from": sender,
            "subject": subject,
            "content": content,
            "headers": headers,
        }
        if settings.reply_to:
            reply_to = clean_header(resolve(settings.reply_to, key="reply_to"))
            if not is_email(reply_to):
                raise DeliveryError(f"channel {self.name!r}: reply_to is not a valid address")
            body["reply_to"] = {"email": reply_to}
        return body

    def _failure(
        self,
        error: DeliveryError,
        progress: _Progress,
        index: int,
        size: int,
        notes: list[str],
    ) -> DeliveryError:
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


def check_subscribers(path: Path) -> Iterator[SettingProblem]:
    """Problems of a subscribers file: unreadable, empty, invalid lines."""
    try:
        valid, invalid = read_subscribers(path)
    except OSError as exc:
        yield SettingProblem("subscribers_file", f"cannot read {path.name}: {exc.strerror}")
        return
    if invalid:
        note = invalid_note(path.name, [number for number, _ in invalid])
        yield SettingProblem("subscribers_file", note, "warning")
    if not valid:
        yield SettingProblem("subscribers_file", f"{path.name} lists no valid address", "warning")


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
            return DeliveryError(f"sendgrid: TLS error ({clip(str(reason))})")
        if isinstance(reason, TimeoutError):
            return DeliveryError("sendgrid: connection timed out", retryable=True)
        detail = clip(scrub(str(reason), secrets))
        return DeliveryError(f"sendgrid: connection failed ({detail})", retryable=True)
    if isinstance(exc, TimeoutError):
        return DeliveryError(
            "sendgrid: no response within the timeout; SendGrid may have accepted the e-mail",
            uncertain=True,
        )
    if isinstance(exc, OSError | http.client.HTTPException):
        detail = clip(scrub(str(exc) or type(exc).__name__, secrets))
        return DeliveryError(
            f"sendgrid: connection lost before the answer ({detail}); "
            "SendGrid may have accepted the e-mail",
            uncertain=True,
        )
    raise exc


def status_error(exc: Any, secrets: Iterable[str], *, now: float) -> DeliveryError:
    status = int(getattr(exc, "status_code", 0) or 0)
    headers = getattr(exc, "headers", None)
    detail = clip(scrub(error_text(getattr(exc, "body", b"")), secrets))
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

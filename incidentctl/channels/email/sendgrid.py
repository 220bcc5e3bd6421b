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
at request k, from the attempt state the engine keeps for it and saves after each accepted
request, so even a run killed between two requests resumes there) and any other failure is
`uncertain` so those who already received the e-mail never get it twice (`failures.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from incidentctl.channels.base import (
    BaseChannel,
    Outgoing,
    SendResult,
    SettingProblem,
    check_url,
)
from incidentctl.channels.email.addresses import is_email, message_id
from incidentctl.channels.email.body import mail_body
from incidentctl.channels.email.failures import Progress, classify, partial_failure
from incidentctl.channels.email.settings import SendGridSettings, is_reference
from incidentctl.channels.email.subscribers import (
    Recipients,
    batches,
    check_subscribers,
    resolve_path,
)
from incidentctl.channels.email.transport import mail_client
from incidentctl.channels.http import api_base_url
from incidentctl.errors import DeliveryError

DEFAULT_API_BASE = "https://api.sendgrid.com"


@dataclass(frozen=True)
class SendGridResult(SendResult):
    """A SendResult with notes for the user (e.g. invalid addresses that were skipped)."""

    notes: tuple[str, ...] = ()
    recipients: int = 0


class SendGridChannel(BaseChannel[SendGridSettings]):
    type = "sendgrid"
    message_format = "email"
    max_length = None
    rate_per_second = None
    # an update outside the e-mail thread reads as a new incident: it waits for the first one
    needs_thread = True
    settings_model = SendGridSettings

    def __init__(self, *args: Any, base_dir: str | Path | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base_dir = base_dir if base_dir is not None else self.context.base_dir

    @classmethod
    def settings_problems(cls, settings: SendGridSettings) -> Iterator[SettingProblem]:
        if not is_reference(settings.api_key):
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
        if path is not None and not is_reference(path) and Path(path).expanduser().is_absolute():
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
        recipients = Recipients(
            to=[resolve(a, key="to") for a in settings.to],
            subscribers=self._subscribers_path(),
        )
        if recipients.subscribers is not None and not recipients.subscribers.is_file():
            name = recipients.subscribers.name
            raise DeliveryError(f"sendgrid: subscribers file {name} not found")
        mail_id = message_id(outgoing, from_email)
        base = mail_body(self, outgoing, from_email, mail_id)

        client = mail_client(api_key, host, self.timeout)
        # requests accepted by earlier attempts (and runs) of this delivery: a retry resumes
        # after them
        attempt = outgoing.attempt
        progress = Progress.from_json(attempt.progress.get("batches"))
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
                    notes = recipients.notes()
                    raise partial_failure(error, progress, index, len(batch), notes) from None
                progress.requests += 1
                progress.recipients += len(batch)
                attempt.progress["batches"] = progress.as_json()
                attempt.save()  # before the next batch: a kill must not lose it
        except OSError as exc:
            if not isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError):
                raise
            raise _file_error(exc) from None
        notes = recipients.notes()
        if total == 0:
            detail = "; ".join(notes) or "the recipient list is empty"
            raise DeliveryError(f"sendgrid: no valid recipients ({detail})")
        return SendGridResult(remote_id=mail_id, notes=tuple(notes), recipients=total)

    def _subscribers_path(self) -> Path | None:
        value = self.settings.subscribers_file
        if value is None:
            return None
        resolved = self.resolve(value, key="subscribers_file")
        return resolve_path(resolved, self.base_dir)


def _file_error(exc: OSError) -> DeliveryError:
    name = Path(exc.filename).name if exc.filename else "subscribers file"
    reason = exc.strerror or type(exc).__name__
    return DeliveryError(f"sendgrid: cannot read {name}: {reason}")

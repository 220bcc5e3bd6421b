"""`sms`: text messages through the Twilio Messages API, one request per recipient (httpx).

Settings (secrets written `${VAR}`, resolved at send time):

- `account_sid` — e.g. `${TWILIO_ACCOUNT_SID}` (`AC…`), also the Basic auth user.
- `auth_token` — e.g. `${TWILIO_AUTH_TOKEN}`, the Basic auth password (or an API key secret).
- `from_number` — an E.164 number or an alphanumeric sender id, or `messaging_service_sid`
  (`MG…`): exactly one of the two.
- `to` — E.164 numbers (`+33612345678`); entries may be `${VAR}` references.
- `api_base` — optional, default `https://api.twilio.com` (tests use a loopback fake).

Length: Twilio accepts a Body of at most 1600 characters, split into segments on the way:
`segments(text)` (`segments.py`) tells GSM-7 (160, or 153 per part; `^{}\\[~]|€` count 2)
from UCS-2 (70, or 67 per part) and how many segments are billed.

Twilio has no idempotency key, so nothing is re-sent blindly: a read timeout or a connection
lost after the request was sent is `uncertain`. Every pending recipient gets one attempt per
`send`; each number that succeeded is recorded in the delivery's attempt state and saved at
once, before the next number (the engine keeps it across retries and the store across runs,
keyed by a digest of the number, not the number), so a retry of the same delivery — even after
the process was killed — only goes to the others. When some recipients
got the message and others did not, the error names both (masked numbers such as
`+33•••••5678`): it is a retryable `PartialDeliveryError` while every failure is transient,
otherwise `uncertain` (never re-sent automatically, so nobody gets the text twice).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated
from urllib.parse import quote

from pydantic import Field, field_validator, model_validator

from incidentctl.channels.base import (
    BaseChannel,
    ChannelSettings,
    Outgoing,
    SendResult,
    SettingProblem,
    check_url,
)
from incidentctl.channels.http import api_base_url, open_client
from incidentctl.channels.redaction import basic_credentials
from incidentctl.channels.secrets import SECRET, SENSITIVE
from incidentctl.channels.sms.failures import (
    Failure,
    message_sid,
    outcome,
    status_error,
    transport_error,
)
from incidentctl.channels.sms.numbers import E164, mask, number_key
from incidentctl.channels.sms.segments import segments
from incidentctl.errors import DeliveryError
from incidentctl.model.records import RenderedMessage

DEFAULT_API_BASE = "https://api.twilio.com"
MAX_BODY = 1600
# an alphanumeric sender id: up to 11 letters, digits and spaces, at least one letter
ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")


def _is_reference(value: str) -> bool:
    return "${" in value


class SmsSettings(ChannelSettings):
    # an account id rather than a credential, but it is in every API path: kept out of errors
    account_sid: Annotated[str, SENSITIVE]
    auth_token: Annotated[str, SECRET]
    from_number: str | None = None
    messaging_service_sid: Annotated[str | None, SENSITIVE] = None
    # phone numbers are personal data: kept out of errors, which show them masked
    to: Annotated[list[str], SENSITIVE] = Field(min_length=1)
    api_base: str | None = None

    @field_validator("to")
    @classmethod
    def _numbers(cls, value: list[str]) -> list[str]:
        for index, number in enumerate(value, 1):
            if not _is_reference(number) and not E164.match(number):
                raise ValueError(
                    f"entry {index} is not an E.164 number like +33612345678: {number!r}"
                )
        return value

    @field_validator("from_number")
    @classmethod
    def _sender(cls, value: str | None) -> str | None:
        if value is None or _is_reference(value):
            return value
        if not (E164.match(value) or ALPHANUMERIC_SENDER.match(value)):
            raise ValueError(
                f"not an E.164 number or an alphanumeric sender id (≤ 11 characters): {value!r}"
            )
        return value

    @field_validator("messaging_service_sid")
    @classmethod
    def _service(cls, value: str | None) -> str | None:
        if value is not None and not _is_reference(value) and not SERVICE_SID.match(value):
            raise ValueError(f"not a Messaging Service SID (MG + 32 hex digits): {value!r}")
        return value

    @model_validator(mode="after")
    def _one_sender(self) -> SmsSettings:
        if (self.from_number is None) == (self.messaging_service_sid is None):
            raise ValueError("give exactly one of `from_number` and `messaging_service_sid`")
        return self


class SmsChannel(BaseChannel[SmsSettings]):
    type = "sms"
    message_format = "short"
    max_length = MAX_BODY
    rate_per_second = None
    settings_model = SmsSettings

    def length_note(self, message: RenderedMessage) -> str | None:
        encoding, count = segments(message.text)
        return f"{count} segment{'s' if count != 1 else ''} ({encoding}) per recipient"

    def measure(self, message: RenderedMessage) -> int:
        return len(message.text)

    @classmethod
    def settings_problems(cls, settings: SmsSettings) -> Iterator[SettingProblem]:
        if not _is_reference(settings.auth_token):
            yield SettingProblem(
                "auth_token", "write the token as ${TWILIO_AUTH_TOKEN}, not literally", "warning"
            )
        sid = settings.account_sid
        if not _is_reference(sid) and not ACCOUNT_SID.match(sid):
            yield SettingProblem("account_sid", "not an Account SID (AC + 32 hex digits)")
        if settings.api_base is not None:
            yield from check_url(settings.api_base, "api_base")
        seen: set[str] = set()
        for number in settings.to:
            if number in seen:
                yield SettingProblem("to", f"{mask(number)} is listed twice", "warning")
            seen.add(number)

    def send(self, outgoing: Outgoing) -> SendResult:
        resolve = self.resolve
        settings = self.settings
        account_sid = resolve(settings.account_sid, key="account_sid")
        auth_token = resolve(settings.auth_token, key="auth_token")
        if not account_sid or not auth_token:
            empty = "account_sid" if not account_sid else "auth_token"
            raise DeliveryError(f"channel {self.name!r} key {empty!r} is empty")
        base = api_base_url(self, settings.api_base) if settings.api_base else DEFAULT_API_BASE
        sender: dict[str, str]
        if settings.messaging_service_sid is not None:
            service = resolve(settings.messaging_service_sid, key="messaging_service_sid")
            sender = {"MessagingServiceSid": service}
        else:
            sender = {"From": resolve(settings.from_number or "", key="from_number")}
        numbers = self._numbers()
        text = outgoing.message.text
        if not text.strip():
            raise DeliveryError("sms: the rendered message is empty")
        if len(text) > MAX_BODY:
            raise DeliveryError(
                f"sms: the message is {len(text)} characters, Twilio's limit is {MAX_BODY}"
            )
        url = f"{base}/2010-04-01/Accounts/{quote(account_sid, safe='')}/Messages.json"
        # the Basic auth header, as a service echoing request headers shows it
        basic = basic_credentials(account_sid, auth_token)
        self.context.secrets.add(basic)
        secrets = (*self.context.secrets, account_sid, auth_token)
        # number key -> message sid, over the attempts and runs: a retry only goes to the
        # numbers not reached
        reached: dict[str, str] = outgoing.attempt.progress.setdefault("sent", {})
        sent = {n: reached[number_key(n)] for n in numbers if number_key(n) in reached}
        failures: list[Failure] = []

        import httpx

        with open_client(self.timeout, auth=(account_sid, auth_token)) as client:
            for number in numbers:
                if number in sent:
                    continue
                try:
                    response = client.post(url, data={"To": number, **sender, "Body": text})
                except httpx.HTTPError as exc:
                    failures.append(Failure(number, transport_error(exc, secrets)))
                    continue
                if response.is_success:
                    sent[number] = reached[number_key(number)] = message_sid(response) or "?"
                    outgoing.attempt.save()  # before the next number: a kill must not lose it
                    continue
                error = status_error(response, secrets, now=self.clock())
                failures.append(Failure(number, error))
                if error.status == 401:
                    # the credentials are wrong: every other number would fail the same way
                    pending = [n for n in numbers if n not in sent and n != number]
                    failures.extend(Failure(n, error) for n in pending)
                    break
        if failures:
            raise outcome(numbers, sent, failures)
        return SendResult(remote_id=",".join(sent[n] for n in numbers))

    def _numbers(self) -> list[str]:
        numbers: list[str] = []
        for index, entry in enumerate(self.settings.to, 1):
            number = self.resolve(entry, key=f"to[{index}]").strip()
            if not E164.match(number):
                raise DeliveryError(
                    f"channel {self.name!r}: to entry {index} is not an E.164 number "
                    f"({mask(number)})"
                )
            if number not in numbers:
                numbers.append(number)
        return numbers

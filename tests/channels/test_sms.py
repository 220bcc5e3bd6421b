"""The sms channel through httpx against a local Twilio Messages API fake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from incidentctl.channels.sms.channel import SmsChannel, SmsSettings
from incidentctl.channels.sms.numbers import mask, mask_numbers
from incidentctl.channels.sms.segments import segments
from incidentctl.errors import DeliveryError, PartialDeliveryError
from incidentctl.model.records import RenderedMessage
from tests.channels.fakes.base_server import Reply, build_channel, make_outgoing
from tests.channels.fakes.twilio_server import ACCOUNT_SID as SID
from tests.channels.fakes.twilio_server import AUTH_TOKEN as TOKEN
from tests.channels.fakes.twilio_server import TwilioFake, twilio_error

ENV = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN}
ALICE, BOB, CAROL = "+33612345678", "+14155550123", "+447700900456"
OPTIONS = {
    "account_sid": "${TWILIO_ACCOUNT_SID}",
    "auth_token": "${TWILIO_AUTH_TOKEN}",
    "from_number": "+15005550006",
    "to": [ALICE],
}


@pytest.fixture
def fake() -> Iterator[TwilioFake]:
    with TwilioFake() as server:
        yield server


def make_channel(
    tmp_path: Path, api_base: str, *, env: dict[str, str] = ENV, **options: Any
) -> SmsChannel:
    options = {**OPTIONS, "api_base": api_base, **options}
    return build_channel(SmsChannel, options, env, tmp_path, name="oncall-sms", clock=1_000_000.0)


# --- segments --------------------------------------------------------------------------------


def test_gsm7_segments() -> None:
    assert segments("Checkout is down.") == ("GSM-7", 1)
    assert segments("é" * 160) == ("GSM-7", 1)
    assert segments("a" * 161) == ("GSM-7", 2)
    assert segments("a" * 306) == ("GSM-7", 2)
    assert segments("a" * 307) == ("GSM-7", 3)
    assert segments("") == ("GSM-7", 0)


def test_gsm7_extension_characters_count_two() -> None:
    assert segments("€" * 80) == ("GSM-7", 1)  # 160 septets
    assert segments("€" * 81) == ("GSM-7", 2)
    assert segments("{}[]~|^\\") == ("GSM-7", 1)
    # an escape pair is never split: 152 + 2 does not fit 153, the € starts part two
    assert segments("a" * 152 + "€" + "a" * 151) == ("GSM-7", 2)
    assert segments("a" * 152 + "€" + "a" * 152) == ("GSM-7", 3)


def test_ucs2_segments() -> None:
    assert segments("Panne résolue ✓") == ("UCS-2", 1)
    assert segments("ê" * 70) == ("UCS-2", 1)
    assert segments("ê" * 71) == ("UCS-2", 2)
    assert segments("ê" * 134) == ("UCS-2", 2)
    assert segments("ê" * 135) == ("UCS-2", 3)
    # emoji outside the BMP take two UTF-16 units and are not split
    assert segments("😀" * 35) == ("UCS-2", 1)
    assert segments("😀" * 36) == ("UCS-2", 2)


def test_measure_is_characters_against_1600(tmp_path: Path) -> None:
    channel = make_channel(tmp_path, "http://127.0.0.1:9")
    assert channel.measure(RenderedMessage(text="Panne 😀")) == 7
    assert SmsChannel.max_length == 1600 and SmsChannel.message_format == "short"


def test_masking() -> None:
    assert mask(ALICE) == "+33•••••5678"
    assert mask(BOB) == "+14•••••0123"
    assert mask_numbers(f"The 'To' number {ALICE} is not valid (21211)") == (
        "The 'To' number +33•••••5678 is not valid (21211)"
    )


# --- success ---------------------------------------------------------------------------------


def test_one_request_per_recipient(tmp_path: Path, fake: TwilioFake) -> None:
    channel = make_channel(tmp_path, fake.url, to=[ALICE, BOB, ALICE])
    result = channel.send(make_outgoing("INC-1 checkout down"))

    assert [m.to for m in fake.messages] == [ALICE, BOB]
    assert all(
        m.sender == "+15005550006" and m.body == "INC-1 checkout down" for m in fake.messages
    )
    assert result.remote_id == ",".join(m.sid for m in fake.messages)
    request = fake.requests[0]
    assert request.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")


def test_messaging_service_sender(tmp_path: Path, fake: TwilioFake) -> None:
    service = "MG" + "f" * 32
    channel = make_channel(tmp_path, fake.url, from_number=None, messaging_service_sid=service)
    channel.send(make_outgoing())
    assert fake.messages[0].sender == service


def test_numbers_from_the_environment(tmp_path: Path, fake: TwilioFake) -> None:
    channel = make_channel(
        tmp_path, fake.url, env={**ENV, "ONCALL_PHONE": BOB}, to=["${ONCALL_PHONE}"]
    )
    channel.send(make_outgoing())
    assert [m.to for m in fake.messages] == [BOB]


# --- errors ----------------------------------------------------------------------------------


def test_invalid_number_carries_twilio_text_masked(tmp_path: Path, fake: TwilioFake) -> None:
    fake.replies_for[ALICE] = Reply(
        400, twilio_error(400, 21211, f"The 'To' number {ALICE} is not a valid phone number.")
    )
    with pytest.raises(DeliveryError) as caught:
        make_channel(tmp_path, fake.url).send(make_outgoing())
    error = caught.value
    assert not error.retryable and not error.uncertain and error.status == 400
    assert "21211: The 'To' number +33•••••5678 is not a valid phone number." in error.message
    assert ALICE not in error.message


def test_partial_transient_failure_retries_only_the_rest(tmp_path: Path, fake: TwilioFake) -> None:
    channel = make_channel(tmp_path, fake.url, to=[ALICE, BOB, CAROL])
    fake.replies_for[BOB] = Reply(503, twilio_error(503, 20503, "Service Unavailable"))
    outgoing = make_outgoing()
    with pytest.raises(PartialDeliveryError) as caught:
        channel.send(outgoing)
    error = caught.value
    assert error.retryable and not error.uncertain and error.sent == 2
    assert "sent to +33•••••5678, +44•••••0456" in error.message
    assert "not sent to +14•••••0123 (Twilio HTTP 503" in error.message

    del fake.replies_for[BOB]
    result = channel.send(outgoing)  # the engine's retry of the same delivery
    assert [m.to for m in fake.messages] == [ALICE, CAROL, BOB]
    assert result.remote_id is not None and len(result.remote_id.split(",")) == 3


def test_partial_permanent_failure_is_uncertain(tmp_path: Path, fake: TwilioFake) -> None:
    channel = make_channel(tmp_path, fake.url, to=[ALICE, BOB])
    fake.replies_for[BOB] = Reply(
        400, twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")
    )
    with pytest.raises(DeliveryError) as caught:
        channel.send(make_outgoing())
    error = caught.value
    assert error.uncertain and not error.retryable
    assert "sent to +33•••••5678" in error.message
    assert "+14•••••0123 (Twilio HTTP 400 21610: Attempt to send to unsubscribed" in error.message
    assert BOB not in error.message and ALICE not in error.message


def test_number_from_env_must_be_e164(tmp_path: Path, fake: TwilioFake) -> None:
    channel = make_channel(tmp_path, fake.url, env={**ENV, "P": "0612345678"}, to=["${P}"])
    with pytest.raises(DeliveryError, match=r"to entry 1 is not an E\.164 number"):
        channel.send(make_outgoing())
    assert fake.requests == []


# --- settings --------------------------------------------------------------------------------


def base_options(**options: Any) -> dict[str, Any]:
    return {**OPTIONS, **options}


@pytest.mark.parametrize("number", ["0612345678", "+0612345678", "+33 6 12 34 56 78", "+1234"])
def test_to_must_be_e164(number: str) -> None:
    with pytest.raises(ValidationError, match=r"E\.164"):
        SmsSettings.model_validate(base_options(to=[number]))


def test_exactly_one_sender() -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        SmsSettings.model_validate(base_options(messaging_service_sid="MG" + "0" * 32))
    with pytest.raises(ValidationError, match="exactly one"):
        SmsSettings.model_validate(base_options(from_number=None))
    assert SmsSettings.model_validate(base_options(from_number="AcmeStatus"))


def test_check_settings() -> None:
    problems = list(
        SmsChannel.check_settings(base_options(account_sid="ACnope", to=[ALICE, ALICE]))
    )
    assert {(p.key, p.level) for p in problems} == {("account_sid", "error"), ("to", "warning")}
    assert all(ALICE not in p.message for p in problems)

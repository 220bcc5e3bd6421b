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
from incidentctl.errors import DeliveryError, MissingSecret, PartialDeliveryError
from incidentctl.model.records import RenderedMessage
from tests.channels.fakes.base_server import Reply, build_channel, closed_port_url, make_outgoing
from tests.channels.fakes.twilio_server import TwilioFake, twilio_error

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "twilio-token-0123456789"
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
    with TwilioFake(SID, TOKEN) as server:
        yield server


def make_channel(
    tmp_path: Path,
    api_base: str,
    *,
    env: dict[str, str] = ENV,
    timeout: float = 5.0,
    **options: Any,
) -> SmsChannel:
    options = {**OPTIONS, "api_base": api_base, **options}
    return build_channel(
        SmsChannel, options, env, tmp_path, name="oncall-sms", timeout=timeout, clock=1_000_000.0
    )


def assert_no_secrets(error: BaseException) -> None:
    assert TOKEN not in str(error) and SID not in str(error)


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


def test_rate_limited_is_retryable(tmp_path: Path, fake: TwilioFake) -> None:
    fake.fail_next(Reply(429, twilio_error(429, 20429, "Too Many Requests"), {"Retry-After": "3"}))
    with pytest.raises(DeliveryError) as caught:
        make_channel(tmp_path, fake.url).send(make_outgoing())
    error = caught.value
    assert (error.retryable, error.uncertain, error.retry_after, error.status) == (
        True,
        False,
        3.0,
        429,
    )
    assert "20429: Too Many Requests" in error.message


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retryable(tmp_path: Path, fake: TwilioFake, status: int) -> None:
    fake.fail_next(Reply(status, twilio_error(status, 20500, "Internal Server Error")))
    with pytest.raises(DeliveryError) as caught:
        make_channel(tmp_path, fake.url).send(make_outgoing())
    assert caught.value.retryable and caught.value.status == status


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


def test_too_long_body_is_refused_before_sending(tmp_path: Path, fake: TwilioFake) -> None:
    with pytest.raises(DeliveryError, match="1601 characters"):
        make_channel(tmp_path, fake.url).send(make_outgoing("a" * 1601))
    assert fake.requests == []


def test_wrong_token_stops_and_is_not_echoed(tmp_path: Path, fake: TwilioFake) -> None:
    env = {**ENV, "TWILIO_AUTH_TOKEN": "wrong-token-424242"}
    channel = make_channel(tmp_path, fake.url, env=env, to=[ALICE, BOB])
    with pytest.raises(DeliveryError) as caught:
        channel.send(make_outgoing())
    error = caught.value
    assert error.status == 401 and not error.retryable and not error.uncertain
    assert "20003: Authenticate" in error.message
    assert "wrong-token-424242" not in error.message
    assert len(fake.requests) == 1  # the second number is not tried with the same credentials


def test_read_timeout_is_uncertain(tmp_path: Path, fake: TwilioFake) -> None:
    fake.accept_slowly = 2.0
    with pytest.raises(DeliveryError) as caught:
        make_channel(tmp_path, fake.url, timeout=0.3).send(make_outgoing())
    assert caught.value.uncertain and not caught.value.retryable
    assert len(fake.messages) == 1  # it was sent: a blind retry would send it twice


def test_connection_lost_before_the_answer_is_uncertain(tmp_path: Path, fake: TwilioFake) -> None:
    fake.fail_next(Reply(drop=True))
    with pytest.raises(DeliveryError) as caught:
        make_channel(tmp_path, fake.url).send(make_outgoing())
    assert caught.value.uncertain
    assert_no_secrets(caught.value)


def test_connection_refused_is_retryable(tmp_path: Path) -> None:
    with pytest.raises(DeliveryError) as caught:
        make_channel(tmp_path, closed_port_url()).send(make_outgoing())
    assert caught.value.retryable and not caught.value.uncertain
    assert_no_secrets(caught.value)


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


def test_missing_env_var_names_the_variable(tmp_path: Path, fake: TwilioFake) -> None:
    with pytest.raises(MissingSecret) as caught:
        make_channel(tmp_path, fake.url, env={"TWILIO_ACCOUNT_SID": SID}).send(make_outgoing())
    assert "TWILIO_AUTH_TOKEN" in str(caught.value)
    assert "oncall-sms" in str(caught.value)
    assert fake.requests == []


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
        SmsChannel.check_settings(
            base_options(
                account_sid="ACnope",
                auth_token="literal-token",
                to=[ALICE, ALICE],
                api_base="http://twilio.example.com",
            )
        )
    )
    assert {(p.key, p.level) for p in problems} == {
        ("account_sid", "error"),
        ("auth_token", "warning"),
        ("to", "warning"),
        ("api_base", "error"),
    }
    assert all(ALICE not in p.message for p in problems)
    assert list(SmsChannel.check_settings(base_options())) == []

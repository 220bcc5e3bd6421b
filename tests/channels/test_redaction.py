"""`scrub`: secrets out of service texts in every encoding, and the thresholds that keep error
codes readable."""

from __future__ import annotations

import base64
import json

import pytest

from incidentctl.channels.base import SendResult
from incidentctl.channels.redaction import (
    LINE_LIMIT,
    basic_credentials,
    scrub,
    scrub_line,
    scrubbed,
    secret_parts,
)

HOOK = "https://ops:Pw7x@hooks.example.com/services/T0AB12CD/B0EF34GH/Xy9kLmN0pQrS?sig=a%2Fb%2Bc%3D&page=2"
TOKEN = "Xy9kLmN0pQrS"


@pytest.mark.parametrize(
    "echoed",
    [
        "Xy9kLmN0pQrS",  # as written
        "%58%79%39%6B%4C%6D%4E%30%70%51%72%53",  # every character percent-encoded
        "%58%79%39%6b%4c%6d%4e%30%70%51%72%53",  # lower-case hex
        "%2558%2579%2539kLmN0pQrS",  # encoded twice
        "\\u0058\\u0079\\u0039kLmN0pQrS",  # JSON escapes
        "\\u0058y9k&#76;&#x6d;N0pQrS",  # JSON and HTML mixed
    ],
)
def test_a_path_token_is_redacted_in_any_encoding(echoed: str) -> None:
    assert scrub(f"no hook {echoed} here", [HOOK]) == "no hook *** here"


@pytest.mark.parametrize(
    "echoed",
    [
        "/services/T0AB12CD/B0EF34GH/Xy9kLmN0pQrS",
        "%2Fservices%2FT0AB12CD%2FB0EF34GH%2FXy9kLmN0pQrS",
        "%2fservices%2fT0AB12CD%2fB0EF34GH%2fXy9kLmN0pQrS",
        "\\/services\\/T0AB12CD\\/B0EF34GH\\/Xy9kLmN0pQrS",
        "\\u002fservices\\u002FT0AB12CD/B0EF34GH/Xy9kLmN0pQrS",
        "&#x2F;services&#47;T0AB12CD&sol;B0EF34GH&#x002f;Xy9kLmN0pQrS",
    ],
)
def test_an_echoed_request_path_is_redacted_whole(echoed: str) -> None:
    # Spring Boot's default error body, the path as the service wrote it
    body = '{"status":500,"error":"Internal Server Error","path":"' + echoed + '"}'
    assert json.loads(scrub(body, [HOOK]))["path"] == "***"


@pytest.mark.parametrize(
    "echoed",
    ["a/b+c=", "a%2Fb%2Bc%3D", "a%2fb%2bc%3d", "a\\/b\\u002bc\\u003d", "a&#x2F;b&#43;c&#61;"],
)
def test_a_query_value_is_redacted_decoded_or_encoded(echoed: str) -> None:
    assert scrub(f"bad sig {echoed}.", [HOOK]) == "bad sig ***."


def test_a_space_may_come_back_as_a_plus() -> None:
    assert scrub("token=Bearer+abc+def1", ["Bearer abc def1"]) == "token=***"


def test_the_user_and_password_and_their_basic_header_are_redacted() -> None:
    header = base64.b64encode(b"ops:Pw7x").decode()
    assert basic_credentials("ops", "Pw7x") == header.rstrip("=")
    assert scrub(f"Authorization: Basic {header}", [HOOK]) == "Authorization: Basic ***="
    assert scrub("login ops:Pw7x@hooks refused", [HOOK]) == "login ***@hooks refused"
    assert scrub("login ops%3APw7x%40hooks", [HOOK]) == "login ***%40hooks"


def test_a_short_secret_is_redacted_where_it_stands_alone_only() -> None:
    # shorter than ANYWHERE: not where letters or digits touch it (an escape does not count)
    assert (
        scrub("key Pw7x, Pw7xy, aPw7x, %3APw7x%40", ["Pw7x"]) == "key ***, Pw7xy, aPw7x, %3A***%40"
    )
    assert scrub("code 1 of 12", ["1"]) == "code *** of 12"


def test_a_long_secret_is_redacted_even_inside_a_word() -> None:
    assert scrub("idXy9kLmN0pQrS2", [TOKEN]) == "id***2"


def test_route_words_versions_and_short_values_of_a_url_stay() -> None:
    url = "https://x.example.com/workflows/abc/hooks?api-version=2016-06-01&sv=1.0&page=2"
    parts = secret_parts(url)
    assert {"workflows", "hooks", "abc", "2016-06-01", "1.0", "2"}.isdisjoint(parts)
    text = "no_active_hooks: api-version 2016-06-01 (sv 1.0) page 2 of workflows"
    assert scrub(text, [url]) == text


def test_a_phone_number_is_redacted_with_or_without_its_plus() -> None:
    text = "To=%2B33612345678 (+33612345678, 33612345678)"
    assert scrub(text, ["+33612345678"]) == "To=*** (***, ***)"


def test_a_secret_beyond_ascii_is_redacted_in_its_encodings() -> None:
    text = 'p%C3%A4ss-w%C3%B6rter "p\\u00e4ss-w\\u00f6rter" päss-wörter'
    assert scrub(text, ["päss-wörter"]) == '*** "***" ***'


def test_overlapping_secrets_leave_nothing_of_either() -> None:
    assert scrub("[AAAAxxxxyyyyBBBB]", ["AAAAxxxxyyyy", "xxxyyyyBBBB"]) == "[***]"


def test_a_line_never_shows_part_of_a_secret_cut_by_its_bound() -> None:
    # so many secrets first that a bound on the text scanned would fall inside the last one
    secret = "s3cr3t-" + "k" * 40
    text = f"{secret} " * 5000 + "then " + secret + " end"
    line = scrub_line(text, [secret])
    assert "s3cr3t" not in line and "kkkk" not in line
    assert len(line) <= LINE_LIMIT


def test_what_a_service_returns_on_success_is_scrubbed_too() -> None:
    result = SendResult(
        remote_id="msg-Xy9kLmN0pQrS",
        link="https://status.example.com/i/Xy9kLmN0pQrS",
        notes=("posted by hook Xy9kLmN0pQrS",),
    )
    clean = scrubbed(result, [HOOK])
    assert (clean.remote_id, clean.link, clean.notes) == (
        "msg-***",
        "https://status.example.com/i/***",
        ("posted by hook ***",),
    )

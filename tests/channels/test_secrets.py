"""Secret and sensitive settings as the models declare them, and the redaction that follows."""

from __future__ import annotations

from pathlib import Path

import pytest

from incidentctl.channels.email.sendgrid import SendGridChannel, SendGridSettings
from incidentctl.channels.redaction import scrub, secret_parts
from incidentctl.channels.secrets import is_redacted, secret_keys, sensitive_keys
from incidentctl.channels.slack.channel import SlackSettings
from incidentctl.channels.sms.channel import SmsChannel, SmsSettings
from incidentctl.channels.webhook import WebhookChannel, WebhookSettings
from tests.channels.fakes.base_server import make_context


def test_models_declare_their_secrets() -> None:
    assert secret_keys(SlackSettings) == {"webhook_url", "bot_token"}
    assert sensitive_keys(SlackSettings) == frozenset()
    assert secret_keys(SmsSettings) == {"auth_token"}
    assert sensitive_keys(SmsSettings) == {"account_sid", "messaging_service_sid", "to"}
    assert secret_keys(WebhookSettings) == {"secret"}
    assert sensitive_keys(WebhookSettings) == {"url", "headers"}


@pytest.mark.parametrize(
    ("key", "redacted"),
    [("auth_token", True), ("to[2]", True), ("account_sid", True), ("from_number", False)],
)
def test_an_item_of_a_setting_is_redacted_as_the_setting(key: str, redacted: bool) -> None:
    assert is_redacted(SmsSettings, key) is redacted


def test_resolved_secrets_and_sensitive_values_are_redacted_others_not(tmp_path: Path) -> None:
    env = {"HOOK": "https://hooks.example.com/s3cr3t-path", "TEAM": "ops-team", "KEY": "k-1234"}
    context = make_context(env, tmp_path)
    hook = WebhookChannel("hook", WebhookSettings(url="${HOOK}"), context, 5.0)
    assert hook.resolve("${HOOK}", key="url") == env["HOOK"]
    assert hook.resolve("${TEAM}", key="headers.X-Team") == "ops-team"
    assert context.secrets == {env["HOOK"], "ops-team"}

    mail_context = make_context(env, tmp_path)
    settings = SendGridSettings(api_key="${KEY}", from_email="ops@example.com", to=["a@b.co"])
    mail = SendGridChannel("mail", settings, mail_context, 5.0)
    mail.resolve("${KEY}", key="api_key")
    mail.resolve("${TEAM}", key="from_name")
    assert mail_context.secrets == {"k-1234"}


def test_a_literal_setting_is_not_added_to_the_redactions(tmp_path: Path) -> None:
    context = make_context({}, tmp_path)
    sms = SmsChannel(
        "pager",
        SmsSettings(
            account_sid="AC" + "0" * 32,
            auth_token="x",
            from_number="+15550100",
            to=["+33612345678"],
        ),
        context,
        5.0,
    )
    sms.resolve("+33612345678", key="to[1]")  # redacted only once it comes from ${VAR}
    assert context.secrets == set()


def test_the_parts_of_a_secret_url_are_redacted_alone() -> None:
    url = "https://hooks.slack.com/services/T0001/B0001/fakewebhooksecret42"
    text = (
        "no_service: POST /services/T0001/B0001/fakewebhooksecret42; "
        "hook fakewebhooksecret42 of B0001 in T0001; no_active_hooks"
    )
    assert scrub(text, [url]) == "no_service: POST ***; hook *** of *** in ***; no_active_hooks"


def test_query_values_user_and_password_of_a_secret_url_are_redacted() -> None:
    url = "https://bot:pa55word@example.com/flows/run?sig=s1gn%2Fature&api-version=1&mode=fast"
    parts = secret_parts(url)
    assert {"s1gn%2Fature", "s1gn/ature", "bot", "pa55word"} <= parts
    assert scrub("bad sig s1gn/ature, mode fast", [url]) == "bad sig ***, mode fast"


def test_a_value_that_is_not_a_url_is_redacted_whole() -> None:
    assert secret_parts("Bearer abc/def") == {"Bearer abc/def"}
    assert scrub("token k-1234 and k-12", ["k-1234"]) == "token *** and k-12"

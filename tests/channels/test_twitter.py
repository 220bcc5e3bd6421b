"""The twitter channel through the real tweepy client against a local X API v2 fake."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from incidentctl.channels.twitter import TwitterChannel, weighted_length
from incidentctl.errors import DeliveryError, MissingSecret
from incidentctl.model.records import RenderedMessage
from tests.channels.fakes.base_server import Reply, build_channel, closed_port_url, make_outgoing
from tests.channels.fakes.x_server import XFake, problem

ENV = {
    "X_CONSUMER_KEY": "ck-test-0123456789",
    "X_CONSUMER_SECRET": "cs-test-0123456789",
    "X_ACCESS_TOKEN": "at-test-0123456789",
    "X_ACCESS_TOKEN_SECRET": "ats-test-0123456789",
}
OPTIONS = {
    "consumer_key": "${X_CONSUMER_KEY}",
    "consumer_secret": "${X_CONSUMER_SECRET}",
    "access_token": "${X_ACCESS_TOKEN}",
    "access_token_secret": "${X_ACCESS_TOKEN_SECRET}",
}


@pytest.fixture
def fake() -> Iterator[XFake]:
    with XFake(*ENV.values()) as server:
        yield server


def make_channel(
    tmp_path: Path,
    api_base: str,
    *,
    env: dict[str, str] = ENV,
    timeout: float = 5.0,
    clock: float = 1_700_000_000.0,
    **options: Any,
) -> TwitterChannel:
    options = {**OPTIONS, "api_base": api_base, **options}
    return build_channel(
        TwitterChannel, options, env, tmp_path, name="x", timeout=timeout, clock=clock
    )


def assert_no_secrets(error: BaseException) -> None:
    for secret in ENV.values():
        assert secret not in str(error)


def test_posts_with_oauth1_user_context(tmp_path: Path, fake: XFake) -> None:
    result = make_channel(tmp_path, fake.url).send(make_outgoing("Checkout errors in EU."))

    assert len(fake.posts) == 1
    post = fake.posts[0]
    assert post.text == "Checkout errors in EU." and post.in_reply_to is None
    assert result.remote_id == post.id
    assert result.link == f"https://x.com/i/status/{post.id}"
    # the fake verified the HMAC-SHA1 signature against https://api.twitter.com/2/tweets
    assert fake.requests[0].headers["authorization"].startswith("OAuth ")
    assert fake.requests[0].json() == {"text": "Checkout errors in EU."}


def test_update_replies_to_the_thread(tmp_path: Path, fake: XFake) -> None:
    channel = make_channel(tmp_path, fake.url)
    first = channel.send(make_outgoing("Investigating checkout errors."))
    assert first.remote_id is not None
    channel.send(make_outgoing("Fix deployed, monitoring.", thread=first.remote_id))

    assert fake.posts[1].in_reply_to == first.remote_id
    assert fake.requests[1].json()["reply"] == {"in_reply_to_tweet_id": first.remote_id}


def test_weighted_length_counts_urls_as_23_and_emoji_as_2(tmp_path: Path) -> None:
    url = "https://status.example.com/incidents/INC-20250101-001/a/very/long/path"
    assert weighted_length(f"See {url}") == 4 + 23
    assert weighted_length("🔥") == 2
    assert weighted_length("障害") == 4
    assert weighted_length("abc") == 3
    channel = make_channel(tmp_path, "http://127.0.0.1:9")
    assert channel.measure(RenderedMessage(text=f"Down 🔥 {url}")) == 5 + 2 + 1 + 23
    assert TwitterChannel.max_length == 280
    assert TwitterChannel.message_format == "short"


def test_too_long_is_refused_before_sending(tmp_path: Path, fake: XFake) -> None:
    with pytest.raises(DeliveryError, match="281 weighted characters") as caught:
        make_channel(tmp_path, fake.url).send(make_outgoing("a" * 279 + "🔥"))
    assert not caught.value.retryable
    assert fake.requests == []


def test_duplicate_is_a_clear_non_retryable_error(tmp_path: Path, fake: XFake) -> None:
    channel = make_channel(tmp_path, fake.url)
    channel.send(make_outgoing("Same words."))
    with pytest.raises(DeliveryError) as caught:
        channel.send(make_outgoing("Same words.", delivery_id=2))
    error = caught.value
    assert error.message.startswith("X rejected a duplicate post")
    assert (error.retryable, error.uncertain, error.status) == (False, False, 403)


def test_duplicate_after_a_lost_connection_is_sent_with_its_id_unknown(
    tmp_path: Path, fake: XFake
) -> None:
    channel = make_channel(tmp_path, fake.url)
    outgoing = make_outgoing("Posted, but the answer was lost.")
    fake.drop_after_accept = True
    with pytest.raises(DeliveryError) as caught:
        channel.send(outgoing)
    assert caught.value.retryable and not caught.value.uncertain
    result = channel.send(outgoing)  # the engine's retry: X refuses the duplicate
    assert result.remote_id is None
    assert "an earlier attempt had posted it; its post id is unknown" in result.notes[0]
    assert len(fake.posts) == 1


def test_a_refused_attempt_leaves_a_later_duplicate_an_error(tmp_path: Path, fake: XFake) -> None:
    """An attempt X answered posted nothing: a duplicate refusal later is about another post."""
    channel = make_channel(tmp_path, fake.url)
    channel.send(make_outgoing("Same words."))
    outgoing = make_outgoing("Same words.", delivery_id=2)
    fake.fail_next(Reply(503, problem(503, "Service Unavailable", "over capacity")))
    with pytest.raises(DeliveryError):
        channel.send(outgoing)
    with pytest.raises(DeliveryError, match="X rejected a duplicate post"):
        channel.send(outgoing)


def test_updates_chain_under_the_latest_post(tmp_path: Path, fake: XFake) -> None:
    channel = make_channel(tmp_path, fake.url)
    first = channel.send(make_outgoing("Investigating checkout errors."))
    second = channel.send(make_outgoing("Root cause found.", thread=first.remote_id))
    chained = dataclasses.replace(
        make_outgoing("Fix deployed.", thread=first.remote_id), reply_to=second.remote_id
    )
    channel.send(chained)
    assert [p.in_reply_to for p in fake.posts] == [None, first.remote_id, second.remote_id]


def test_rate_limit_uses_the_reset_header(tmp_path: Path, fake: XFake) -> None:
    fake.fail_next(
        Reply(
            429,
            problem(429, "Too Many Requests", "Too Many Requests"),
            {"x-rate-limit-reset": "1700000042"},
        )
    )
    with pytest.raises(DeliveryError) as caught:
        make_channel(tmp_path, fake.url, clock=1_700_000_000.0).send(make_outgoing())
    error = caught.value
    assert (error.retryable, error.retry_after, error.status) == (True, 42.0, 429)


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retryable(tmp_path: Path, fake: XFake, status: int) -> None:
    fake.fail_next(Reply(status, problem(status, "Service Unavailable", "over capacity")))
    with pytest.raises(DeliveryError) as caught:
        make_channel(tmp_path, fake.url).send(make_outgoing())
    assert caught.value.retryable and caught.value.status == status


def test_bad_credentials_give_an_auth_message(tmp_path: Path, fake: XFake) -> None:
    env = {**ENV, "X_CONSUMER_SECRET": "cs-wrong-secret-42"}
    with pytest.raises(DeliveryError) as caught:
        make_channel(tmp_path, fake.url, env=env).send(make_outgoing())
    error = caught.value
    assert error.status == 401 and not error.retryable
    assert "X refused the credentials (401)" in error.message
    assert "cs-wrong-secret-42" not in error.message
    assert_no_secrets(error)
    assert fake.posts == []


def test_forbidden_carries_the_service_text(tmp_path: Path, fake: XFake) -> None:
    fake.fail_next(
        Reply(403, problem(403, "Forbidden", "You are not permitted to perform this action."))
    )
    with pytest.raises(DeliveryError) as caught:
        make_channel(tmp_path, fake.url).send(make_outgoing())
    assert "You are not permitted to perform this action." in caught.value.message
    assert not caught.value.retryable


def test_reply_to_unknown_post_is_a_bad_request(tmp_path: Path, fake: XFake) -> None:
    with pytest.raises(DeliveryError) as caught:
        make_channel(tmp_path, fake.url).send(make_outgoing(thread="1234567890"))
    assert caught.value.status == 400 and not caught.value.retryable
    assert "does not exist" in caught.value.message


def test_read_timeout_is_uncertain(tmp_path: Path, fake: XFake) -> None:
    fake.accept_slowly = 2.0
    with pytest.raises(DeliveryError) as caught:
        make_channel(tmp_path, fake.url, timeout=0.3).send(make_outgoing())
    assert caught.value.uncertain and not caught.value.retryable
    assert len(fake.posts) == 1


def test_connection_refused_is_retryable(tmp_path: Path) -> None:
    with pytest.raises(DeliveryError) as caught:
        make_channel(tmp_path, closed_port_url()).send(make_outgoing())
    assert caught.value.retryable and not caught.value.uncertain
    assert_no_secrets(caught.value)


def test_missing_env_var_names_the_variable(tmp_path: Path, fake: XFake) -> None:
    env = {k: v for k, v in ENV.items() if k != "X_ACCESS_TOKEN_SECRET"}
    with pytest.raises(MissingSecret) as caught:
        make_channel(tmp_path, fake.url, env=env).send(make_outgoing())
    assert "X_ACCESS_TOKEN_SECRET" in str(caught.value)
    assert_no_secrets(caught.value)
    assert fake.requests == []


def test_check_settings() -> None:
    problems = list(
        TwitterChannel.check_settings(
            {**OPTIONS, "consumer_secret": "literal", "api_base": "http://x.example.com"}
        )
    )
    assert {(p.key, p.level) for p in problems} == {
        ("consumer_secret", "warning"),
        ("api_base", "error"),
    }
    assert list(TwitterChannel.check_settings(OPTIONS)) == []


@pytest.mark.parametrize(
    "text",
    [
        "Investigating: API down. Follow https://status.acme.example for updates.",
        "Short",
        "Un incident est en cours. Suivez https://statut.nuage-acme.example · réf. INC-1",
        "日本語のテキスト 🚨 and © ® marks, see example.com/a.b",
        "🧑‍💻 status.acme.example x.co",
        "#️⃣ keycap and emoji 👍🏽",
    ],
)
def test_length_bound_never_underestimates(text: str) -> None:
    from incidentctl.channels.twitter import weighted_length, weighted_length_bound

    assert weighted_length_bound(text) >= weighted_length(text)


@pytest.mark.parametrize("text", ["see t.co now", "a.co b.co c.co", "http://127.0.0.1:8080/x"])
def test_length_bound_holds_for_short_urls(text: str) -> None:
    from incidentctl.channels.twitter import weighted_length, weighted_length_bound

    assert weighted_length_bound(text) >= weighted_length(text)

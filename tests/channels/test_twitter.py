"""The twitter channel through the real tweepy client against a local X API v2 fake."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from incidentctl.channels.twitter import (
    EXACT_CHARS,
    MAX_WEIGHTED_LENGTH,
    TwitterChannel,
    weighted_length,
)
from incidentctl.errors import DeliveryError
from incidentctl.model.records import RenderedMessage
from tests.channels.fakes.base_server import Reply, build_channel, make_outgoing
from tests.channels.fakes.x_server import ENV, OPTIONS, XFake, problem


@pytest.fixture
def fake() -> Iterator[XFake]:
    with XFake() as server:
        yield server


def make_channel(tmp_path: Path, api_base: str) -> TwitterChannel:
    options = {**OPTIONS, "api_base": api_base}
    return build_channel(TwitterChannel, options, ENV, tmp_path, name="x", clock=1_700_000_000.0)


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


def test_a_megabyte_is_over_the_limit_at_once() -> None:
    """Past EXACT_CHARS no text fits, even all URLs (each at most 4,096 characters for 23):
    a lower bound over the limit instead of seconds of twitter-text."""
    urls = " ".join(["https://example.com/" + "a" * 4000] * 12)  # 12 URLs: 12 * 23 + 11
    assert len(urls) < EXACT_CHARS and weighted_length(urls) == 12 * 23 + 11
    started = time.process_time()
    length = weighted_length("x" * 1_000_000)
    assert time.process_time() - started < 0.1
    assert MAX_WEIGHTED_LENGTH < length <= 1_000_000


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


def test_reply_to_unknown_post_is_a_bad_request(tmp_path: Path, fake: XFake) -> None:
    with pytest.raises(DeliveryError) as caught:
        make_channel(tmp_path, fake.url).send(make_outgoing(thread="1234567890"))
    assert caught.value.status == 400 and not caught.value.retryable
    assert "does not exist" in caught.value.message


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

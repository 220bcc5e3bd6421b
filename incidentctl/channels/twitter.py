"""`twitter`: public status posts on X through the API v2 (`POST /2/tweets`) with tweepy.

Settings (secrets written `${VAR}`, resolved at send time) — OAuth 1.0a user context, the
"Consumer Keys" and "Access Token and Secret" of an app with Read and Write permission:

- `consumer_key` — e.g. `${X_CONSUMER_KEY}` (the developer portal's "API Key").
- `consumer_secret` — e.g. `${X_CONSUMER_SECRET}` ("API Key Secret").
- `access_token` — e.g. `${X_ACCESS_TOKEN}`.
- `access_token_secret` — e.g. `${X_ACCESS_TOKEN_SECRET}`.
- `api_base` — optional; tweepy hard-codes `https://api.twitter.com`, so a `requests` adapter
  mounted on the client's session rewrites that prefix (tests point it at a loopback fake). The
  same adapter enforces the channel timeout, which tweepy does not set.

Length is X's weighted length (`twitter-text-parser`: URLs count 23, most CJK characters and
emoji count 2) against 280.

Threading: updates reply to the channel's latest post for the incident whose id is known
(`outgoing.reply_to`, else the first post, `outgoing.thread`), so the thread is a chain that
reads in order. While the first post is unconfirmed, updates wait for it (`needs_thread`).

Errors: 429 → retryable, `retry_after` from `x-rate-limit-reset`; 5xx and connection failures
→ retryable; a read timeout → uncertain; a redirect is not followed (an error of its status);
401 → credentials refused; 403 duplicate content → "X rejected a duplicate post" (not
retryable). But when an earlier attempt of the same delivery
may have posted it (its request went out and no answer came back: a lost connection, a timeout,
a killed run — recorded in the attempt state and saved before each request), X's refusal of the
duplicate means that attempt went out: the delivery is sent, its post id unknown (said in its
note), and the next update replies to the last post whose id is known.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Annotated, Any

from incidentctl.channels.base import (
    BaseChannel,
    ChannelSettings,
    Outgoing,
    SendResult,
    SettingProblem,
    check_url,
    is_loopback,
)
from incidentctl.channels.client_logs import quiet_client_logs
from incidentctl.channels.http import api_base_url, retry_after
from incidentctl.channels.redaction import scrub_line
from incidentctl.channels.secrets import SECRET, secret_keys
from incidentctl.errors import DeliveryError
from incidentctl.model.records import RenderedMessage

TWITTER_HOST = "https://api.twitter.com"
MAX_WEIGHTED_LENGTH = 280
# attempt-state key: an earlier attempt of the delivery may have posted it (its request went
# out and no answer said it did not)
MAYBE_POSTED = "maybe_posted"
POSTED_UNKNOWN_ID = (
    "X refused the re-send as a duplicate: an earlier attempt had posted it; its post id is "
    "unknown, so the next update replies to the last known post"
)


class TwitterSettings(ChannelSettings):
    consumer_key: Annotated[str, SECRET]
    consumer_secret: Annotated[str, SECRET]
    access_token: Annotated[str, SECRET]
    access_token_secret: Annotated[str, SECRET]
    api_base: str | None = None


# the OAuth 1.0a credentials, in the order the settings declare them
SECRET_KEYS = tuple(
    key for key in TwitterSettings.model_fields if key in secret_keys(TwitterSettings)
)


# twitter-text v3: code points in these ranges weigh 1, all others 2; a URL weighs 23
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
# light code points that can also be emoji on their own (counted 2 as emoji)
_EMOJI_LIGHT = frozenset({0xA9, 0xAE})
_URL_CANDIDATE = re.compile(r"\.[^\W_]")
URL_WEIGHT = 23
# the shortest URL twitter-text recognises, e.g. "t.co", weighs at least 4
MIN_URL_WEIGHT = 4


def weighted_length_bound(text: str) -> int:
    """A cheap upper bound of `weighted_length`, without importing twitter_text: a URL has a
    dot followed by a letter or digit (its TLD), weighs at least 4 as characters and 23 as a
    URL, so each candidate adds at most 19."""
    urls = (URL_WEIGHT - MIN_URL_WEIGHT) * len(_URL_CANDIDATE.findall(text))
    if len(text) > MAX_WEIGHTED_LENGTH:  # over the limit anyway: 2 a character will do
        return 2 * len(text) + urls
    chars = sum(
        1
        if ord(c) not in _EMOJI_LIGHT and any(lo <= ord(c) <= hi for lo, hi in _LIGHT_RANGES)
        else 2
        for c in text
    )
    return chars + urls


# twitter-text takes a URL of at most this many characters for one (weighing 23): every
# character weighs at least URL_WEIGHT / MAX_URL_CHARS, so past EXACT_CHARS characters a text
# is over MAX_WEIGHTED_LENGTH whatever it holds
MAX_URL_CHARS = 4096
EXACT_CHARS = MAX_WEIGHTED_LENGTH * MAX_URL_CHARS // URL_WEIGHT


def weighted_length(text: str) -> int:
    """Length as X counts it (twitter-text rules: URLs 23, emoji and CJK 2). Past EXACT_CHARS
    characters, a lower bound already over the limit: twitter-text takes seconds on a
    megabyte, which a playbook's long value can make a message."""
    if len(text) > EXACT_CHARS:
        return -(-len(text) * URL_WEIGHT // MAX_URL_CHARS)
    from twitter_text import parse_tweet

    return int(parse_tweet(text).weightedLength)


class _RedirectAdapter:
    """A `requests` transport adapter that rewrites tweepy's hard-coded host to `target` and
    applies a timeout (tweepy sends without one). Duck-typed: `send` and `close`."""

    def __init__(self, inner: Any, source: str, target: str | None, timeout: float) -> None:
        self.inner = inner
        self.source = source
        self.target = target
        self.timeout = timeout

    def send(self, request: Any, **kwargs: Any) -> Any:
        # the OAuth 1.0a signature was computed on the original URL, as X verifies it
        if self.target and str(request.url).startswith(self.source):
            request.url = self.target + str(request.url)[len(self.source) :]
            host = request.url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
            if is_loopback(host):
                kwargs["proxies"] = {}
        kwargs["timeout"] = self.timeout
        return self.inner.send(request, **kwargs)

    def close(self) -> None:
        self.inner.close()


class TwitterChannel(BaseChannel[TwitterSettings]):
    type = "twitter"
    message_format = "short"
    max_length = MAX_WEIGHTED_LENGTH
    rate_per_second = None
    # an update posted outside the reply chain cannot be moved into it: it waits for the root
    needs_thread = True
    settings_model = TwitterSettings

    def measure(self, message: RenderedMessage) -> int:
        return weighted_length(message.text)

    def length_bound(self, message: RenderedMessage) -> int | None:
        return weighted_length_bound(message.text)

    @classmethod
    def settings_problems(cls, settings: TwitterSettings) -> Iterator[SettingProblem]:
        for key in SECRET_KEYS:
            if "${" not in getattr(settings, key):
                hint = f"${{X_{key.upper()}}}"
                yield SettingProblem(key, f"write it as {hint}, not literally", "warning")
        if settings.api_base is not None:
            yield from check_url(settings.api_base, "api_base")

    def send(self, outgoing: Outgoing) -> SendResult:
        credentials = {
            key: self.resolve(getattr(self.settings, key), key=key) for key in SECRET_KEYS
        }
        for name, value in credentials.items():
            if not value:
                raise DeliveryError(f"channel {self.name!r} key {name!r} is empty")
        api_base = self.settings.api_base
        target = api_base_url(self, api_base) if api_base else None
        text = outgoing.message.text
        if not text.strip():
            raise DeliveryError("X: the rendered post is empty")
        length = weighted_length(text)
        if length > MAX_WEIGHTED_LENGTH:
            raise DeliveryError(f"X: the post is {length} weighted characters, the limit is 280")

        import requests
        import tweepy

        quiet_client_logs()
        client = tweepy.Client(**credentials)
        # requests would follow a redirect (a POST as a GET, to any host): answer it instead
        client.session.max_redirects = 0
        client.session.mount(
            TWITTER_HOST,
            _RedirectAdapter(requests.adapters.HTTPAdapter(), TWITTER_HOST, target, self.timeout),
        )
        attempt = outgoing.attempt
        maybe_posted = bool(attempt.progress.get(MAYBE_POSTED))
        attempt.progress[MAYBE_POSTED] = True
        attempt.save()  # before the request: a run killed while it is out leaves it recorded
        secrets = (*self.context.secrets, *credentials.values())
        reply_to = outgoing.reply_to or outgoing.thread
        try:
            response = client.create_tweet(
                text=text, in_reply_to_tweet_id=reply_to or None, user_auth=True
            )
        except tweepy.HTTPException as exc:
            attempt.progress[MAYBE_POSTED] = maybe_posted  # X answered: this one posted nothing
            if maybe_posted and _is_duplicate(exc):
                return SendResult(notes=(POSTED_UNKNOWN_ID,))
            raise self._http_error(exc, secrets) from None
        except requests.exceptions.RequestException as exc:
            error, reached = self._transport_error(exc, secrets)
            if not reached:
                attempt.progress[MAYBE_POSTED] = maybe_posted
            raise error from None
        finally:
            client.session.close()
        attempt.progress.pop(MAYBE_POSTED, None)
        data = response.data if isinstance(response.data, dict) else {}
        post_id = str(data.get("id") or "")
        if not post_id:
            raise DeliveryError("X: the answer carries no post id", uncertain=True)
        return SendResult(remote_id=post_id, link=f"https://x.com/i/status/{post_id}")

    def _http_error(self, exc: Any, secrets: Iterable[str]) -> DeliveryError:
        import tweepy

        response = exc.response
        status = int(getattr(response, "status_code", 0) or 0)
        texts = [str(m) for m in exc.api_messages] or [str(getattr(response, "reason", ""))]
        detail = scrub_line("; ".join(t for t in texts if t), secrets)
        headers = getattr(response, "headers", {}) or {}
        if isinstance(exc, tweepy.TooManyRequests | tweepy.TwitterServerError):
            wait = retry_after(headers.get("Retry-After"), now=self.clock())
            if isinstance(exc, tweepy.TooManyRequests):
                reason = "X rate limit reached (429)"
                if exc.reset_time is not None:  # when X's rate-limit window ends
                    wait = max(0.0, float(exc.reset_time) - self.clock())
            else:
                reason = f"X server error ({status})"
            return DeliveryError(
                f"{reason}: {detail}", retryable=True, retry_after=wait, status=status
            )
        if isinstance(exc, tweepy.Unauthorized):
            return DeliveryError(
                f"X refused the credentials (401): {detail}; check the consumer key/secret and "
                "the access token/secret",
                status=status,
            )
        if _is_duplicate(exc):
            return DeliveryError(f"X rejected a duplicate post (403): {detail}", status=status)
        return DeliveryError(f"X refused the post ({status}): {detail}", status=status)

    def _transport_error(
        self, exc: Exception, secrets: Iterable[str]
    ) -> tuple[DeliveryError, bool]:
        """The error, and whether the request may have reached X (and been posted)."""
        import requests

        if isinstance(exc, requests.exceptions.TooManyRedirects):
            status = int(getattr(exc.response, "status_code", 0) or 0)
            error = DeliveryError(f"X answered a redirect ({status}): not followed", status=status)
            return error, False
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return DeliveryError("X: connection timed out", retryable=True), False
        if isinstance(exc, requests.exceptions.Timeout):
            return DeliveryError(
                "X: no response within the timeout; the post may have been published",
                uncertain=True,
            ), True
        if isinstance(exc, requests.exceptions.ConnectionError):
            from urllib3.exceptions import NewConnectionError

            reason = getattr(exc.args[0], "reason", None) if exc.args else None
            if isinstance(reason, NewConnectionError):
                detail = scrub_line(str(reason), secrets)
                error = DeliveryError(f"X: could not connect ({detail})", retryable=True)
                return error, False
            # lost after sending: X refuses exact duplicates, so a retry is safe, and a
            # duplicate answer to it means this attempt had posted it
            detail = scrub_line(str(exc) or type(exc).__name__, secrets)
            return DeliveryError(f"X: connection lost ({detail})", retryable=True), True
        detail = scrub_line(str(exc) or type(exc).__name__, secrets)
        return DeliveryError(f"X: request failed ({detail})"), True


def _is_duplicate(exc: Any) -> bool:
    """X's 403 for a post whose text the account already posted."""
    import tweepy

    texts = " ".join(str(m) for m in exc.api_messages).lower()
    return isinstance(exc, tweepy.Forbidden) and "duplicate" in texts

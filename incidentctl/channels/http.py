"""What the HTTP channels share: one request with its failures mapped to `DeliveryError` as the
channel contract says, error texts without secrets, and webhook URL settings.

httpx is imported inside the functions that send, so importing this module stays cheap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Container, Iterator
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

from incidentctl.channels.base import (
    BaseChannel,
    ChannelSettings,
    SettingProblem,
    check_url,
    is_loopback,
    require_safe_url,
)
from incidentctl.channels.client_logs import quiet_client_logs
from incidentctl.channels.redaction import scrub_line
from incidentctl.channels.secrets import SENSITIVE
from incidentctl.errors import DeliveryError
from incidentctl.playbook.env import references

if TYPE_CHECKING:
    import ssl

    import httpx


def retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` header: delay-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def transport_error(
    exc: Exception, what: str, secrets: Collection[str] = (), *, idempotent: bool = False
) -> DeliveryError:
    """Map an httpx exception: nothing sent is retryable, a timeout after sending uncertain."""
    import httpx

    detail = scrub_line(str(exc) or type(exc).__name__, secrets)
    if isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout):
        # the service may have acted on it: only an idempotent request is safe to repeat
        return DeliveryError(
            f"{what}: no response within the timeout; the service may have accepted it",
            retryable=idempotent,
            uncertain=not idempotent,
        )
    if isinstance(exc, httpx.TimeoutException):  # connect or pool timeout: nothing was sent
        return DeliveryError(f"{what}: connection timed out", retryable=True)
    if isinstance(exc, httpx.TransportError):
        return DeliveryError(f"{what}: connection failed ({detail})", retryable=True)
    return DeliveryError(f"{what}: request failed ({detail})")


def status_error(
    response: httpx.Response,
    what: str,
    secrets: Collection[str] = (),
    *,
    now: float,
    text: str | None = None,
    rate_limited: Container[int] = (429,),
) -> DeliveryError:
    """Map a non-2xx answer: rate limits and 5xx are retryable, others carry the service's text."""
    status = response.status_code
    text = scrub_line(response.text if text is None else text, secrets) or response.reason_phrase
    message = f"{what}: HTTP {status} {text}".rstrip()
    if status in rate_limited or status >= 500:
        wait = retry_after(response.headers.get("Retry-After"), now=now)
        return DeliveryError(message, retryable=True, retry_after=wait, status=status)
    return DeliveryError(message, status=status)


_TLS_LOCK = threading.Lock()
_TLS: list[ssl.SSLContext] = []  # filled on first use: lint never pays for ssl


def tls_context() -> ssl.SSLContext:
    """One verifying TLS context for every channel: building one loads the CA bundle, which
    costs more than a fast webhook call and would serialise a fan-out on the GIL."""
    with _TLS_LOCK:
        if not _TLS:
            import ssl

            import certifi

            _TLS.append(ssl.create_default_context(cafile=certifi.where()))
        return _TLS[0]


def open_client(timeout: float, **options: Any) -> httpx.Client:
    """An httpx client that never follows redirects: a redirect must not carry our secrets."""
    import httpx

    quiet_client_logs()
    if "verify" not in options:  # not `setdefault`: it would load the CA bundle for plain http
        options["verify"] = tls_context()
    return httpx.Client(timeout=timeout, follow_redirects=False, **options)


_SHARED_LOCK = threading.Lock()
_SHARED: dict[bool, httpx.Client] = {}  # plain http or not -> the process's client for it


def shared_client(*, plain: bool) -> httpx.Client:
    """The process's client for requests without options of their own, so a fan-out builds one
    client, not one per channel (a few milliseconds of GIL each). It keeps no connection alive,
    so every request has a fresh one, as with a client of its own: a POST is never put on a
    connection the server may be closing, where it could be lost or sent twice. Plain http
    (loopback only, see `check_url`) has no TLS: no CA bundle is loaded for it. Each request
    passes its channel's timeout; the client's own is never used."""
    import httpx

    with _SHARED_LOCK:
        if plain not in _SHARED:
            keep_none = httpx.Limits(max_connections=None, max_keepalive_connections=0)
            tls = {"verify": False} if plain else {}
            _SHARED[plain] = open_client(30.0, limits=keep_none, **tls)
        return _SHARED[plain]


def exchange(
    channel: BaseChannel[Any],
    method: str,
    url: str,
    *,
    what: str,
    secrets: Collection[str],
    client: httpx.Client | None = None,
    idempotent: bool = False,
    **options: Any,
) -> httpx.Response:
    """Send one request and return any answer; a failure before an answer raises DeliveryError."""
    import httpx

    try:
        if client is not None:
            return client.request(method, url, **options)
        shared = shared_client(plain=url[:7].lower() == "http://")
        return shared.request(method, url, timeout=channel.timeout, **options)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise transport_error(exc, what, secrets, idempotent=idempotent) from None


def request(
    channel: BaseChannel[Any],
    method: str,
    url: str,
    *,
    what: str,
    secrets: Collection[str],
    detail: Callable[[httpx.Response], str] | None = None,
    rate_limited: Container[int] = (429,),
    **options: Any,
) -> httpx.Response:
    """`exchange`, and a non-2xx answer raises DeliveryError too, with the text `detail` reads."""
    response = exchange(channel, method, url, what=what, secrets=secrets, **options)
    if response.is_success:
        return response
    text = detail(response) if detail is not None else None
    now = channel.clock()
    raise status_error(response, what, secrets, now=now, text=text, rate_limited=rate_limited)


def api_base_url(channel: BaseChannel[Any], setting: str) -> str:
    """The resolved `api_base` setting, without a trailing slash, refused unless safe."""
    base = channel.resolve(setting, key="api_base").rstrip("/")
    return require_safe_url(base, "api_base", channel.name)


def json_body(response: httpx.Response) -> Any:
    """The decoded JSON body, or None when the body is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The JSON body when it is an object, else an empty dict."""
    data = json_body(response)
    return data if isinstance(data, dict) else {}


def literal_secret_problems(value: str, key: str) -> Iterator[SettingProblem]:
    """An error for a key or token written into the playbook instead of as `${ENV_VAR}`."""
    if not references(value):
        yield SettingProblem(
            key, "write the key as ${ENV_VAR}: secrets do not belong in the playbook"
        )


# --- webhook URLs (Teams, Discord, Mattermost): the URL itself is the secret --------------------


class WebhookUrlSettings(ChannelSettings):
    """Settings of a channel that posts to a webhook URL; types add their own keys."""

    # the URL carries the webhook's token; written literally, it is refused by the type's own
    # check unless it points at this machine (`webhook_url_problems`)
    url: Annotated[str, SENSITIVE]
    # replaces the webhook URL's scheme and host (tests, proxies); path and query are kept
    api_base: str | None = None


def webhook_url_problems(settings: WebhookUrlSettings) -> Iterator[SettingProblem]:
    """A literal webhook URL is a secret in the playbook, unless it points at this machine."""
    url = settings.url
    if not references(url):
        yield from check_url(url, "url")
        if not is_loopback(urlsplit(url).hostname or ""):
            yield SettingProblem("url", "write the webhook URL as ${ENV_VAR}: it is a secret")
    if settings.api_base is not None:
        yield from check_url(settings.api_base, "api_base")


def webhook_target(channel: BaseChannel[Any], settings: WebhookUrlSettings) -> str:
    """The resolved webhook URL; `api_base` replaces its scheme and host (tests, proxies)."""
    url = channel.resolve(settings.url, key="url")
    require_safe_url(url, "url", channel.name)
    if settings.api_base is None:
        return url
    parts = urlsplit(url)
    base = api_base_url(channel, settings.api_base)
    return base + parts.path + (f"?{parts.query}" if parts.query else "")

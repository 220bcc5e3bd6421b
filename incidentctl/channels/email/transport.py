"""SendGrid's own client (python-http-client over urllib), made never to follow a redirect.

urllib follows a 302 answer to a POST as a GET to wherever `Location` says, with every request
header but the content ones — `Authorization: Bearer <api key>` included — so a redirect to
another host would hand it the key, and its 200 would read as an e-mail sent. A redirect is an
error here, as it is for the httpx channels (`http.open_client`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from incidentctl.channels.client_logs import quiet_client_logs


def mail_client(api_key: str, host: str, timeout: float) -> Any:
    """A `SendGridAPIClient` for `host` whose requests raise on a redirect (an `HTTPError` of
    its status, which `failures.classify` maps like any other refusal)."""
    from sendgrid import SendGridAPIClient

    quiet_client_logs()
    client = SendGridAPIClient(api_key=api_key, host=host)
    client.client = _refusing_client()(
        host=client.host, request_headers=client._default_headers, version=3, timeout=timeout
    )
    return client


@cache
def _refusing_client() -> type[Any]:
    import urllib.request

    import python_http_client

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None  # urllib then raises the 3xx as an HTTPError

    class RefusingClient(python_http_client.Client):  # type: ignore[misc]
        """Each call builds a new client for the next URL segment (`.mail.send.post`): keep
        the class, and open with an opener that does not follow redirects."""

        def _build_client(self, name: str | None = None) -> Any:
            built = super()._build_client(name)
            built.__class__ = RefusingClient
            return built

        def _make_request(self, opener: Any, request: Any, timeout: float | None = None) -> Any:
            return super()._make_request(urllib.request.build_opener(NoRedirect), request, timeout)

    return RefusingClient

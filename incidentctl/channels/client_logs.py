"""The client libraries' own logs, kept free of secrets for a process that turns logging on.

incidentctl configures no logging, so by default none of this is written anywhere. But a
program embedding it with `logging.basicConfig(level=logging.DEBUG)` would get, from httpx at
INFO, `HTTP Request: POST <the webhook URL, token and all>`; at DEBUG, from python-http-client
the request headers (SendGrid's API key) and bodies, from requests-oauthlib the signed
`Authorization` header (X's consumer key and access token), from tweepy and httpcore the
service's answer (an echo of all that, a `Location` quoting the request). Those libraries'
records below WARNING are dropped, and URLs in httpx's keep only their scheme and host.
"""

from __future__ import annotations

import logging
import re
from functools import cache

from incidentctl.channels.base import redact_url

# loggers (and their children) whose records below WARNING may carry credentials
CHATTY = ("httpcore", "python_http_client", "requests_oauthlib", "oauthlib", "tweepy")
URL = re.compile(r"https?://[^\s\"'<>]+")


class _RedactUrls(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = URL.sub(lambda match: redact_url(match.group()), message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


@cache
def quiet_client_logs() -> None:
    """Install the above, once per process (before the first request a channel makes)."""
    for name in CHATTY:
        logger = logging.getLogger(name)
        # its own level, not the effective one: a root level set later must not lower it
        logger.setLevel(max(logger.level, logging.WARNING))
    logging.getLogger("httpx").addFilter(_RedactUrls())

"""A local X API v2 `POST /2/tweets` (operation createPosts) that checks requests like X does.

Requests must carry a valid OAuth 1.0a user-context `Authorization: OAuth …` header: the
HMAC-SHA1 signature is verified against the public URL `https://api.twitter.com/2/tweets`
(what the client signs and X checks, whatever host the request was redirected to). Bodies are
validated against `CreatePostsRequest` of the published OpenAPI description
(tests/specs/x-api-v2.openapi.json, MIT, see LICENSE-xdk). Duplicate text answers 403 like X;
success is 201 `{"data": {"id", "text", "edit_history_tweet_ids"}}`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote, unquote

from tests.channels.fakes.base_server import FakeServer, Reply, Request, openapi_spec

PUBLIC_HOST = "https://api.twitter.com"
OAUTH_PARAM = re.compile(r'(\w+)="([^"]*)"')
# the OAuth 1.0a credentials the fake accepts, by the twitter channel's setting names, and the
# settings and environment of a channel that uses them
CREDENTIALS = {
    "consumer_key": "ck-test-0123456789",
    "consumer_secret": "cs-test-0123456789",
    "access_token": "at-test-0123456789",
    "access_token_secret": "ats-test-0123456789",
}
OPTIONS = {key: f"${{X_{key.upper()}}}" for key in CREDENTIALS}
ENV = {f"X_{key.upper()}": value for key, value in CREDENTIALS.items()}
REQUIRED_OAUTH = (
    "oauth_consumer_key",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
    "oauth_timestamp",
    "oauth_token",
    "oauth_version",
)


@cache
def request_validator() -> Any:
    """An OpenAPI 3.0 validator for the createPosts request body (refs resolved in the spec)."""
    from openapi_schema_validator import OAS30Validator

    spec = openapi_spec("x-api-v2.openapi.json")
    operation = spec["paths"]["/2/tweets"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return OAS30Validator({**schema, "components": spec["components"]})


def _pct(value: str) -> str:
    return quote(value, safe="~-._")


def oauth_signature(
    method: str, url: str, params: dict[str, str], consumer_secret: str, token_secret: str
) -> str:
    """RFC 5849 HMAC-SHA1 signature of a request (JSON bodies are not part of it)."""
    pairs = sorted((_pct(k), _pct(v)) for k, v in params.items())
    normalized = "&".join(f"{k}={v}" for k, v in pairs)
    base = "&".join((method.upper(), _pct(url), _pct(normalized)))
    key = f"{_pct(consumer_secret)}&{_pct(token_secret)}"
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def problem(status: int, title: str, detail: str, kind: str = "about:blank") -> dict[str, Any]:
    return {"title": title, "detail": detail, "type": kind, "status": status}


@dataclass(frozen=True)
class Post:
    id: str
    text: str
    in_reply_to: str | None


class XFake(FakeServer):
    def __init__(
        self,
        consumer_key: str = CREDENTIALS["consumer_key"],
        consumer_secret: str = CREDENTIALS["consumer_secret"],
        access_token: str = CREDENTIALS["access_token"],
        access_token_secret: str = CREDENTIALS["access_token_secret"],
    ) -> None:
        super().__init__()
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.access_token = access_token
        self.access_token_secret = access_token_secret
        self.posts: list[Post] = []
        self.accept_slowly = 0.0
        # post the next message, then close the connection without answering
        self.drop_after_accept = False
        self._next_id = 1_870_000_000_000_000_001

    def handle(self, request: Request) -> Reply:
        if request.path != "/2/tweets" or request.method != "POST":
            return Reply(404, problem(404, "Not Found", "not found"))
        refused = self.check_oauth(request)
        if refused:
            return Reply(401, problem(401, "Unauthorized", refused))
        if not request.headers.get("content-type", "").startswith("application/json"):
            return Reply(415, problem(415, "Unsupported Media Type", "application/json only"))
        try:
            body = request.json()
        except ValueError:
            return Reply(400, problem(400, "Invalid Request", "body is not JSON"))
        invalid = [e.message for e in request_validator().iter_errors(body)]
        if invalid:
            return Reply(
                400,
                {
                    "errors": [{"message": m} for m in invalid],
                    "title": "Invalid Request",
                    "detail": "One or more parameters to your request was invalid.",
                    "type": "https://api.twitter.com/2/problems/invalid-request",
                },
            )
        text = body.get("text", "")
        reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        with self._lock:
            if reply_to is not None and all(p.id != reply_to for p in self.posts):
                return Reply(
                    400,
                    {
                        "errors": [{"message": "The Post you are replying to does not exist."}],
                        "title": "Invalid Request",
                        "detail": "One or more parameters to your request was invalid.",
                        "type": "https://api.twitter.com/2/problems/invalid-request",
                    },
                )
            if any(p.text == text for p in self.posts):
                return Reply(
                    403,
                    problem(
                        403,
                        "Forbidden",
                        "You are not allowed to create a Tweet with duplicate content.",
                    ),
                )
            post = Post(str(self._next_id), text, reply_to)
            self._next_id += 1
            self.posts.append(post)
            if self.drop_after_accept:
                self.drop_after_accept = False
                return Reply(drop=True)
        data = {"id": post.id, "text": text, "edit_history_tweet_ids": [post.id]}
        return Reply(201, {"data": data}, delay=self.accept_slowly)

    def check_oauth(self, request: Request) -> str | None:
        """Why the OAuth 1.0a header is refused, or None when it is valid."""
        header = request.headers.get("authorization", "")
        if not header.startswith("OAuth "):
            return "OAuth 1.0a user context required"
        params = {k: unquote(v) for k, v in OAUTH_PARAM.findall(header)}
        missing = [name for name in REQUIRED_OAUTH if not params.get(name)]
        if missing:
            return f"missing {', '.join(missing)}"
        if params["oauth_signature_method"] != "HMAC-SHA1" or params["oauth_version"] != "1.0":
            return "unsupported signature method"
        if params["oauth_consumer_key"] != self.consumer_key:
            return "Unauthorized"
        if params["oauth_token"] != self.access_token:
            return "Unauthorized"
        signed = {k: v for k, v in params.items() if k not in ("oauth_signature", "realm")}
        signed.update({k: v[0] for k, v in request.query.items()})
        expected = oauth_signature(
            request.method,
            PUBLIC_HOST + request.path,
            signed,
            self.consumer_secret,
            self.access_token_secret,
        )
        if not hmac.compare_digest(expected, params["oauth_signature"]):
            return "Unauthorized"
        return None

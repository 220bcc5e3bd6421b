"""A fake Slack: incoming webhooks and the Web API methods incidentctl calls, checked as Slack does.

Incoming webhook (`POST /services/<token path>`): JSON with `text` or `blocks`; answers plain-text
codes. Web API (`/api/<method>`): Bearer token, `{"ok": false, "error": ...}` for logical errors;
`chat.postMessage`, `chat.update`, `conversations.history`, `conversations.replies`,
`conversations.list`. Messages are stored per channel with their `ts` and metadata.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from tests.channels.fakes.base_server import FakeServer, Reply, Request

TOKEN = "xoxb-1111-fake-bot-token"
WEBHOOK_PATH = "/services/T0001/B0001/fakewebhooksecret42"
HEADER_LIMIT = 150
SECTION_LIMIT = 3000
BLOCK_LIMIT = 50
TEXT_LIMIT = 40000


@dataclass
class SlackChannel:
    id: str
    name: str
    archived: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)

    def find(self, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.messages if m["ts"] == ts), None)

    def top_level(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("thread_ts", m["ts"]) == m["ts"]]

    def thread(self, ts: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("thread_ts") == ts or m["ts"] == ts]


def block_problems(blocks: Any) -> list[str]:
    """What Slack's Block Kit validation would complain about."""
    if not isinstance(blocks, list):
        return ["blocks must be an array"]
    problems: list[str] = []
    if len(blocks) > BLOCK_LIMIT:
        problems.append(f"no more than {BLOCK_LIMIT} items allowed [json-pointer:/blocks]")
    ids: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"[json-pointer:/blocks/{index}]"
        if not isinstance(block, dict):
            problems.append(f"block must be an object {where}")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in ids:
                problems.append(f"duplicate block_id {where}")
            ids.add(block_id)
        kind = block.get("type")
        text = block.get("text")
        if kind == "header":
            if not isinstance(text, dict) or text.get("type") != "plain_text":
                problems.append(f"header text must be plain_text {where}")
            elif not 1 <= len(text.get("text") or "") <= HEADER_LIMIT:
                problems.append(f"must be between 1 and {HEADER_LIMIT} characters {where}/text")
        elif kind == "section":
            if not isinstance(text, dict) or text.get("type") not in ("mrkdwn", "plain_text"):
                problems.append(f"section text must be a text object {where}")
            elif not 1 <= len(text.get("text") or "") <= SECTION_LIMIT:
                problems.append(f"must be between 1 and {SECTION_LIMIT} characters {where}/text")
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
                problems.append(f"context needs 1 to 10 elements {where}")
            elif any(len(e.get("text") or "") > SECTION_LIMIT for e in elements):
                problems.append(f"context text too long {where}")
        elif kind != "divider":
            problems.append(f"unsupported block type {kind!r} {where}")
    return problems


class SlackServer(FakeServer):
    """Programmable faults: `fail_next` (any request), `fail_method(method, reply)` for one Web
    API method, `respond_late(seconds)` (process the request, answer after a delay: a response
    lost to a client timeout), `webhook_error` (404/410/403 codes of the incoming webhook)."""

    def __init__(self, token: str = TOKEN, webhook_path: str = WEBHOOK_PATH) -> None:
        super().__init__()
        self.token = token
        self.webhook_path = webhook_path
        self.channels: dict[str, SlackChannel] = {}
        self.webhook_channel = self.add_channel("C0INCIDENT", "incidents").id
        self.webhook_error: str | None = None
        self.method_faults: dict[str, deque[Reply]] = {}
        self.late: deque[float] = deque()
        self._seq = 0
        self._state = threading.Lock()

    @property
    def webhook_url(self) -> str:
        return self.url + self.webhook_path

    @property
    def api_base(self) -> str:
        return self.url + "/api"

    def add_channel(self, id: str, name: str, *, archived: bool = False) -> SlackChannel:
        channel = SlackChannel(id, name, archived)
        self.channels[id] = channel
        return channel

    def fail_method(self, method: str, *replies: Reply) -> None:
        self.method_faults.setdefault(method, deque()).extend(replies)

    def respond_late(self, seconds: float) -> None:
        self.late.append(seconds)

    def calls(self, method: str) -> list[Request]:
        return [r for r in self.requests if r.path == f"/api/{method}"]

    def post(self, channel: str, text: str, **fields: Any) -> dict[str, Any]:
        """Store a message as if someone had posted it."""
        with self._state:
            return self._store(self.channels[channel], {"text": text, **fields})

    # --- dispatch ------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        if request.path.startswith("/api/"):
            method = request.path.removeprefix("/api/")
            faults = self.method_faults.get(method)
            reply = faults.popleft() if faults else self._api(method, request)
        elif request.path.startswith("/services/"):
            reply = self._webhook(request)
        else:
            reply = Reply(404, "not found")
        if self.late:
            reply.delay = self.late.popleft()
        return reply

    # --- incoming webhook --------------------------------------------------------------------

    def _webhook(self, request: Request) -> Reply:
        if request.method != "POST":
            return Reply(405, "invalid_method")
        if request.path != self.webhook_path:
            return Reply(404, "no_service")
        if self.webhook_error == "invalid_token":
            return Reply(403, "invalid_token")
        if self.webhook_error in ("channel_not_found", "channel_is_archived"):
            return Reply(
                404 if self.webhook_error == "channel_not_found" else 410, self.webhook_error
            )
        try:
            body = request.json()
        except ValueError:
            return Reply(400, "invalid_payload")
        if not isinstance(body, dict):
            return Reply(400, "invalid_payload")
        if not body.get("text") and not body.get("blocks"):
            return Reply(400, "no_text")
        if "blocks" in body and block_problems(body["blocks"]):
            return Reply(400, "invalid_blocks")
        with self._state:
            self._store(self.channels[self.webhook_channel], body)
        return Reply(200, "ok")

    # --- Web API -----------------------------------------------------------------------------

    def _api(self, method: str, request: Request) -> Reply:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not auth.removeprefix("Bearer ").strip():
            return _error("not_authed")
        if auth.removeprefix("Bearer ").strip() != self.token:
            return _error("invalid_auth")
        args = _arguments(request)
        if args is None:
            return _error("invalid_json")
        handler = {
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "conversations.list": self._list,
        }.get(method)
        if handler is None:
            return Reply(404, {"ok": False, "error": "unknown_method"})
        with self._state:
            return handler(args)

    def _channel(self, value: Any, *, by_name: bool = False) -> SlackChannel | Reply:
        if isinstance(value, str) and value in self.channels:
            channel = self.channels[value]
        elif by_name and isinstance(value, str) and value.startswith("#"):
            found = [c for c in self.channels.values() if c.name == value[1:]]
            if not found:
                return _error("channel_not_found")
            channel = found[0]
        else:
            return _error("channel_not_found")
        if channel.archived:
            return _error("is_archived")
        return channel

    def _post_message(self, args: dict[str, Any]) -> Reply:
        channel = self._channel(args.get("channel"), by_name=True)
        if isinstance(channel, Reply):
            return channel
        problem = _content_problem(args, required=True)
        if problem is not None:
            return problem
        thread_ts = args.get("thread_ts")
        if thread_ts is not None:
            parent = channel.find(str(thread_ts))
            if parent is None or parent.get("thread_ts", parent["ts"]) != parent["ts"]:
                return _error("thread_not_found")
        metadata = args.get("metadata")
        if metadata is not None and not (
            isinstance(metadata, dict)
            and isinstance(metadata.get("event_type"), str)
            and isinstance(metadata.get("event_payload"), dict)
        ):
            return _error("invalid_metadata_format")
        message = self._store(channel, args)
        return Reply(
            200, {"ok": True, "channel": channel.id, "ts": message["ts"], "message": message}
        )

    def _update(self, args: dict[str, Any]) -> Reply:
        channel = self._channel(args.get("channel"))
        if isinstance(channel, Reply):
            return channel
        message = channel.find(str(args.get("ts")))
        if message is None:
            return _error("message_not_found")
        problem = _content_problem(args, required=False)
        if problem is not None:
            return problem
        for key in ("text", "blocks", "metadata"):
            if key in args:  # omitted fields keep their previous value, as in Slack
                message[key] = args[key]
        message["edited"] = {"user": "U0BOT", "ts": self._next_ts()}
        return Reply(200, {"ok": True, "channel": channel.id, "ts": message["ts"]})

    def _history(self, args: dict[str, Any]) -> Reply:
        channel = self._channel(args.get("channel"))
        if isinstance(channel, Reply):
            return channel
        oldest = float(args.get("oldest") or 0)
        found = [m for m in channel.top_level() if float(m["ts"]) > oldest]
        found.sort(key=lambda m: float(m["ts"]), reverse=True)
        return self._page(found, args)

    def _replies(self, args: dict[str, Any]) -> Reply:
        channel = self._channel(args.get("channel"))
        if isinstance(channel, Reply):
            return channel
        parent = channel.find(str(args.get("ts")))
        if parent is None:
            return _error("thread_not_found")
        found = sorted(channel.thread(parent["ts"]), key=lambda m: float(m["ts"]))
        return self._page(found, args)

    def _list(self, args: dict[str, Any]) -> Reply:
        found = [
            {"id": c.id, "name": c.name, "is_archived": c.archived} for c in self.channels.values()
        ]
        if _flag(args.get("exclude_archived")):
            found = [c for c in found if not c["is_archived"]]
        start, limit = int(args.get("cursor") or 0), int(args.get("limit") or 100)
        page = found[start : start + limit]
        cursor = str(start + limit) if start + limit < len(found) else ""
        return Reply(
            200, {"ok": True, "channels": page, "response_metadata": {"next_cursor": cursor}}
        )

    def _page(self, messages: list[dict[str, Any]], args: dict[str, Any]) -> Reply:
        start, limit = int(args.get("cursor") or 0), int(args.get("limit") or 100)
        page = [dict(m) for m in messages[start : start + limit]]
        if not _flag(args.get("include_all_metadata")):
            for message in page:
                message.pop("metadata", None)
        more = start + limit < len(messages)
        return Reply(
            200,
            {
                "ok": True,
                "messages": page,
                "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""},
            },
        )

    def _next_ts(self) -> str:
        self._seq += 1
        return f"{int(time.time())}.{self._seq:06d}"

    def _store(self, channel: SlackChannel, args: dict[str, Any]) -> dict[str, Any]:
        """Kept as posted, with who it notifies: `<!here>`, `<!channel>`, `<@U…>` in the
        `text` or a mrkdwn block (an escaped `&lt;!here&gt;` is text; plain_text parses none)."""
        message: dict[str, Any] = {"type": "message", "user": "U0BOT", "ts": self._next_ts()}
        for key in ("text", "blocks", "metadata", "thread_ts"):
            if args.get(key) is not None:
                message[key] = args[key]
        message["notifies"] = sorted(set(_MENTION.findall(_mrkdwn(args))))
        channel.messages.append(message)
        return message


_MENTION = re.compile(r"<(![a-z]+|@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+)[|>]")


def _mrkdwn(args: dict[str, Any]) -> str:
    texts = [str(args.get("text") or "")]
    for block in args.get("blocks") or []:
        parts = [block.get("text") or {}, *(block.get("elements") or [])]
        texts += [
            p.get("text", "") for p in parts if isinstance(p, dict) and p.get("type") == "mrkdwn"
        ]
    return "\n".join(texts)


def _error(code: str, *messages: str) -> Reply:
    body: dict[str, Any] = {"ok": False, "error": code}
    if messages:
        body["response_metadata"] = {"messages": list(messages)}
    return Reply(200, body)


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def _content_problem(args: dict[str, Any], *, required: bool) -> Reply | None:
    text, blocks = args.get("text"), args.get("blocks")
    if required and not text and not blocks:
        return _error("no_text")
    if isinstance(text, str) and len(text) > TEXT_LIMIT:
        return _error("msg_too_long")
    if blocks is not None:
        problems = block_problems(blocks)
        if problems:
            return _error("invalid_blocks", *problems)
    return None


def _arguments(request: Request) -> dict[str, Any] | None:
    """Method arguments from the query string, a form body or a JSON body."""
    args: dict[str, Any] = {k: v[0] for k, v in request.query.items()}
    if not request.body:
        return args
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = json.loads(request.body)
        except ValueError:
            return None
        if not isinstance(body, dict):
            return None
        args.update(body)
    else:
        form = parse_qs(request.body.decode(), keep_blank_values=True)
        args.update({k: v[0] for k, v in form.items()})
    return args

"""literal-secret: a credential written in the playbook instead of a `${ENV_VAR}` reference.

Playbooks live in git; secrets belong in the environment and are resolved at send time::

    channels:
      slack:
        type: slack
        webhook_url: https://hooks.slack.com/services/T000/B000/XXXX   # error
        webhook_url: ${SLACK_WEBHOOK_URL}                               # good

Two checks. A channel setting whose name has the word token, secret, key, password or
authorization in it, or is a webhook URL (`bot_token`, `api_key`, `webhook_url`, and inside
nested mappings such as `headers: {X-Api-Key: …}`), must be a `${VAR}` reference, without a
literal default; so must a URL setting whose path or query carries a token-like part
(`https://example.com/hooks/3f9aK2…`, `?token=…`). And anywhere in the playbook, keys
included, strings shaped like known credentials are refused: Slack tokens (`xoxb-…`) and
incoming-webhook URLs, SendGrid API keys (`SG.…`), Twilio account and key SIDs, GitHub tokens
(`ghp_…`), AWS access key ids (`AKIA…`), Discord webhook URLs, `Bearer …` header values, and
URLs with a `user:password@` part.

The message names where the secret is, never the secret itself. Rotate a secret that was
committed: it is in the history.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from incidentctl.playbook.env import ENV_REFERENCE

if TYPE_CHECKING:
    from incidentctl.lint.context import LintContext
    from incidentctl.model.problem import Problem
    from incidentctl.playbook.document import KeyPath

ID = "literal-secret"
DEFAULT_LEVEL = "error"

SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Slack token", re.compile(r"\bxox[abprs]-[0-9A-Za-z-]{10,}")),
    ("Slack webhook URL", re.compile(r"hooks\.slack\.com/services/[A-Za-z0-9]")),
    ("SendGrid API key", re.compile(r"\bSG\.[\w-]{22}\.[\w-]{43}")),
    ("Twilio SID", re.compile(r"\b(?:AC|SK)[0-9a-f]{32}\b")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{30,})")),
    ("AWS access key id", re.compile(r"\bAKIA[0-9A-Z]{16}\b")),
    (
        "Discord webhook URL",
        re.compile(r"discord(?:app)?\.com/api/webhooks/\d+/[\w-]+"),
    ),
    ("bearer token", re.compile(r"\bBearer\s+(?=[\w.~+/=-]*\d)[\w.~+/=-]{12,}")),
    ("URL password", re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@]+:(?!\$\{)[^\s/@]+@")),
)
# words of a setting name (`api_key`, `X-Api-Key`, `botToken`) that say it holds a credential
SECRET_WORDS = frozenset(
    {"token", "secret", "key", "apikey", "password", "passwd", "authorization"}
)
URL_WORDS = frozenset({"url", "uri", "endpoint", "webhook"})
# a path segment or query value that looks generated: long and mixing letters and digits
TOKEN_LIKE = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[\w.~+=-]{16,}$")
SECRET_QUERY = re.compile(r"token|secret|key|sig|password|code|auth", re.IGNORECASE)


def _strings(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, str, bool]]:
    """(path, text, is a key) of every string in the document, mapping keys included."""
    if isinstance(value, str):
        yield path, value, False
    elif isinstance(value, dict):
        for key, item in value.items():
            child = (*path, str(key))
            if isinstance(key, str):
                yield child, key, True
            yield from _strings(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def shape(value: str) -> str | None:
    """The kind of credential `value` contains, if any."""
    return next((kind for kind, pattern in SHAPES if pattern.search(value)), None)


def redact(text: str) -> str:
    """`text` with every credential-shaped part replaced (the linter applies it to every
    message: a key or an unknown name quoted from the playbook may be a secret)."""
    for _, pattern in SHAPES:
        text = pattern.sub("<secret>", text)
    return text


def _url_carries_token(value: str) -> bool:
    parts = urlsplit(value)
    if not parts.scheme or not parts.netloc:
        return False
    segments = [s for s in parts.path.split("/") if s]
    query = parse_qsl(parts.query, keep_blank_values=True)
    return any(TOKEN_LIKE.match(s) for s in segments) or any(
        SECRET_QUERY.search(name) and item for name, item in query
    )


def _words(key: str) -> set[str]:
    return set(re.split(r"[^a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key).lower()))


def _needs_reference(key: str, value: str) -> bool:
    """A value under a credential-like key must come from the environment, with no default."""
    words = _words(key)
    references = list(ENV_REFERENCE.finditer(value))
    if words & SECRET_WORDS or {"webhook", "url"} <= words:
        if not references:
            return bool(value.strip())
        return any(match.group(2) for match in references)
    literal = ENV_REFERENCE.sub(lambda match: match.group(2) or "", value)
    return bool(words & URL_WORDS) and _url_carries_token(literal)


def _dotted(path: KeyPath) -> str:
    return ".".join(str(part) for part in path)


def _key_of(path: KeyPath) -> str | None:
    """For channels.<name>.<key>[.<nested>…], the innermost mapping key, which names the value."""
    if len(path) < 3 or path[0] != "channels":
        return None
    return next(p for p in reversed(path) if isinstance(p, str))


def check(ctx: LintContext) -> Iterator[Problem]:
    if not isinstance(ctx.data, dict):
        return
    for path, value, is_key in _strings(ctx.data, ()):
        kind = shape(value)
        key = None if is_key else _key_of(path)
        if kind is None and not (key is not None and _needs_reference(key, value)):
            continue
        found = f" ({kind})" if kind else ""
        yield ctx.problem(
            path,
            ID,
            DEFAULT_LEVEL,
            f"literal secret in {_dotted(path)}: use ${{ENV_VAR}}{found}",
            key=is_key,
        )

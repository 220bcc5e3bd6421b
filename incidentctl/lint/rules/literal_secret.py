"""literal-secret: a credential written in the playbook instead of a `${ENV_VAR}` reference.

Playbooks live in git; secrets belong in the environment and are resolved at send time::

    channels:
      slack:
        type: slack
        webhook_url: https://hooks.slack.com/services/T000/B000/XXXX   # error
        webhook_url: ${SLACK_WEBHOOK_URL}                               # good

Each channel type declares which of its settings are secret. A secret setting (`bot_token`,
`api_key`, Slack's `webhook_url`, the webhook `secret`…) must be a `${VAR}` reference, without a
literal default. A sensitive one may be written out unless it shows a credential: a webhook URL
whose path or query carries a token-like part (`https://example.com/hooks/3f9aK2…`, `?token=…`),
or a header named like one (`headers: {X-Api-Key: …}`). The settings of a type incidentctl does
not know are judged by their names: one with the word token, secret, key, password or
authorization in it, or a webhook URL, must be a reference, and so must a URL setting that
carries a token-like part. And anywhere in the playbook, keys included, strings shaped like
known credentials are refused: Slack tokens (`xoxb-…`) and incoming-webhook URLs, SendGrid API
keys (`SG.…`), Twilio account and key SIDs, GitHub tokens (`ghp_…`), AWS access key ids
(`AKIA…`), Discord webhook URLs, `Bearer …` header values, and URLs with a `user:password@`
part.

The message names where the secret is, never the secret itself. Rotate a secret that was
committed: it is in the history.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from incidentctl.channels.registry import channel_type
from incidentctl.channels.secrets import secret_keys, sensitive_keys
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


def _names_a_credential(key: str) -> bool:
    words = _words(key)
    return bool(words & SECRET_WORDS) or {"webhook", "url"} <= words


def _not_a_reference(value: str) -> bool:
    """A literal value, or a `${VAR}` with a literal default: not from the environment alone."""
    references = list(ENV_REFERENCE.finditer(value))
    if not references:
        return bool(value.strip())
    return any(match.group(2) for match in references)


def _credential_shown(value: str, name: str | None, *, urls_by_name: bool) -> bool:
    """Whether `value` shows a credential: it is under a `name` that says it holds one and is
    no plain reference, or it is a URL with a token-like part (when `urls_by_name`, only under a
    URL-like name)."""
    if name is not None and _names_a_credential(name):
        return _not_a_reference(value)
    if urls_by_name and not (name is not None and _words(name) & URL_WORDS):
        return False
    literal = ENV_REFERENCE.sub(lambda match: match.group(2) or "", value)
    return _url_carries_token(literal)


# per channel: the (secret, sensitive) settings its type declares; None when the type is unknown
Declared = dict[str, tuple[frozenset[str], frozenset[str]] | None]


def _declared(data: dict[Any, Any]) -> Declared:
    channels = data.get("channels")
    declared: Declared = {}
    if not isinstance(channels, dict):
        return declared
    for name, config in channels.items():
        type_name = config.get("type") if isinstance(config, dict) else None
        cls = channel_type(type_name) if isinstance(type_name, str) else None
        model = cls.settings_model if cls is not None else None
        declared[str(name)] = None if model is None else (secret_keys(model), sensitive_keys(model))
    return declared


def _literal_setting(path: KeyPath, value: str, declared: Declared) -> bool:
    """For channels.<name>.<setting>[…]: whether `value` is a secret written in the playbook."""
    if len(path) < 3 or path[0] != "channels":
        return False
    # the innermost mapping key names the value: the setting, or a header name below it
    depth = max(index for index, part in enumerate(path) if isinstance(part, str))
    kinds = declared.get(str(path[1]))
    if kinds is None:
        return _credential_shown(value, str(path[depth]), urls_by_name=True)
    secret, sensitive = kinds
    if path[2] in secret:
        return _not_a_reference(value)
    if path[2] in sensitive:
        name = str(path[depth]) if depth > 2 else None
        return _credential_shown(value, name, urls_by_name=False)
    return False


def _dotted(path: KeyPath) -> str:
    return ".".join(str(part) for part in path)


def check(ctx: LintContext) -> Iterator[Problem]:
    if not isinstance(ctx.data, dict):
        return
    declared = _declared(ctx.data)
    for path, value, is_key in ctx.strings():
        kind = shape(value)
        if kind is None and (is_key or not _literal_setting(path, value, declared)):
            continue
        found = f" ({kind})" if kind else ""
        yield ctx.problem(
            path,
            ID,
            DEFAULT_LEVEL,
            f"literal secret in {_dotted(path)}: use ${{ENV_VAR}}{found}",
            key=is_key,
        )

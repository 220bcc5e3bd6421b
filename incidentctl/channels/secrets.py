"""Which channel settings are secret, as each settings model declares it (Apprise's `private`).

A setting is marked in its annotation, `api_key: Annotated[str, SECRET]`:

- `SECRET` — a credential: a token, key or password, or a URL that is one (a Slack incoming
  webhook). Lint (literal-secret) wants it written as `${VAR}` with no literal default, and its
  resolved value is redacted from every error text.
- `SENSITIVE` — a value that may carry a secret but may be written in the playbook: a webhook
  URL with its token in the path, request headers, phone numbers. Its resolved value is
  redacted too; lint refuses a literal one only where it shows a credential.

Redaction and lint read these declarations instead of guessing from key names. A redacted
value that is a URL is also redacted in parts — its path, path segments and query values, which a
service may echo on their own (`redaction.secret_parts`).
"""

from __future__ import annotations

import re
from functools import cache

from pydantic import BaseModel, Field

SECRET = Field(json_schema_extra={"secret": True})
SENSITIVE = Field(json_schema_extra={"sensitive": True})


@cache
def _flagged(model: type[BaseModel], flag: str) -> frozenset[str]:
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get(flag) is True
    )


def secret_keys(model: type[BaseModel]) -> frozenset[str]:
    """The settings of `model` declared `SECRET`: credentials, written `${VAR}` only."""
    return _flagged(model, "secret")


def sensitive_keys(model: type[BaseModel]) -> frozenset[str]:
    """The settings of `model` declared `SENSITIVE`: redacted, but may be written literally."""
    return _flagged(model, "sensitive")


def is_redacted(model: type[BaseModel], key: str) -> bool:
    """Whether the resolved value of `key` is kept out of error texts; `to[2]` and
    `headers.X-Api-Key` are values of the settings `to` and `headers`."""
    setting = re.split(r"[.\[]", key, maxsplit=1)[0]
    return setting in secret_keys(model) or setting in sensitive_keys(model)

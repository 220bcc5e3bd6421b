"""The small interface every channel type implements, and what the engine hands it."""

from __future__ import annotations

import builtins
import ipaddress
import sys
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, Literal, Protocol, TextIO, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

from incidentctl.channels.secrets import is_redacted
from incidentctl.errors import DeliveryError, MissingSecret
from incidentctl.model.maintenance import MaintenanceSnapshot
from incidentctl.model.records import RenderedMessage, Stage
from incidentctl.model.snapshots import EventSnapshot, IncidentSnapshot
from incidentctl.playbook.env import interpolate

# Which built-in templates a channel type renders: chat markdown, short text (SMS, X) or e-mail
# (subject + text + HTML).
MessageFormat = Literal["chat", "short", "email"]

S = TypeVar("S", bound="ChannelSettings")


class ChannelSettings(BaseModel):
    """Type-specific playbook keys of a channel; subclasses add fields, marking secret ones
    `Annotated[str, SECRET]` (or `SENSITIVE`, see `secrets.py`). Secrets stay `${VAR}`."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


@dataclass
class SendContext:
    """Side effects a channel may use, injected so tests can point them anywhere."""

    env: Mapping[str, str]
    outbox_dir: Path
    console: TextIO = field(default_factory=lambda: sys.stdout)
    # values resolved from the environment; the engine redacts them from every error text
    secrets: set[str] = field(default_factory=set)
    channel: str = ""
    # the playbook's folder: relative file settings (subscriber lists…) are taken from there
    base_dir: Path | None = None
    # writes the status site, as the store now records it, into the folder given (the app
    # layer's `site build`): the `statussite` type calls it, since channels never read the
    # store; None where no site can be built
    build_site: Callable[[Path], None] | None = None

    def resolve(self, value: str, *, key: str, secret: bool = True) -> str:
        """Interpolate `${VAR}` in a setting; a missing variable is a clear, per-channel error.
        A `secret` value is redacted from error texts (`BaseChannel.resolve` sets it from the
        settings model's declaration)."""
        from incidentctl.playbook.env import references

        resolved, missing = interpolate(value, self.env)
        if missing:
            where = f"channel {self.channel!r} key {key!r}" if self.channel else f"key {key!r}"
            raise MissingSecret(f"environment variable {missing[0]} is not set ({where})")
        if secret and resolved and resolved != value:
            self.secrets.add(resolved)
            # "Bearer ${TOKEN}": the token alone must be redacted too
            self.secrets.update(v for name in references(value) if (v := self.env.get(name)))
        return resolved


@dataclass
class AttemptState:
    """What earlier attempts at one delivery achieved, so that a retry resumes instead of
    repeating them (requests already accepted, numbers already reached). The delivery engine
    makes one per delivery, seeded from what the store kept of earlier runs, and keeps it
    across that delivery's retries; the channel reads and writes its own keys in `progress`
    (JSON values only), keeps nothing of the kind on itself, and calls `save()` after each
    recipient or batch reached, before moving on."""

    progress: dict[str, Any] = field(default_factory=dict)
    # set by the engine: records `progress` where a later run finds it (the store)
    on_save: Callable[[dict[str, Any]], None] | None = field(default=None, repr=False)

    def save(self) -> None:
        """Record `progress` now: a process killed after this resumes from here."""
        if self.on_save is not None:
            self.on_save(self.progress)


@dataclass(frozen=True)
class Outgoing:
    """One delivery as handed to a channel: the rendered message and what it is about."""

    delivery_id: int
    incident_id: str
    channel: str
    stage: Stage
    message: RenderedMessage
    # the incident and the event as they stood when the event was recorded (`to_json()` is
    # what webhooks receive)
    incident: IncidentSnapshot
    event: EventSnapshot
    # remote id of this channel's first message for the incident, to thread under it
    thread: str | None = None
    # remote id of this channel's latest message for the incident whose id is known, to chain
    # a reply under it (X): the thread then reads in order
    reply_to: str | None = None
    # stable across retries of the same delivery; services that accept one dedupe with it
    idempotency_key: str = ""
    # the remote id of an earlier message this delivery replaces in place (`correct`, on a
    # channel that `EditsMessages`); None: a new message
    edits: str | None = None
    # owned by the engine: the same object on every retry of this delivery
    attempt: AttemptState = field(default_factory=AttemptState, compare=False, repr=False)
    # set for a scheduled-maintenance notice (`incident` is then the window seen as an
    # incident): channels that know maintenance (Statuspage) read it, the others need not
    maintenance: MaintenanceSnapshot | None = None


@dataclass(frozen=True)
class SendResult:
    remote_id: str | None = None
    link: str | None = None
    # things the user should know although it went out (e.g. invalid addresses skipped)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SettingProblem:
    """A problem in a channel's settings found without sending (lint and load)."""

    key: str
    message: str
    level: Literal["error", "warning"] = "error"


class Channel(Protocol):
    """A channel, as the delivery engine sends through it; the optional abilities (threading,
    reconciliation, previews, length notes and bounds, settings checks) are the protocols of
    `capabilities.py`."""

    @property
    def rate_per_second(self) -> float | None:
        """Requests per second the service allows per token/channel, if it publishes one."""
        ...

    def measure(self, message: RenderedMessage) -> int:
        """Length of the message as the service counts it, compared to `max_length`."""
        ...

    def send(self, outgoing: Outgoing) -> SendResult:
        """One attempt at delivering `outgoing`; failures raise DeliveryError."""
        ...


class ChannelType(Protocol):
    """A channel type — the class itself — as the registry hands it out: what is known before
    any channel exists, and a constructor whose instances are `Channel`s. Read-only members, so
    a class may narrow them (`max_length = 280`)."""

    @property
    def type(self) -> str:
        """The type name playbooks write (`slack`)."""
        ...

    @property
    def message_format(self) -> MessageFormat:
        """Which built-in templates the type renders."""
        ...

    @property
    def max_length(self) -> int | None:
        """The longest message the service accepts, as `measure()` counts; None: no limit."""
        ...

    @property
    def settings_model(self) -> builtins.type[ChannelSettings]:
        """The model of the type's own playbook keys."""
        ...

    def __call__(self, name: str, settings: Any, context: SendContext, timeout: float) -> Channel:
        """A channel named `name` of this type, with validated `settings`."""
        ...


class BaseChannel(Generic[S]):
    """Defaults for the `Channel` interface, and the `SettingsCheck` ability; channel modules
    subclass it with their settings model, `class SlackChannel(BaseChannel[SlackSettings])`, so
    `self.settings` is typed."""

    type: ClassVar[str] = ""
    message_format: ClassVar[MessageFormat] = "chat"
    max_length: ClassVar[int | None] = None
    rate_per_second: ClassVar[float | None] = None
    # the model of `S`: a class variable, so the class itself is a `ChannelType`
    settings_model: ClassVar[builtins.type[ChannelSettings]] = ChannelSettings

    def __init__(
        self,
        name: str,
        settings: S,
        context: SendContext,
        timeout: float,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.settings = settings
        self.context = context
        self.timeout = timeout
        # unix seconds, for Retry-After dates and signatures: injected so tests can freeze it
        self.clock = clock

    def resolve(self, value: str, *, key: str) -> str:
        """The value of setting `key` with its `${VAR}`s resolved, redacted from error texts
        when the settings model declares the setting secret or sensitive (`secrets.py`)."""
        return self.context.resolve(value, key=key, secret=is_redacted(self.settings_model, key))

    def measure(self, message: RenderedMessage) -> int:
        return len(message.text)

    def send(self, outgoing: Outgoing) -> SendResult:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def check_settings(cls, settings: Any) -> Iterator[SettingProblem]:
        """Problems visible without sending: invalid keys, then those of `settings_problems`."""
        model = yield from validated(cls.settings_model, settings)
        if model is not None:
            yield from cls.settings_problems(model)

    @classmethod
    def settings_problems(cls, settings: Any) -> Iterator[SettingProblem]:
        """Problems of valid settings; channel types extend it."""
        return iter(())


def validated(model: type[S], settings: Any) -> Generator[SettingProblem, None, S | None]:
    """`settings` as a `model` instance; raw mappings are validated, each error a problem."""
    from pydantic import ValidationError

    if isinstance(settings, model):
        return settings
    try:
        return model.model_validate(settings)
    except ValidationError as exc:
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"]) or "settings"
            yield SettingProblem(key, error["msg"])
        return None


def check_url(value: str, key: str) -> Iterator[SettingProblem]:
    """A literal URL must be https, except to a loopback host (tests, local relays)."""
    if "${" in value:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        yield SettingProblem(key, f"malformed URL {redact_url(value)!r}")
    elif parts.scheme == "http" and not is_loopback(parts.hostname):
        yield SettingProblem(
            key, "http:// is refused for non-loopback hosts: secrets travel over TLS"
        )


def require_safe_url(value: str, key: str, channel: str) -> str:
    """Raise DeliveryError for a resolved URL that is malformed or plain http off loopback."""
    for problem in check_url(value, key):
        raise DeliveryError(f"channel {channel!r} key {key!r}: {problem.message}")
    return value


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def redact_url(url: str) -> str:
    """Keep scheme and host only: webhook paths and query strings are secrets."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return "<url>"
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}/…"

"""Optional abilities of a channel type: each a small protocol, checked with `isinstance`.

Every channel type implements `Channel` (base.py); some also implement one or more of these.
Callers ask `isinstance(channel, Reconciling)` instead of probing for attributes, so what a
channel can do is written down once and mypy checks each signature.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar, Protocol, runtime_checkable

from incidentctl.channels.base import Outgoing, SendResult, SettingProblem
from incidentctl.model.records import RenderedMessage


@runtime_checkable
class Threading(Protocol):
    """Updates thread under the incident's first message on the channel (`Outgoing.thread`).
    While that first delivery is unconfirmed (it may have gone out), an update either waits
    for it (`needs_thread`: a Statuspage incident is never opened twice, an e-mail thread or an
    X reply chain must read in order) or goes out unthreaded with a warning (a chat message)."""

    needs_thread: ClassVar[bool]


@runtime_checkable
class IdempotentResend(Protocol):
    """Sending a delivery again is harmless: the service folds a repeat into the first one
    (PagerDuty's `dedup_key`), so `retry` re-sends an uncertain delivery without asking."""

    idempotent_resend: ClassVar[bool]


@runtime_checkable
class Reconciling(Protocol):
    """The service can be read back, so `retry` can tell whether an uncertain delivery went out."""

    def reconcile(self, outgoing: Outgoing) -> SendResult | None:
        """The delivery as the service shows it, or None when it surely is not there (safe to
        re-send); raises DeliveryError when the service cannot be asked (it stays uncertain)."""
        ...


@runtime_checkable
class PayloadPreview(Protocol):
    """The channel posts one JSON document, which the dry-run preview shows."""

    def wire_payload(self, outgoing: Outgoing) -> dict[str, Any] | None:
        """The JSON body `send` would post, when there is one."""
        ...


@runtime_checkable
class QuotesValues(Protocol):
    """The service acts on what text says (a Mattermost `@here` notifies a whole room): each
    value a template prints (title, message, handles) is quoted so it cannot, while the
    template's own text keeps its mentions."""

    def quote_value(self, text: str) -> str:
        """`text` as it may appear in this channel's message."""
        ...


@runtime_checkable
class LengthNote(Protocol):
    """The length means something more for this service (SMS segments), said in the preview."""

    def length_note(self, message: RenderedMessage) -> str | None:
        """A short note on the message's length, or None."""
        ...


@runtime_checkable
class LengthBound(Protocol):
    """A cheap upper bound of `measure()`, so lint can skip a heavy counting library when a
    message is clearly short enough."""

    def length_bound(self, message: RenderedMessage) -> int | None:
        """At least `measure(message)`, or None when there is nothing cheaper than measuring."""
        ...


@runtime_checkable
class SettingsCheck(Protocol):
    """Settings problems found without sending (load and lint); a class-level ability."""

    def check_settings(self, settings: Any) -> Iterator[SettingProblem]:
        """Problems of `settings` (a mapping or the settings model), in order."""
        ...


@runtime_checkable
class EditsMessages(Protocol):
    """A message already sent can be changed in place (Slack `chat.update`, a Discord webhook
    message, a Statuspage incident update's body, an outbox file, the status site): `correct`
    edits it there, and posts a correction message on channels without this ability."""

    def edit(self, remote_id: str, outgoing: Outgoing) -> SendResult:
        """Replace the message `remote_id` (as `send` returned it) with `outgoing.message`;
        one attempt, failing like `send`."""
        ...

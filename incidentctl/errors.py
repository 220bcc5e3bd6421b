"""One error hierarchy; the CLI error handler maps each kind to a one-line message and exit code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class ExitCode:
    OK = 0
    INVALID_PLAYBOOK = 1
    USAGE = 2
    DELIVERY_FAILED = 3
    NOT_FOUND = 4
    STATE = 5
    CONFLICT = 6
    CANCELLED = 7
    # `status --check`: an update is overdue or a delivery is stuck
    ATTENTION = 8
    # 128 + SIGINT, as shells report a command stopped by Ctrl-C
    INTERRUPTED = 130


@dataclass(frozen=True)
class Location:
    """Where in a file a problem is: 1-based line and column."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column or 1}"
        return self.file


class IncidentctlError(Exception):
    """Root of every error a user can cause; carries an exit code and a one-line message."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, *, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is not None:
            return f"{self.location}: {self.message}"
        return self.message


class PlaybookError(IncidentctlError):
    """The playbook cannot be read or does not validate."""

    exit_code = ExitCode.INVALID_PLAYBOOK


class TemplateError(PlaybookError):
    """A message template fails to load, compile or render.

    `template` is the file that failed (the innermost one: an included file rather than the
    message's template) and `line` its line, when known (None, 0 otherwise); `reason` is the
    message without the template's name and line, for callers that show those apart (lint).
    """

    def __init__(
        self,
        message: str,
        *,
        location: Location | None = None,
        template: str | None = None,
        line: int = 0,
        reason: str | None = None,
    ) -> None:
        super().__init__(message, location=location)
        self.template = template
        self.line = line
        self.reason = message if reason is None else reason


class UsageError(IncidentctlError):
    """A command-line argument is wrong (unknown severity, bad component status…)."""

    exit_code = ExitCode.USAGE


class IncidentNotFound(IncidentctlError):
    """No incident matches, or more than one does."""

    exit_code = ExitCode.NOT_FOUND


class StateError(IncidentctlError):
    """The state store cannot be opened or written."""

    exit_code = ExitCode.STATE


class IncidentIdTaken(StateError):
    """Another incident holds the id (or the day's sequence number) a new one was to get."""


class ConflictError(IncidentctlError):
    """The request contradicts recorded state (update of a resolved incident, existing file…)."""

    exit_code = ExitCode.CONFLICT


class IncidentChanged(ConflictError):
    """Another writer stored a newer version of the incident after this copy was read; nothing
    was stored. The change is made again on the incident as it now stands."""


class Cancelled(IncidentctlError):
    """The person at the keyboard said no (or pressed Ctrl-C) at a confirmation."""

    exit_code = ExitCode.CANCELLED


class SendingInterrupted(IncidentctlError):
    """Ctrl-C while sending: each delivery is recorded as far as it got; `retry` resumes."""

    exit_code = ExitCode.INTERRUPTED


class MissingSecret(IncidentctlError):
    """A `${VAR}` referenced by a channel is not set in the environment."""

    exit_code = ExitCode.USAGE


class DeliveriesFailed(IncidentctlError):
    """Some deliveries failed; they are recorded and `incidentctl retry` re-sends them."""

    exit_code = ExitCode.DELIVERY_FAILED


class DeliveryError(IncidentctlError):
    """A send that did not succeed. The engine decides on retries from these flags."""

    exit_code = ExitCode.DELIVERY_FAILED

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        retry_after: float | None = None,
        uncertain: bool = False,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        # the service may have accepted it (timeout after sending): never re-send blindly
        self.uncertain = uncertain
        self.status = status


class PartialDeliveryError(DeliveryError):
    """Some recipients already got the message: re-sending to everyone would duplicate it."""

    def __init__(self, message: str, *, sent: int, **flags: Any) -> None:
        super().__init__(message, **flags)
        self.sent = sent

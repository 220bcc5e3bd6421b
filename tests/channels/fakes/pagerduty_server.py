"""A fake PagerDuty Events API v2: `POST /v2/enqueue`, validated as the real one does.

Answers 202 `{"status": "success", "message": "Event processed", "dedup_key": ...}` or 400
`{"status": "invalid event", "message": "Event object is invalid", "errors": [...]}`. Alerts are
kept by dedup key: a trigger for an open alert is added to its log, a resolve closes it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.channels.fakes.base_server import FakeServer, Reply, Request

ROUTING_KEY = "R0123456789abcdef0123456789abcde"
ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")


@dataclass
class Alert:
    dedup_key: str
    status: str
    summary: str
    severity: str
    log: list[dict[str, Any]] = field(default_factory=list)


class PagerDutyServer(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.alerts: list[Alert] = []
        self._keys = itertools.count(1)

    def open_alert(self, dedup_key: str) -> Alert | None:
        return next(
            (a for a in self.alerts if a.dedup_key == dedup_key and a.status != "resolved"), None
        )

    def handle(self, request: Request) -> Reply:
        if request.path != "/v2/enqueue":
            return Reply(404, {"status": "not found", "message": "Not Found"})
        if request.method != "POST":
            return Reply(405, "Method Not Allowed")
        try:
            event = request.json()
        except ValueError:
            return _invalid(["Malformed JSON"], message="Could not parse the event")
        errors = event_errors(event)
        if errors:
            return _invalid(errors)
        action = event["event_action"]
        dedup_key = event.get("dedup_key") or f"generated-{next(self._keys)}"
        alert = self.open_alert(dedup_key)
        if action == "trigger":
            payload = event["payload"]
            if alert is None:
                alert = Alert(dedup_key, "triggered", payload["summary"], payload["severity"])
                self.alerts.append(alert)
            else:
                alert.summary, alert.severity = payload["summary"], payload["severity"]
        elif alert is not None:
            alert.status = "acknowledged" if action == "acknowledge" else "resolved"
        if alert is not None:
            alert.log.append(event)
        body = {"status": "success", "message": "Event processed", "dedup_key": dedup_key}
        return Reply(202, body)


def event_errors(event: Any) -> list[str]:
    """The problems PagerDuty reports for an Events API v2 body."""
    if not isinstance(event, dict):
        return ["Event object must be a JSON object"]
    errors: list[str] = []
    key = event.get("routing_key")
    if not isinstance(key, str) or not key:
        errors.append("'routing_key' is missing or blank")
    elif len(key) != 32:
        errors.append("Length of 'routing_key' is incorrect (should be 32 characters)")
    elif key != ROUTING_KEY:
        errors.append("Invalid routing key")
    action = event.get("event_action")
    if action not in ACTIONS:
        errors.append(
            "'event_action' is invalid (must be one of the following: "
            "'trigger', 'acknowledge' or 'resolve')"
        )
    dedup_key = event.get("dedup_key")
    if dedup_key is not None and (not isinstance(dedup_key, str) or len(dedup_key) > 255):
        errors.append("'dedup_key' must be a string of at most 255 characters")
    if action in ("acknowledge", "resolve") and not dedup_key:
        errors.append("'dedup_key' is missing or blank")
    if action == "trigger":
        errors.extend(_payload_errors(event.get("payload")))
    return errors


def _payload_errors(payload: Any) -> list[str]:
    if not isinstance(payload, dict):
        return ["'payload' is missing or not an object"]
    errors: list[str] = []
    summary = payload.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        errors.append("'payload.summary' is missing or blank")
    elif len(summary) > 1024:
        errors.append("'payload.summary' is too long (maximum is 1024 characters)")
    source = payload.get("source")
    if not isinstance(source, str) or not source.strip():
        errors.append("'payload.source' is missing or blank")
    if payload.get("severity") not in SEVERITIES:
        errors.append(
            "'payload.severity' is invalid (must be one of the following: "
            "'critical', 'warning', 'error' or 'info')"
        )
    timestamp = payload.get("timestamp")
    if timestamp is not None:
        try:
            datetime.fromisoformat(str(timestamp).replace("Z", "+00:00"))
        except ValueError:
            errors.append("'payload.timestamp' is not a valid ISO 8601 timestamp")
    details = payload.get("custom_details")
    if details is not None and not isinstance(details, dict | list | str):
        errors.append("'payload.custom_details' must be an object")
    return errors


def _invalid(errors: list[str], message: str = "Event object is invalid") -> Reply:
    return Reply(400, {"status": "invalid event", "message": message, "errors": errors})

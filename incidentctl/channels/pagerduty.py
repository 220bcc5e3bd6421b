"""`pagerduty`: PagerDuty Events API v2 — one alert per incident, keyed by our incident id.

Open stages send `trigger` events (PagerDuty folds repeats with the same `dedup_key` into the
open alert's log), `resolved` sends `resolve`. Because of the dedup key, re-sending an event
whose answer was lost is harmless: a timeout is retryable here, not uncertain, and `retry`
re-sends one interrupted by a crash without asking (`IdempotentResend`).

Settings: `routing_key` — the integration key, e.g. `${PAGERDUTY_ROUTING_KEY}`; `source` —
optional, default `incidentctl`; `api_base` — default `https://events.pagerduty.com`.
The alert's summary is the incident title (≤ 1024 characters), its severity follows the severity
rank (`critical`, `error`, `warning`, then `info`), and `custom_details` carry the stage, our
severity, impact, component statuses and the rendered message.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

from incidentctl.channels.base import (
    BaseChannel,
    ChannelSettings,
    Outgoing,
    SendResult,
    SettingProblem,
    check_url,
    redact_url,
)
from incidentctl.channels.http import api_base_url, json_object, literal_secret_problems, request
from incidentctl.channels.secrets import SECRET
from incidentctl.model.records import Stage
from incidentctl.model.snapshots import IncidentSnapshot

if TYPE_CHECKING:
    import httpx

DEFAULT_API_BASE = "https://events.pagerduty.com"
SUMMARY_LIMIT = 1024
DEDUP_KEY_LIMIT = 255
# PagerDuty severity by our 0-based severity rank; lower severities are "info"
SEVERITY_BY_RANK = ("critical", "error", "warning")
UNKNOWN_RANK_SEVERITY = "error"


class PagerDutySettings(ChannelSettings):
    routing_key: Annotated[str, SECRET]
    api_base: str = DEFAULT_API_BASE
    # the alert's `source` (the affected system as PagerDuty shows it)
    source: str = "incidentctl"


class PagerDutyChannel(BaseChannel[PagerDutySettings]):
    type = "pagerduty"
    message_format = "chat"
    max_length = None
    # Events API v2 accepts about 120 events a minute per routing key
    rate_per_second = 2.0
    # the dedup key folds a repeated event into the open alert: an uncertain one is re-sent
    idempotent_resend = True
    settings_model = PagerDutySettings

    @classmethod
    def settings_problems(cls, settings: PagerDutySettings) -> Iterator[SettingProblem]:
        yield from check_url(settings.api_base, "api_base")
        yield from literal_secret_problems(settings.routing_key, "routing_key")
        if not settings.source.strip():
            yield SettingProblem("source", "the alert source cannot be empty")

    def send(self, outgoing: Outgoing) -> SendResult:
        key = self.resolve(self.settings.routing_key, key="routing_key")
        base = api_base_url(self, self.settings.api_base)
        event = self.event(outgoing, key)
        response = request(
            self,
            "POST",
            f"{base}/v2/enqueue",
            what=f"PagerDuty ({redact_url(base)})",
            secrets=self.context.secrets,
            detail=_detail,
            idempotent=True,  # the dedup key makes a repeat harmless
            json=event,
        )
        data = json_object(response)
        return SendResult(remote_id=str(data.get("dedup_key") or event["dedup_key"]))

    def event(self, outgoing: Outgoing, routing_key: str) -> dict[str, Any]:
        """The Events API v2 body for one delivery."""
        dedup_key = outgoing.incident_id[:DEDUP_KEY_LIMIT]
        if outgoing.stage is Stage.RESOLVED:
            return {"routing_key": routing_key, "event_action": "resolve", "dedup_key": dedup_key}
        incident = outgoing.incident
        payload: dict[str, Any] = {
            "summary": summary(incident, outgoing.incident_id),
            "source": self.settings.source,
            "severity": severity_for(incident.severity_rank),
            "custom_details": {
                "status": outgoing.stage.value,
                "severity": incident.severity,
                "impact": incident.impact,
                "components": {k: v.value for k, v in incident.components.items()},
                "message": outgoing.message.text,
            },
            "timestamp": incident.declared_at.isoformat(),
        }
        return {
            "routing_key": routing_key,
            "event_action": "trigger",
            "dedup_key": dedup_key,
            "payload": payload,
            "client": "incidentctl",
        }


def summary(incident: IncidentSnapshot, incident_id: str) -> str:
    text = " ".join((incident.title or incident_id).split())
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 1] + "…"


def severity_for(rank: int | None) -> str:
    """PagerDuty severity from our 0-based severity rank."""
    if rank is None or rank < 0:
        return UNKNOWN_RANK_SEVERITY
    return SEVERITY_BY_RANK[rank] if rank < len(SEVERITY_BY_RANK) else "info"


def _detail(response: httpx.Response) -> str:
    """`{"status": "invalid event", "message": ..., "errors": [...]}` as one line."""
    data = json_object(response)
    message = str(data.get("message") or response.text)
    errors = data.get("errors")
    if isinstance(errors, list) and errors:
        return f"{message}: {'; '.join(str(e) for e in errors)}"
    return message

"""What a delivery is about, as it stood when its event was recorded: the incident and the event.

Kept as JSON in the event's data (`snapshot`, `event`) and sent in webhook payloads; channels
read the typed attributes. `to_json()` writes exactly the dict the store and receivers have
always had; `from_json()` reads it back, with defaults for any key an older record lacks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from incidentctl.model.records import ComponentStatus, EventKind, Stage


@dataclass(frozen=True)
class IncidentSnapshot:
    """The incident for channels: severity spelled out by the playbook, no secrets."""

    id: str
    title: str
    severity: str
    status: Stage
    declared_at: datetime
    # the playbook's name of the severity (the id when the playbook lost it)
    severity_name: str = ""
    # 0 is the most severe; None when unknown (a record older than the rank)
    severity_rank: int | None = None
    category: str = ""
    impact: str = ""
    workaround: str = ""
    eta: str = ""
    components: Mapping[str, ComponentStatus] = field(default_factory=dict)
    roles: Mapping[str, str] = field(default_factory=dict)
    resolved_at: datetime | None = None
    next_update_due: datetime | None = None
    status_page_url: str | None = None
    # the incident's identity beyond this store (migration m002). Not in the JSON, which
    # receivers and stored events pin: the app fills them from the incident record
    uid: str = ""
    organization: str = ""
    timezone: str = ""

    def to_json(self) -> dict[str, Any]:
        """The JSON-ready dict stored in the event and sent in webhook payloads."""
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "severity_name": self.severity_name or self.severity,
            "severity_rank": self.severity_rank,
            "status": self.status.value,
            "category": self.category,
            "impact": self.impact,
            "workaround": self.workaround,
            "eta": self.eta,
            "components": {k: v.value for k, v in self.components.items()},
            "roles": dict(self.roles),
            "declared_at": self.declared_at.isoformat(),
            "resolved_at": _iso(self.resolved_at),
            "next_update_due": _iso(self.next_update_due),
            "status_page_url": self.status_page_url,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IncidentSnapshot:
        """Read back `to_json()`'s dict; keys an older record lacks take their defaults.
        Raises KeyError or ValueError for a dict that is not a snapshot."""
        rank = data.get("severity_rank")
        return cls(
            id=str(data["id"]),
            title=str(data.get("title") or ""),
            severity=str(data.get("severity") or ""),
            status=Stage(data["status"]),
            declared_at=datetime.fromisoformat(data["declared_at"]),
            severity_name=str(data.get("severity_name") or ""),
            severity_rank=rank if isinstance(rank, int) and not isinstance(rank, bool) else None,
            category=str(data.get("category") or ""),
            impact=str(data.get("impact") or ""),
            workaround=str(data.get("workaround") or ""),
            eta=str(data.get("eta") or ""),
            components={
                str(k): ComponentStatus(v) for k, v in (data.get("components") or {}).items()
            },
            roles={str(k): str(v) for k, v in (data.get("roles") or {}).items()},
            resolved_at=_time(data.get("resolved_at")),
            next_update_due=_time(data.get("next_update_due")),
            status_page_url=url if isinstance(url := data.get("status_page_url"), str) else None,
        )


@dataclass(frozen=True)
class EventSnapshot:
    """The timeline event a delivery announces, at the stage it was sent for."""

    kind: EventKind
    at: datetime
    stage: Stage
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "message": self.message,
            "at": self.at.isoformat(),
            "stage": self.stage.value,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EventSnapshot:
        """Read back `to_json()`'s dict; raises KeyError or ValueError for anything else."""
        return cls(
            kind=EventKind(data["kind"]),
            at=datetime.fromisoformat(data["at"]),
            stage=Stage(data["stage"]),
            message=str(data.get("message") or ""),
        )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None

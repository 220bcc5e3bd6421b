"""The playbook's `maintenance:` section: ids, who is told at each stage, reminders, overruns."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from incidentctl.model.durations import parse_duration
from incidentctl.model.maintenance import NoticeStage
from incidentctl.playbook.id_format import check_id_format

DEFAULT_MAINTENANCE_ID_FORMAT = "MNT-{date:%Y%m%d}-{seq:02d}"
NoticeKey = Literal[
    "all",
    "scheduled",
    "reminder",
    "in_progress",
    "extended",
    "completed",
    "cancelled",
    "rescheduled",
]


def _reminders() -> list[str]:
    return ["7d", "1h"]


def _notify() -> dict[NoticeKey, list[str]]:
    return {}


class MaintenancePolicy(BaseModel):
    """How scheduled maintenance is announced (`incidentctl maintenance …`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id_format: str = DEFAULT_MAINTENANCE_ID_FORMAT
    # stage -> channel ids; `all` applies to every stage not listed. Without a map, every
    # enabled public channel hears every stage
    notify: dict[NoticeKey, list[str]] | None = None
    # how long before the start reminders go out (`maintenance remind`, from cron)
    reminders: list[str] = Field(default_factory=_reminders)
    # declare an incident of this severity when a window runs past its end
    severity_if_overrun: str | None = None
    # Statuspage moves the window to in progress and completed by itself at the times set
    statuspage_auto_transitions: bool = False

    @field_validator("id_format")
    @classmethod
    def _valid_id_format(cls, value: str) -> str:
        return check_id_format(value)

    @field_validator("reminders")
    @classmethod
    def _valid_reminders(cls, value: list[str]) -> list[str]:
        for item in value:
            parse_duration(item)
        return value

    def lead_times(self) -> list[tuple[str, timedelta]]:
        """Reminders as (written lead time, duration), longest first."""
        found = [(item, parse_duration(item)) for item in self.reminders]
        return sorted(found, key=lambda pair: pair[1], reverse=True)

    def channels_for(self, stage: NoticeStage, public: list[str]) -> list[str]:
        """The channels told at `stage`; `public` (every enabled public channel) without a map."""
        if self.notify is None:
            return list(public)
        return list(self.notify.get(stage.value, self.notify.get("all", [])))

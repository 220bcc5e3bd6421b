"""The playbook as pydantic models; `extra="forbid"` everywhere so typos are errors."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from incidentctl.model.durations import parse_duration
from incidentctl.model.records import Stage
from incidentctl.playbook.id_format import check_id_format
from incidentctl.playbook.maintenance import MaintenancePolicy
from incidentctl.playbook.wording import DATETIME_EXPECTED

Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
Handle = Annotated[str, Field(pattern=r"^@[\w.-]+$")]
STAGES = tuple(s.value for s in Stage)
DEFAULT_ID_FORMAT = "INC-{date:%Y%m%d}-{seq:04d}"


# default factories are functions, not the `list` and `dict` builtins: pydantic reads each
# factory's signature, and a builtin's is parsed from its text with tokenize (1.5 ms at import)
def _list() -> list[Any]:
    return []


def _dict() -> dict[Any, Any]:
    return {}


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Organization(Model):
    name: str
    timezone: str = "UTC"
    language: Literal["en", "fr"] = "en"
    status_page_url: str | None = None
    support_contact: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        # OSError: with the `tzdata` package installed, a name too long for a file name
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"unknown IANA timezone {value!r} (e.g. Europe/Paris)") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Severity(Model):
    """One level of the incident scale, most severe first in the playbook."""

    id: Identifier
    name: str
    description: str = ""
    criteria: list[str] = Field(default_factory=_list)
    update_every: str = "30m"
    # stage -> channel ids; the key `all` applies to every stage not listed
    notify: dict[Literal["all", "investigating", "identified", "monitoring", "resolved"], list[str]]
    postmortem_required: bool = False
    # `incidentctl remind`: after this long without a public update, post the playbook's
    # "still working on it, nothing new yet" update (`still_investigating` template); off
    # unless set
    auto_update_after: str | None = None

    @field_validator("update_every")
    @classmethod
    def _valid_duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("auto_update_after")
    @classmethod
    def _valid_auto_update(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    @property
    def auto_update_delay(self) -> timedelta | None:
        return parse_duration(self.auto_update_after) if self.auto_update_after else None

    @property
    def cadence(self) -> timedelta:
        return parse_duration(self.update_every)

    def channels_for(self, stage: Stage) -> list[str]:
        return list(self.notify.get(stage.value, self.notify.get("all", [])))


class Role(Model):
    name: str
    responsibilities: list[str] = Field(default_factory=_list)
    default: Handle | None = None


class Component(Model):
    name: str
    description: str = ""
    # a heading the status site shows the component under ("Platform", "Support")
    group: str | None = None
    # the day it went into service: the status site counts its uptime from then on
    since: date | None = None


class UptimeWeights(Model):
    """How much of a minute in each status counts as down, for the status site's uptime."""

    major_outage: float = Field(default=1.0, ge=0, le=1)
    partial_outage: float = Field(default=0.5, ge=0, le=1)
    degraded_performance: float = Field(default=0.0, ge=0, le=1)
    under_maintenance: float = Field(default=0.0, ge=0, le=1)

    def by_status(self) -> dict[str, float]:
        """Status value -> weight (read field by field: `model_dump` would build the model's
        serializer, which a playbook read from the cache has not built)."""
        return {name: getattr(self, name) for name in type(self).model_fields}


class Site(Model):
    """The static status site (`incidentctl site build`, the `statussite` channel)."""

    # availability over 30 and 90 days is shown against this, in percent
    uptime_target: float = Field(default=99.5, gt=0, le=100)
    weights: UptimeWeights = Field(default_factory=UptimeWeights)
    # severity id -> Statuspage impact; unlisted severities: first critical, second major,
    # others minor
    impact: dict[str, Literal["none", "minor", "major", "critical"]] = Field(default_factory=_dict)


class Postmortem(Model):
    """`postmortem:` — what the public postmortem (`postmortem --publish`) quotes from the
    internal review: the headings of its sections (unset: the built-in review's, in the
    playbook's language)."""

    cause_section: str | None = None
    actions_section: str | None = None
    # optional: quoted when the review has it written
    summary_section: str | None = None


class Targets(Model):
    """What the team holds itself to, which `incidentctl stats` shows each figure against."""

    # mean time from the impact start to the resolution, under this (e.g. 60m)
    mttr: str | None = None
    # mean time from the impact start to the first public message accepted, under this
    first_communication: str | None = None
    # fewer major incidents than this in any month (e.g. 2)
    majors_per_month: int | None = Field(default=None, ge=1)
    # availability of every component over 30 days, at least this, in percent (e.g. 99.5)
    availability: float | None = Field(default=None, gt=0, le=100)
    # the severities that count as major; unset: those whose Statuspage impact (`site.impact`)
    # is critical or major, by default the two most severe
    major_severities: list[str] | None = None
    # a required postmortem is on time when written within this of the resolution
    postmortem_within: str = "5d"

    @field_validator("mttr", "first_communication", "postmortem_within")
    @classmethod
    def _valid_durations(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value


class Category(Model):
    """A kind of incident with a floor, e.g. security or data loss: zero tolerance."""

    name: str
    description: str = ""
    min_severity: str
    # notify every enabled channel, internal and public, whatever the severity says
    all_channels: bool = True
    # what messages may say about customers' data for this kind of incident, unless the
    # responder says otherwise with `--data-safe`: true (nothing suggests it is affected),
    # false (never reassure: `--data-safe` is refused), unset (unknown until someone checks)
    data_safe: bool | None = None


class TeamValue(Model):
    name: str
    in_practice: str


class ChannelConfig(BaseModel):
    """Settings common to every channel; type-specific keys are checked by the channel's model."""

    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    type: str
    enabled: bool = True
    # support: the support desk (agents' room, list or outbox) gets the brief, at every stage
    audience: Literal["internal", "public", "support"] = "internal"
    description: str = ""
    stages: list[Stage] | None = None
    severities: list[str] | None = None
    # message part (text, subject, html) -> template file under the playbook's templates
    # folder; `{stage}` in the name is replaced by the stage
    templates: dict[Literal["text", "subject", "html"], str] = Field(default_factory=_dict)
    access: str = ""
    timeout: float = Field(default=10.0, gt=0, le=120)

    @property
    def options(self) -> dict[str, Any]:
        """The type-specific keys, as written (secrets still `${VAR}`)."""
        return dict(self.model_extra or {})

    @property
    def briefs_support(self) -> bool:
        """A support desk's channel: told of every incident, whatever `notify:` lists."""
        return self.audience == "support"

    def receives(self, stage: Stage, severity: str) -> bool:
        if self.stages is not None and stage not in self.stages:
            return False
        return self.severities is None or severity in self.severities


class StateSettings(Model):
    """Where the shared record is kept: the embedded SQLite file unless a URL is given."""

    # `postgresql://user:${DB_PASSWORD}@host/db`: team mode; `$INCIDENTCTL_DATABASE_URL` wins
    database_url: str | None = None


class Reminders(Model):
    """`incidentctl remind`: which internal channels hear that an open incident's next update
    is due soon or overdue, and when."""

    # internal channel ids; none: `remind` tells no one (an auto-update still goes out)
    channels: list[str] = Field(default_factory=_list)
    # how long before the due time the "update due in 5 min" reminder goes out
    before: str = "5m"
    # once overdue, a reminder every this long
    every: str = "10m"

    @field_validator("before", "every")
    @classmethod
    def _valid_duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @property
    def lead_time(self) -> timedelta:
        return parse_duration(self.before)

    @property
    def interval(self) -> timedelta:
        return parse_duration(self.every)


class Sample(Model):
    """The fixed sample incident that `preview --all` renders and managers approve; every text
    left out is the built-in sample's, in the playbook's language."""

    # the moment of the sample's latest message: a fixed clock, so approved files stay the same
    at: datetime = datetime(2025, 12, 19, 14, 5)
    title: str | None = None
    impact: str | None = None
    workaround: str | None = None
    eta: str | None = None
    # the routine update 8 minutes after the declaration, then the message of each stage
    update: str | None = None
    identified: str | None = None
    monitoring: str | None = None
    resolved: str | None = None

    _STAGE_TEXTS: ClassVar[tuple[str, ...]] = ("identified", "monitoring", "resolved")

    @field_validator("at", mode="before")
    @classmethod
    def _not_a_number(cls, value: object) -> object:
        # pydantic would read 2026 (or "2026") as seconds since 1970
        if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
            raise ValueError(f"{DATETIME_EXPECTED} (got {value!r})")
        return value

    def texts(self) -> dict[str, str]:
        """The texts given, by name (those left out are not in it)."""
        names = ("title", "impact", "workaround", "eta", "update", *self._STAGE_TEXTS)
        return {name: value for name in names if (value := getattr(self, name)) is not None}


class Playbook(Model):
    """The action plan: everything decided in advance so nobody has to think at 3 a.m."""

    version: Literal[1] = 1
    organization: Organization
    incident_id_format: str = DEFAULT_ID_FORMAT
    severities: list[Severity] = Field(min_length=1)
    roles: dict[Identifier, Role] = Field(default_factory=_dict)
    components: dict[Identifier, Component] = Field(default_factory=_dict)
    categories: dict[Identifier, Category] = Field(default_factory=_dict)
    channels: dict[Identifier, ChannelConfig] = Field(default_factory=_dict)
    values: list[TeamValue] = Field(default_factory=_list)
    templates: str | None = None
    site: Site = Field(default_factory=Site)
    state: StateSettings = Field(default_factory=StateSettings)
    reminders: Reminders = Field(default_factory=Reminders)
    sample: Sample = Field(default_factory=Sample)
    # the folder of approved messages (`preview --all --update`, `lint`), relative to the playbook
    approved: str | None = None
    maintenance: MaintenancePolicy = Field(default_factory=MaintenancePolicy)
    postmortem: Postmortem = Field(default_factory=Postmortem)
    targets: Targets = Field(default_factory=Targets)

    @field_validator("incident_id_format")
    @classmethod
    def _valid_id_format(cls, value: str) -> str:
        return check_id_format(value)

    @model_validator(mode="after")
    def _unique_severities(self) -> Playbook:
        seen: set[str] = set()
        for sev in self.severities:
            if sev.id in seen:
                raise ValueError(f"duplicate severity id {sev.id!r}")
            seen.add(sev.id)
        return self

    def severity(self, severity_id: str) -> Severity | None:
        return next((s for s in self.severities if s.id == severity_id), None)

    def severity_rank(self, severity_id: str) -> int:
        """0 is the most severe."""
        ids = [s.id for s in self.severities]
        return ids.index(severity_id) if severity_id in ids else len(ids)

    def impact_of(self, severity_id: str) -> str:
        """The Statuspage impact of a severity: the playbook's `site.impact`, else by rank."""
        if severity_id in self.site.impact:
            return self.site.impact[severity_id]
        return ("critical", "major")[r] if (r := self.severity_rank(severity_id)) < 2 else "minor"

    def is_major(self, severity_id: str) -> bool:
        """Whether incidents of this severity count as major (`targets.major_severities`)."""
        listed = self.targets.major_severities
        if listed is not None:
            return severity_id in listed
        return self.impact_of(severity_id) in ("critical", "major")

    def format_id(self, day: date, seq: int) -> str:
        return self.incident_id_format.format(date=day, seq=seq)

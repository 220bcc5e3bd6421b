"""Reading an incident record file back: the `incidentctl-incident/1` document validated by
pydantic models (`extra="forbid"`), each problem reported as one located error."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
)

from incidentctl.app.located_json import LocatedJson, load_located
from incidentctl.app.record_file import RECORD_FORMAT, IncidentRecord
from incidentctl.errors import UsageError
from incidentctl.model.records import (
    ComponentStatus,
    Delivery,
    DeliveryState,
    EventKind,
    Incident,
    RenderedMessage,
    Stage,
    TimelineEvent,
)
from incidentctl.model.text import strip_controls

Id = Annotated[StrictStr, Field(pattern=r"^[\w.-]{1,200}$")]
Count = Annotated[StrictInt, Field(ge=0)]
Number = Annotated[StrictInt, Field(ge=1)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IncidentPart(_Part):
    id: Id
    uid: StrictStr
    version: Count
    day: date
    seq: Number
    organization: StrictStr
    timezone: StrictStr
    title: StrictStr
    severity: StrictStr
    status: Stage
    category: StrictStr
    impact: StrictStr
    workaround: StrictStr
    eta: StrictStr
    declared_at: AwareDatetime
    updated_at: AwareDatetime
    next_update_due: AwareDatetime | None
    resolved_at: AwareDatetime | None
    components: dict[StrictStr, ComponentStatus]
    roles: dict[StrictStr, StrictStr]
    threads: dict[StrictStr, StrictStr]


class EventPart(_Part):
    n: Number
    kind: EventKind
    at: AwareDatetime
    message: StrictStr
    data: dict[StrictStr, Any]


class MessagePart(_Part):
    subject: StrictStr | None
    text: StrictStr
    html: StrictStr | None


class DeliveryPart(_Part):
    event: Number
    channel: StrictStr
    type: StrictStr
    stage: Stage
    state: DeliveryState
    attempts: Count
    remote_id: StrictStr | None
    link: StrictStr | None
    error: StrictStr | None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    sent_at: AwareDatetime | None
    payload_hash: StrictStr
    message: MessagePart
    progress: dict[StrictStr, Any]


class RecordDocument(_Part):
    format: StrictStr
    incident: IncidentPart
    postmortem: StrictStr | None
    timeline: list[EventPart]
    deliveries: list[DeliveryPart]


def _cleaned(value: Any) -> Any:
    """`value` with every string, keys too, without control characters: a record file is text
    from outside, cleaned at the boundary like any other. Lists and objects are cleaned in
    place, so that their recorded places still name them."""
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, list):
        value[:] = [_cleaned(item) for item in value]
    elif isinstance(value, dict):
        items = [(strip_controls(k), _cleaned(v)) for k, v in value.items()]
        value.clear()
        value.update(items)
    return value


def _path_text(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _checked(located: LocatedJson) -> RecordDocument:
    data = located.value
    if not isinstance(data, dict) or "format" not in data:
        raise UsageError(
            f'not an incident record: no "format": "{RECORD_FORMAT}" in it',
            location=located.locate([]),
        )
    if data["format"] != RECORD_FORMAT:
        raise UsageError(
            f"record format {data['format']!r} is not one this version reads "
            f"({RECORD_FORMAT}): export it again with this version",
            location=located.locate(["format"]),
        )
    try:
        document = RecordDocument.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = tuple(part for part in first["loc"] if isinstance(part, str | int))
        message = first["msg"]
        message = message[:1].lower() + message[1:]
        raise UsageError(f"{_path_text(path)}: {message}", location=located.locate(path)) from None
    _check_numbers(document, located)
    return document


def _check_numbers(document: RecordDocument, located: LocatedJson) -> None:
    """Events numbered 1, 2, 3… in the order of their times (as the store gives them back);
    each delivery's event among them."""
    for index, event in enumerate(document.timeline):
        if event.n != index + 1:
            raise UsageError(
                f"timeline[{index}].n: {event.n}, but it is event {index + 1}",
                location=located.locate(["timeline", index, "n"]),
            )
        if index and event.at < document.timeline[index - 1].at:
            raise UsageError(
                f"timeline[{index}].at: earlier than the event before it (events are in the "
                "order they happened)",
                location=located.locate(["timeline", index, "at"]),
            )
    for index, delivery in enumerate(document.deliveries):
        if delivery.event > len(document.timeline):
            raise UsageError(
                f"deliveries[{index}].event: no event {delivery.event} in the timeline "
                f"({len(document.timeline)} events)",
                location=located.locate(["deliveries", index, "event"]),
            )


def _record(document: RecordDocument) -> IncidentRecord:
    head = document.incident
    incident = Incident(
        id=head.id,
        title=head.title,
        severity=head.severity,
        status=head.status,
        declared_at=head.declared_at,
        updated_at=head.updated_at,
        impact=head.impact,
        workaround=head.workaround,
        eta=head.eta,
        category=head.category,
        components=dict(head.components),
        roles=dict(head.roles),
        next_update_due=head.next_update_due,
        resolved_at=head.resolved_at,
        threads=dict(head.threads),
        uid=head.uid,
        organization=head.organization,
        timezone=head.timezone,
        version=head.version,
    )
    timeline = [
        TimelineEvent(head.id, e.kind, e.at, e.message, dict(e.data), id=e.n)
        for e in document.timeline
    ]
    deliveries = [
        Delivery(
            incident_id=head.id,
            channel=d.channel,
            channel_type=d.type,
            stage=d.stage,
            message=RenderedMessage(d.message.text, d.message.subject, d.message.html),
            payload_hash=d.payload_hash,
            state=d.state,
            attempts=d.attempts,
            remote_id=d.remote_id,
            link=d.link,
            error=d.error,
            event_id=d.event,
            id=n,
            created_at=d.created_at,
            updated_at=d.updated_at,
            sent_at=d.sent_at,
            progress=dict(d.progress),
        )
        for n, d in enumerate(document.deliveries, start=1)
    ]
    return IncidentRecord(incident, timeline, deliveries, head.day, head.seq)


def parse_record(
    text: str, file: str, first_line: int = 1, severities: Collection[str] = ()
) -> IncidentRecord:
    """The incident record in `text` (JSON starting at line `first_line` of `file`); a problem
    is a `UsageError` located in the file. `severities`: the ones the record may name (any
    when empty)."""
    located = load_located(text, file, first_line)
    located.value = _cleaned(located.value)
    document = _checked(located)
    severity = document.incident.severity
    if severities and severity not in severities:
        raise UsageError(
            f"incident.severity: {severity!r} is not a severity of the playbook "
            f"(known: {', '.join(severities)})",
            location=located.locate(["incident", "severity"]),
        )
    record = _record(document)
    if document.postmortem != record.postmortem:
        raise UsageError(
            f"postmortem: {document.postmortem!r}, but the timeline says {record.postmortem!r}",
            location=located.locate(["postmortem"]),
        )
    return record

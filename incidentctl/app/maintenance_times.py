"""The times `maintenance schedule` and `extend` accept, read in the organization's timezone.

Pure: `parse_when(text, tz, now)` takes "2026-12-05 02:00" (local wall-clock time), ISO 8601
with an offset ("2026-12-05T02:00+01:00", "…Z"), and "today 23:00" / "tomorrow 02:00" (also
"aujourd'hui", "demain", with French clocks: "demain 2h", "2 h 30", "14h"). A local time
that does not exist (the hour skipped when summer time starts) or exists twice (the hour
repeated when it ends) is refused with what to write instead.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# "02:00", or the French "2h", "2 h", "2h30", "14 h 05"
_CLOCK = r"\d{1,2}:\d{2}|\d{1,2} ?h(?: ?\d{2})?"
_RELATIVE = re.compile(
    rf"^(?P<day>today|tomorrow|aujourd'hui|aujourd’hui|demain)\s+(?P<clock>{_CLOCK})$",
    re.IGNORECASE,
)
_LOCAL = re.compile(
    rf"^(?P<day>\d{{4}}-\d{{2}}-\d{{2}})[ T](?P<clock>\d{{1,2}}:\d{{2}}(?::\d{{2}})?|{_CLOCK})$",
    re.IGNORECASE,
)
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
_TOMORROW = ("tomorrow", "demain")
EXAMPLES = {
    "en": '"2026-12-05 02:00", "2026-12-05T02:00+01:00" or "tomorrow 02:00"',
    "fr": '"2026-12-05 02:00", "2026-12-05T02:00+01:00" or "demain 2h"',
}


class TimeError(ValueError):
    """A time that cannot be read, or names no single instant; the message says what to write."""


def parse_when(text: str, tz: ZoneInfo, now: datetime, language: str = "en") -> datetime:
    """The instant `text` names, as an aware UTC datetime (see the module docstring); an
    error suggests the forms of the playbook's `language`."""
    examples = EXAMPLES.get(language, EXAMPLES["en"])
    # a non-breaking space, as in « 2 h 30 », is a space
    value = " ".join(text.split())
    if not value:
        raise TimeError(f"empty time: write {examples}")
    relative = _RELATIVE.match(value)
    if relative is not None:
        today = now.astimezone(tz).date()
        day = today + timedelta(days=1) if relative["day"].lower() in _TOMORROW else today
        return _local(day, _clock(relative["clock"], value), tz, value)
    if _OFFSET.search(value) and "T" in value.upper():
        try:
            parsed = datetime.fromisoformat(value.replace("z", "Z"))
        except ValueError:
            raise TimeError(f"invalid time {value!r}: write {examples}") from None
        if parsed.tzinfo is None:  # pragma: no cover - the offset pattern matched
            raise TimeError(f"invalid time {value!r}: write {examples}")
        return parsed.astimezone(UTC)
    local = _LOCAL.match(value)
    if local is None:
        raise TimeError(f"invalid time {value!r}: write {examples}")
    try:
        day = date.fromisoformat(local["day"])
    except ValueError:
        raise TimeError(f"invalid date in {value!r}: write {examples}") from None
    return _local(day, _clock(local["clock"], value), tz, value)


def _clock(text: str, value: str) -> time:
    """`02:00`, `02:00:30`, or the French `2h`, `2 h 30`."""
    parts = [int(p) for p in re.split(r"\s*[:hH]\s*", text) if p] + [0, 0]
    try:
        return time(parts[0], parts[1], parts[2])
    except ValueError:
        raise TimeError(f"invalid time of day in {value!r}: write e.g. 02:00 or 23:30") from None


def _local(day: date, clock: time, tz: ZoneInfo, value: str) -> datetime:
    """Wall-clock `day clock` in `tz`: refused when DST skips it or repeats it."""
    first = datetime.combine(day, clock, tzinfo=tz)
    second = first.replace(fold=1)
    back = first.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != first.replace(tzinfo=None):
        raise TimeError(
            f"{value!r} does not exist in {tz.key} (clocks go forward that night): "
            "pick another time"
        )
    if first.utcoffset() != second.utcoffset():
        stamp = f"{day.isoformat()}T{clock:%H:%M}"
        raise TimeError(
            f"{value!r} happens twice in {tz.key} (clocks go back that night): write it with "
            f"its offset, {stamp}{_offset(first)} or {stamp}{_offset(second)}"
        )
    return first.astimezone(UTC)


def _offset(moment: datetime) -> str:
    delta = moment.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"

"""Instants and durations as templates show them, in the organization's timezone and language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from incidentctl.model.durations import format_duration


def aware(moment: datetime) -> datetime:
    """Stored datetimes are UTC-aware; a naive one is taken as UTC rather than local time."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class LocalTimes:
    """Formats instants in the organization's timezone."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def local(self, moment: datetime) -> datetime:
        return aware(moment).astimezone(self.tz)

    def zone(self, moment: datetime) -> str:
        return self.local(moment).tzname() or self.tz.key

    def full(self, moment: datetime) -> str:
        return f"{self.local(moment):%Y-%m-%d %H:%M} {self.zone(moment)}"

    def hour(self, moment: datetime) -> str:
        return f"{self.local(moment):%H:%M}"

    def day(self, moment: datetime) -> str:
        return f"{self.local(moment):%Y-%m-%d}"


def localized_duration(delta: timedelta, language: str) -> str:
    """A duration as people write it: `1h05m` in English, `1 h 05` or `45 min` in French."""
    if language != "fr":
        return format_duration(delta)
    total = max(int(delta.total_seconds()), 0)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} j {hours} h" if hours else f"{days} j"
    if hours:
        return f"{hours} h {minutes:02d}" if minutes else f"{hours} h"
    return f"{minutes} min" if minutes else f"{seconds} s"

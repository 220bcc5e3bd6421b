"""Instants and durations as templates show them, in the organization's timezone and language.

Two families: the compact forms of tables and logs (`2025-12-19 14:05 CET`, `14:05`, `1h05m`),
and the forms people read in a message, which always name the zone and, when the instant is
not on the day of rendering in that zone, the day: `at 20:46 CET`, `Monday 1 December at 20:46
CET`; « à 20 h 46 (heure de Paris) », « lundi 1er décembre à 20 h 46 (heure de Paris) ».
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from datetime import date as CalendarDay  # `LocalTimes.date` is a method
from zoneinfo import ZoneInfo

from incidentctl.model.durations import format_duration

NBSP = "\u00a0"  # French typography: between a number and its unit, inside « »
# a date this close to the day of rendering is written without its year
YEARLESS_DAYS = 183

WEEKDAYS: Mapping[str, tuple[str, ...]] = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
}
MONTHS: Mapping[str, tuple[str, ...]] = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
}
# the short months, where space is scarce (a status page's 1,800 day bars): `5 Sep`,
# « 5 sept. » (the abbreviations of the French national printing office)
SHORT_MONTHS: Mapping[str, tuple[str, ...]] = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "fr": (
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juil.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    ),
}
# how French readers name the zones our users are in; any other zone shows its abbreviation
FRENCH_ZONE_NAMES: Mapping[str, str] = {
    "Europe/Paris": "heure de Paris",
    "Europe/Brussels": "heure de Bruxelles",
    "Europe/Luxembourg": "heure de Luxembourg",
    "Europe/Monaco": "heure de Monaco",
    "Europe/Zurich": "heure de Zurich",
    "Europe/London": "heure de Londres",
    "America/Montreal": "heure de Montréal",
    "America/Toronto": "heure de Toronto",
    "America/New_York": "heure de New York",
    "Indian/Reunion": "heure de La Réunion",
    "Africa/Casablanca": "heure de Casablanca",
    "Africa/Algiers": "heure d'Alger",
    "Africa/Tunis": "heure de Tunis",
    "Africa/Dakar": "heure de Dakar",
    "UTC": "UTC",
    "Etc/UTC": "UTC",
    "Etc/UCT": "UTC",
    "Etc/Universal": "UTC",
    "Etc/Zulu": "UTC",
}


def aware(moment: datetime) -> datetime:
    """Stored datetimes are UTC-aware; a naive one is taken as UTC rather than local time."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def rfc822(moment: datetime) -> str:
    """`Wed, 02 Dec 2026 13:00:00 +0000`: the date RSS 2.0 wants, in UTC, as
    `email.utils.format_datetime` writes it, without importing the e-mail package (and its
    socket module: 4 ms of every `declare` that rebuilds the status site)."""
    utc = moment.astimezone(UTC)
    weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[utc.weekday()]
    month = SHORT_MONTHS["en"][utc.month - 1]
    return f"{weekday}, {utc.day:02d} {month} {utc.year:04d} {utc:%H:%M:%S} +0000"


class LocalTimes:
    """Formats instants in the organization's timezone and language, relative to `now` (the
    moment of rendering) for the readable forms."""

    def __init__(self, tz: ZoneInfo, language: str = "en", now: datetime | None = None) -> None:
        self.tz = tz
        self.language = "fr" if language == "fr" else "en"
        self.today = self.local(now if now is not None else datetime.now(UTC)).date()
        # (day ordinal, zone abbreviation) -> what `dated` writes before and after the clock
        self._dated_parts: dict[tuple[int, str | None], tuple[str, str]] = {}

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

    # the readable forms

    def abbreviation(self, moment: datetime) -> str:
        """`CET`, `CEST`, `UTC`; `UTC-03` for zones without a letter abbreviation (`-03`)."""
        return self._abbreviation_at(self.local(moment))

    def _abbreviation_at(self, local: datetime) -> str:
        abbreviation = local.tzname() or self.tz.key
        return f"UTC{abbreviation}" if abbreviation[:1] in "+-" else abbreviation

    def zone_name(self, moment: datetime) -> str:
        """`CET`; in French « heure de Paris » for the zones people name so, else `CET`."""
        return self._zone_name_at(self.local(moment))

    def _zone_name_at(self, local: datetime) -> str:
        if self.language == "fr" and self.tz.key in FRENCH_ZONE_NAMES:
            return FRENCH_ZONE_NAMES[self.tz.key]
        return self._abbreviation_at(local)

    def _zoned(self, clock: str, moment: datetime) -> str:
        return self._zoned_at(clock, self.local(moment))

    def _zoned_at(self, clock: str, local: datetime) -> str:
        name = self._zone_name_at(local)
        return f"{clock} ({name})" if name.startswith("heure") else f"{clock} {name}"

    def clock(self, moment: datetime) -> str:
        """`20:46`; « 20 h 46 », « 9 h 05 », « 15 h » in French."""
        return self._clock_at(self.local(moment))

    def _clock_at(self, local: datetime) -> str:
        if self.language != "fr":
            return f"{local.hour:02d}:{local.minute:02d}"
        if local.minute == 0:
            return f"{local.hour}{NBSP}h"
        return f"{local.hour}{NBSP}h{NBSP}{local.minute:02d}"

    def date(self, moment: datetime) -> str:
        """`Monday 1 December`; « lundi 1er décembre »; with the year when the day is more than
        half a year away (a next update past New Year's midnight needs none)."""
        local = self.local(moment)
        return self._date_at(local, abs((local.date() - self.today).days) > YEARLESS_DAYS)

    def short_date(self, day: CalendarDay) -> str:
        """A calendar day in few characters: `5 Sep`; « 1er sept. »; no weekday, no year."""
        return self._written(day, None, SHORT_MONTHS, "")

    def _date_at(self, local: datetime, with_year: bool) -> str:
        return self._written(local, WEEKDAYS, MONTHS, f" {local.year}" if with_year else "")

    def _written(
        self,
        day: CalendarDay,
        weekdays: Mapping[str, tuple[str, ...]] | None,
        months: Mapping[str, tuple[str, ...]],
        year: str,
    ) -> str:
        weekday = f"{weekdays[self.language][day.weekday()]} " if weekdays else ""
        month = months[self.language][day.month - 1]
        if self.language == "fr":
            number = "1er" if day.day == 1 else str(day.day)
            return f"{weekday}{number}{NBSP}{month}{year}"
        return f"{weekday}{day.day} {month}{year}"

    def dated(self, moment: datetime, *, zoned: bool = True) -> str:
        """The instant with its whole date, for a page read any day after it was written:
        `Wednesday 2 December 2026 at 19:49 CET`; « mercredi 2 décembre 2026 à 19 h 49 (heure
        de Paris) »; without the zone after a sentence that named it (`zoned=False`). (From
        one local time: a site build says it of every update, 100,000 of them.)"""
        local = self.local(moment)
        key = (local.toordinal(), local.tzname())
        parts = self._dated_parts.get(key)
        if parts is None:  # a day's words and a zone's name, made once per day and zone
            joint = " à " if self.language == "fr" else " at "
            zone = self._zoned_at("", local)  # ` CET`, ` (heure de Paris)`
            parts = self._dated_parts[key] = (self._date_at(local, True) + joint, zone)
        clock = self._clock_at(local)
        return parts[0] + clock + parts[1] if zoned else parts[0] + clock

    def is_today(self, moment: datetime) -> bool:
        return self.local(moment).date() == self.today

    def text(self, moment: datetime) -> str:
        """The instant on its own, for a label or after "by": `20:46 CET`, `Monday 1 December
        at 20:46 CET`; « 20 h 46 (heure de Paris) », « lundi 1er décembre à 20 h 46 (…) »."""
        clock = self._zoned(self.clock(moment), moment)
        if self.is_today(moment):
            return clock
        joint = " à " if self.language == "fr" else " at "
        return f"{self.date(moment)}{joint}{clock}"

    def aside(self, moment: datetime) -> str:
        """The instant in parentheses after a sentence: `14:32 CET`, `Monday 1 December at
        14:32 CET`; « 14 h 32, heure de Paris », « lundi 1er décembre à 14 h 32, heure de … »."""
        text = self.text(moment)
        name = self.zone_name(moment)
        if name.startswith("heure"):
            return text.removesuffix(f" ({name})") + f", {name}"
        return text

    def beside(self, moment: datetime, other: datetime) -> str:
        """`moment` said next to `other` (already written out, with its zone): no zone again
        unless the offset differs, no date when it is the same day: « 1 h », `01:00`,
        `Thursday 10 December at 23:00`."""
        if self.local(moment).utcoffset() != self.local(other).utcoffset():
            return self.text(moment)
        clock = self.clock(moment)
        if self.is_today(moment) or self.local(moment).date() == self.local(other).date():
            return clock
        joint = " à " if self.language == "fr" else " at "
        return f"{self.date(moment)}{joint}{clock}"

    def when(self, moment: datetime) -> str:
        """The instant inside a sentence: `at 20:46 CET`, `on Monday 1 December at 20:46 CET`;
        « à 20 h 46 (heure de Paris) », « lundi 1er décembre à 20 h 46 (heure de Paris) »."""
        if self.is_today(moment):
            return ("à " if self.language == "fr" else "at ") + self.text(moment)
        return self.text(moment) if self.language == "fr" else f"on {self.text(moment)}"

    def span(self, start: datetime, end: datetime) -> str:
        """From one instant to another: `from 19:46 to 20:22 CET`, `on Monday 1 December from
        19:46 to 20:22 CET`, `from Monday 1 December at 23:40 to Tuesday 2 December at 00:16
        CET`; « de 19 h 46 à 20 h 22 (heure de Paris) », « du lundi 1er décembre à 23 h 40 au
        mardi 2 décembre à 0 h 16 (heure de Paris) ». The zone is named once, at the end; when
        summer time starts or ends in between, each end also gets its abbreviation."""
        fr = self.language == "fr"
        shifted = self.local(start).utcoffset() != self.local(end).utcoffset()

        def clock(moment: datetime) -> str:
            return (
                f"{self.clock(moment)} {self.abbreviation(moment)}"
                if shifted
                else (self.clock(moment))
            )

        if self.local(start).date() == self.local(end).date():
            hours = (
                f"de {clock(start)} à {clock(end)}"
                if fr
                else f"from {clock(start)} to {clock(end)}"
            )
            if not self.is_today(start):
                hours = f"le {self.date(start)} {hours}" if fr else f"on {self.date(start)} {hours}"
        else:
            joint = " à " if fr else " at "
            first = f"{self.date(start)}{joint}{clock(start)}"
            last = f"{self.date(end)}{joint}{clock(end)}"
            hours = f"du {first} au {last}" if fr else f"from {first} to {last}"
        name = self.zone_name(end)
        if not shifted:
            return self._zoned(hours, end)
        return f"{hours} ({name})" if name.startswith("heure") else hours


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


def _units(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def readable_duration(delta: timedelta, language: str) -> str:
    """A duration to read in a sentence: `36 minutes`, `1 hour 5 minutes`, `2 days 3 hours`;
    « 36 min », « 1 h 05 », « 2 jours 3 h » (no-break spaces) in French."""
    total = max(int(delta.total_seconds()), 0)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if language == "fr":
        if days:
            day_part = f"{days}{NBSP}" + ("jour" if days == 1 else "jours")
            return f"{day_part} {hours}{NBSP}h" if hours else day_part
        return localized_duration(delta, "fr").replace(" ", NBSP)
    if days:
        parts = [_units(days, "day", "days"), _units(hours, "hour", "hours") if hours else ""]
    elif hours:
        parts = [
            _units(hours, "hour", "hours"),
            _units(minutes, "minute", "minutes") if minutes else "",
        ]
    elif minutes:
        parts = [_units(minutes, "minute", "minutes")]
    else:
        parts = [_units(seconds, "second", "seconds")]
    return " ".join(part for part in parts if part)

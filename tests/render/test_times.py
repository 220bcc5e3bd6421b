"""Times and durations as people read them: the zone always, the day when it is not today."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from incidentctl.render.environment import plain
from incidentctl.render.times import LocalTimes, readable_duration

NB = "\u00a0"
# Monday 1 December 2025, 20:46 in Paris (CET, UTC+1)
EVENING = datetime(2025, 12, 1, 19, 46, tzinfo=UTC)


def times(language: str, now: datetime, zone: str = "Europe/Paris") -> LocalTimes:
    return LocalTimes(ZoneInfo(zone), language, now)


@pytest.mark.parametrize(
    ("language", "when", "text"),
    [
        ("en", "at 20:46 CET", "20:46 CET"),
        ("fr", f"à 20{NB}h{NB}46 (heure de Paris)", f"20{NB}h{NB}46 (heure de Paris)"),
    ],
)
def test_today_names_the_zone_not_the_day(language: str, when: str, text: str) -> None:
    clock = times(language, EVENING)
    assert (clock.when(EVENING), clock.text(EVENING)) == (when, text)


@pytest.mark.parametrize(
    ("language", "when", "text"),
    [
        ("en", "on Monday 1 December at 20:46 CET", "Monday 1 December at 20:46 CET"),
        (
            "fr",
            f"lundi 1er{NB}décembre à 20{NB}h{NB}46 (heure de Paris)",
            f"lundi 1er{NB}décembre à 20{NB}h{NB}46 (heure de Paris)",
        ),
    ],
)
def test_past_midnight_names_the_day(language: str, when: str, text: str) -> None:
    clock = times(language, EVENING + timedelta(hours=4))  # 00:46 on Tuesday in Paris
    assert (clock.when(EVENING), clock.text(EVENING)) == (when, text)


def test_the_day_is_the_zone_s_day_not_utc_s() -> None:
    # 23:30 UTC on Monday is already Tuesday 00:30 in Paris, the day of `now` there
    late = datetime(2025, 12, 1, 23, 30, tzinfo=UTC)
    assert times("en", late).text(late) == "00:30 CET"
    assert times("en", late, "UTC").text(late) == "23:30 UTC"
    assert times("en", late + timedelta(hours=1), "UTC").text(late) == (
        "Monday 1 December at 23:30 UTC"
    )


def test_french_clock_typography() -> None:
    clock = times("fr", EVENING)
    assert clock.text(datetime(2025, 12, 1, 14, 0, tzinfo=UTC)) == f"15{NB}h (heure de Paris)"
    assert clock.text(datetime(2025, 12, 1, 8, 5, tzinfo=UTC)) == f"9{NB}h{NB}05 (heure de Paris)"
    assert clock.date(datetime(2025, 12, 2, 12, tzinfo=UTC)) == f"mardi 2{NB}décembre"


def test_a_date_half_a_year_away_gives_its_year() -> None:
    clock = times("en", EVENING)
    assert clock.date(datetime(2026, 1, 1, 12, tzinfo=UTC)) == "Thursday 1 January"
    assert clock.date(datetime(2024, 11, 29, 12, tzinfo=UTC)) == "Friday 29 November 2024"


@pytest.mark.parametrize(
    ("zone", "en", "fr"),
    [
        ("Europe/Paris", "20:46 CET", f"20{NB}h{NB}46 (heure de Paris)"),
        ("Europe/Brussels", "20:46 CET", f"20{NB}h{NB}46 (heure de Bruxelles)"),
        ("America/Montreal", "14:46 EST", f"14{NB}h{NB}46 (heure de Montréal)"),
        ("America/Toronto", "14:46 EST", f"14{NB}h{NB}46 (heure de Toronto)"),
        ("UTC", "19:46 UTC", f"19{NB}h{NB}46 UTC"),
        ("Asia/Tokyo", "04:46 JST", f"4{NB}h{NB}46 JST"),
        ("America/Sao_Paulo", "16:46 UTC-03", f"16{NB}h{NB}46 UTC-03"),
    ],
)
def test_zone_names(zone: str, en: str, fr: str) -> None:
    moment = EVENING
    now = moment.replace(hour=12) if zone == "Asia/Tokyo" else moment
    assert times("en", now, zone).text(moment).endswith(en)
    assert times("fr", now, zone).text(moment).endswith(fr)


def test_summer_time_has_its_own_abbreviation() -> None:
    summer = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
    assert times("en", summer).text(summer) == "14:00 CEST"
    assert times("fr", summer).text(summer) == f"14{NB}h (heure de Paris)"


@pytest.mark.parametrize(
    ("language", "end", "now", "span"),
    [
        ("en", timedelta(minutes=36), timedelta(minutes=40), "from 20:46 to 21:22 CET"),
        (
            "fr",
            timedelta(minutes=36),
            timedelta(minutes=40),
            f"de 20{NB}h{NB}46 à 21{NB}h{NB}22 (heure de Paris)",
        ),
        (
            "en",
            timedelta(minutes=36),
            timedelta(days=1),
            "on Monday 1 December from 20:46 to 21:22 CET",
        ),
        (
            "fr",
            timedelta(minutes=36),
            timedelta(days=1),
            f"le lundi 1er{NB}décembre de 20{NB}h{NB}46 à 21{NB}h{NB}22 (heure de Paris)",
        ),
        (
            "en",
            timedelta(hours=4),
            timedelta(hours=4),
            "from Monday 1 December at 20:46 to Tuesday 2 December at 00:46 CET",
        ),
        (
            "fr",
            timedelta(hours=4),
            timedelta(hours=4),
            f"du lundi 1er{NB}décembre à 20{NB}h{NB}46 au mardi 2{NB}décembre à"
            f" 0{NB}h{NB}46 (heure de Paris)",
        ),
    ],
)
def test_span(language: str, end: timedelta, now: timedelta, span: str) -> None:
    assert times(language, EVENING + now).span(EVENING, EVENING + end) == span


def test_a_span_across_a_change_of_summer_time_names_both_zones() -> None:
    # 26 October 2025: 03:00 CEST becomes 02:00 CET in Paris
    start = datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    end = start + timedelta(hours=1)
    assert times("en", end).span(start, end) == "from 02:30 CEST to 02:30 CET"
    assert times("fr", end).span(start, end) == (
        f"de 2{NB}h{NB}30 CEST à 2{NB}h{NB}30 CET (heure de Paris)"
    )


@pytest.mark.parametrize(
    ("seconds", "en", "fr"),
    [
        (45, "45 seconds", f"45{NB}s"),
        (60, "1 minute", f"1{NB}min"),
        (36 * 60, "36 minutes", f"36{NB}min"),
        (3600, "1 hour", f"1{NB}h"),
        (3900, "1 hour 5 minutes", f"1{NB}h{NB}05"),
        (7200 + 60, "2 hours 1 minute", f"2{NB}h{NB}01"),
        (86400, "1 day", f"1{NB}jour"),
        (2 * 86400 + 3 * 3600, "2 days 3 hours", f"2{NB}jours 3{NB}h"),
    ],
)
def test_readable_duration(seconds: int, en: str, fr: str) -> None:
    delta = timedelta(seconds=seconds)
    assert readable_duration(delta, "en") == en
    assert readable_duration(delta, "fr") == fr


def test_plain_keeps_sms_text_in_the_basic_alphabet() -> None:
    assert plain(f"à 20{NB}h{NB}46 (heure de Paris)") == "à 20 h 46 (heure de Paris)"
    assert plain(f"«{NB}Sécurité{NB}» \u202f;") == '"Sécurité"  ;'


def test_a_moment_beside_another_drops_what_that_one_already_says() -> None:
    times = LocalTimes(ZoneInfo("Europe/Paris"), "fr", datetime(2026, 10, 20, 12, tzinfo=UTC))
    new_end = datetime(2026, 10, 23, 1, tzinfo=UTC)  # vendredi 3 h (heure d'été)
    assert times.beside(datetime(2026, 10, 23, 0, 30, tzinfo=UTC), new_end) == "2\u00a0h\u00a030"
    assert times.beside(datetime(2026, 10, 22, 21, tzinfo=UTC), new_end) == (
        "jeudi 22\u00a0octobre à 23\u00a0h"
    )
    # across the night clocks go back, the offset differs: the zone is said again
    after = datetime(2026, 10, 25, 3, tzinfo=UTC)
    assert "(heure de Paris)" in times.beside(after, new_end)


@pytest.mark.parametrize(
    ("language", "zone", "moment", "text"),
    [
        ("fr", "Europe/Paris", datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
         f"mardi 1er{NB}décembre 2026 à 9{NB}h (heure de Paris)"),
        ("fr", "Europe/Paris", datetime(2026, 7, 14, 9, 5, tzinfo=UTC),
         f"mardi 14{NB}juillet 2026 à 11{NB}h{NB}05 (heure de Paris)"),
        ("en", "Europe/Paris", datetime(2026, 7, 14, 9, 5, tzinfo=UTC),
         "Tuesday 14 July 2026 at 11:05 CEST"),
        ("en", "America/Sao_Paulo", datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
         "Tuesday 1 December 2026 at 05:00 UTC-03"),
    ],
)  # fmt: skip
def test_dated_writes_the_whole_date_for_a_page_read_any_day_later(
    language: str, zone: str, moment: datetime, text: str
) -> None:
    # the same day as `now`, and still the date and year: a site page is read later
    local = times(language, moment, zone)
    assert local.dated(moment) == text
    unzoned = text.split(" (")[0].removesuffix(" CEST").removesuffix(" UTC-03")
    assert local.dated(moment, zoned=False) == unzoned


def test_rfc822_writes_what_email_utils_writes_for_utc() -> None:
    from datetime import UTC, datetime
    from email.utils import format_datetime

    from incidentctl.render.times import rfc822

    for moment in (
        datetime(2026, 12, 2, 13, 0, 5, tzinfo=UTC),
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2024, 2, 29, 23, 59, 59, 999, tzinfo=UTC),
    ):
        assert rfc822(moment) == format_datetime(moment)


def test_dated_names_each_instant_s_own_zone_on_the_day_clocks_change() -> None:
    # one `LocalTimes` writes a whole build: the day's words are made once, the zone per instant
    local = times("en", datetime(2026, 3, 29, 12, tzinfo=UTC), "Europe/Paris")
    before = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    after = before + timedelta(hours=1)
    assert local.dated(before) == "Sunday 29 March 2026 at 01:30 CET"
    assert local.dated(after) == "Sunday 29 March 2026 at 03:30 CEST"
    assert local.dated(before) == "Sunday 29 March 2026 at 01:30 CET"
    assert local.dated(after, zoned=False) == "Sunday 29 March 2026 at 03:30"
    assert local.dated(after + timedelta(days=1)) == "Monday 30 March 2026 at 03:30 CEST"

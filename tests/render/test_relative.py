"""`ago`: how long ago, in English and French, and never a negative duration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from incidentctl.render.relative import ago

NOW = datetime(2026, 12, 2, 7, 6, tzinfo=UTC)


def test_a_past_moment_is_so_long_ago_in_each_language() -> None:
    assert ago(NOW - timedelta(minutes=35), NOW, "07:31 CET") == "35m ago"
    assert ago(NOW - timedelta(minutes=35), NOW, "7 h 31", "fr") == "il y a 35\u00a0min"


def test_a_moment_a_little_ahead_was_just_now_and_one_further_ahead_shows_its_time() -> None:
    assert ago(NOW + timedelta(minutes=4), NOW, "08:10 CET") == "just now"
    assert ago(NOW + timedelta(minutes=4), NOW, "8 h 10", "fr") == "à l'instant"
    assert ago(NOW + timedelta(minutes=36), NOW, "08:42 CET") == "at 08:42 CET"
    assert ago(NOW + timedelta(minutes=36), NOW, "8 h 42", "fr") == "à 8 h 42"

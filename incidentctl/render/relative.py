"""How long ago something happened, as a view says it: `12m ago` (« il y a 12 min »).

A moment a little ahead of now (another machine's clock) was `just now` (« à l'instant »);
one further ahead shows as its time: a view never says `-35m ago`."""

from __future__ import annotations

from datetime import datetime, timedelta

from incidentctl.model.durations import format_duration
from incidentctl.render.times import readable_duration

# how far ahead of now a moment may be and still read as "just now"
SKEW = timedelta(minutes=5)


def ago(moment: datetime, now: datetime, when: str, language: str = "en") -> str:
    """`12m ago`; `just now` for a moment up to `SKEW` ahead; `at {when}` further ahead
    (`when`: the moment as the view writes a time)."""
    fr = language == "fr"
    ahead = moment - now
    if ahead > SKEW:
        return f"à {when}" if fr else f"at {when}"
    if ahead > timedelta(0):
        return "à l'instant" if fr else "just now"
    if fr:
        return f"il y a {readable_duration(now - moment, language)}"
    return f"{format_duration(now - moment)} ago"

"""A preview shows a bounded part of each body, and says how much it left out."""

from __future__ import annotations

from incidentctl.output.messages import PREVIEW_CHARS, _clipped


def test_a_short_body_is_shown_whole() -> None:
    assert _clipped("We are investigating.") == "We are investigating."


def test_a_huge_body_is_cut_and_says_how_much_is_not_shown() -> None:
    shown = _clipped("x" * (PREVIEW_CHARS + 1234))
    assert shown.startswith("x" * PREVIEW_CHARS)
    assert shown.endswith("… 1234 more characters, not shown in this preview")

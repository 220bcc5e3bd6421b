"""The internal review's sections as the public postmortem quotes them."""

from __future__ import annotations

import pytest

from incidentctl.app.review_sections import normalized, public_text, read_sections, written

REVIEW = """\
# Postmortem: API down

## Root cause and contributing factors

The pool was too small.

```text
## Not a heading (inside a fence)
```

### Contributing factors

Load doubled.

## Action items

| Action | Owner | Due | Tracking |
|---|---|---|---|
| Bigger pool | @alice | 2026-01-10 | OPS-1 |
| _Detect sooner: …_ | @ | YYYY-MM-DD | _link_ |

## Public summary

_For customers, in plain words._
"""


def test_a_section_runs_to_the_next_heading_of_its_level_and_ignores_fenced_headings() -> None:
    sections = read_sections(REVIEW)
    cause = sections[normalized("Root cause and contributing factors")]
    assert cause.line == 3
    assert "Load doubled." in cause.body and "## Not a heading" in cause.body
    assert "Bigger pool" not in cause.body
    assert normalized("Not a heading (inside a fence)") not in sections


@pytest.mark.parametrize(
    "typed", ["action items", "ACTION ITEMS:", " Action\u00a0items ", "Action  items :"]
)
def test_headings_match_whatever_the_case_spacing_and_final_colon(typed: str) -> None:
    assert normalized(typed) in read_sections(REVIEW)


def test_scaffold_placeholders_do_not_count_as_written() -> None:
    sections = read_sections(REVIEW)
    assert written(sections[normalized("Public summary")].body) == ""
    actions = written(sections[normalized("Action items")].body)
    assert "Bigger pool" in actions and "Detect sooner" not in actions
    only_placeholders = "| A | B |\n|---|---|\n| _x_ | @ |\n\n<!-- a note -->\n"
    assert written(only_placeholders) == ""


def test_people_and_rooms_become_words_that_name_no_one() -> None:
    text = public_text(
        "@alice restarted it; see #ops-war-room and issue #123.\n"
        "Mail ops@example.com, read https://example.com/a#frag\n"
        "## Details",
        "the team",
        "an internal channel",
    )
    assert text.startswith("The team restarted it; see an internal channel and issue #123.")
    assert "ops@example.com" in text and "https://example.com/a#frag" in text
    assert "### Details" in text  # below the public document's own headings
    assert "@alice" not in text and "#ops" not in text

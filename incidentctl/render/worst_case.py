"""The longest plausible sample incident, to measure a template's worst case against a limit.

Real incidents carry longer texts than the sample: a channel whose sample message fits may
still refuse the message of a 3 a.m. incident. This sample fills every free text to a length
responders plausibly reach, with the sample's own words repeated (so the characters, and the
encoding an SMS needs, stay those of the playbook's language), lists every component, and gives
every role a long handle.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from incidentctl.model.records import Stage
from incidentctl.playbook.schema import Playbook
from incidentctl.render.sample import sample_context, sample_texts

# field of the sample -> characters in the worst case
WORST_CASE_LENGTHS: dict[str, int] = {
    "title": 100,
    "impact": 300,
    "workaround": 200,
    "eta": 40,
    "update": 400,
    "identified": 400,
    "monitoring": 400,
    "resolved": 400,
}
WORST_CASE_HANDLE = "@alexandra.delacroix-oncall"  # 27 characters

WORST_CASE_NOTE = (
    "worst case: the sample's texts repeated to a 100-character title, a 300-character impact, "
    "a 200-character workaround, a 40-character ETA and 400-character messages; every component "
    "of the playbook in major outage; every role held by a 27-character handle; lengths as each "
    "channel's service counts them"
)


def stretched(text: str, length: int) -> str:
    """`text` repeated (one line) and cut to exactly `length` characters (a cut at a space
    ends with a full stop)."""
    words = " ".join(text.split())
    if not words:  # a playbook's sample left a text empty: still the worst case's length
        return "x" * length
    cut = " ".join([words] * (length // len(words) + 1))[:length]
    return cut[:-1] + "." if cut.endswith(" ") else cut


def worst_case_context(
    playbook: Playbook, stage: Stage, severity_id: str, *, now: datetime
) -> dict[str, Any]:
    """The template context of the longest plausible incident of `severity_id` at `stage`."""
    base = sample_texts(playbook)
    texts = {name: stretched(base[name], size) for name, size in WORST_CASE_LENGTHS.items()}
    return sample_context(
        playbook,
        stage,
        now=now,
        severity_id=severity_id,
        texts=texts,
        handle=WORST_CASE_HANDLE,
        every_component=True,
    )

"""Punctuation as each language writes it: French puts a no-break space before a colon and
a narrow no-break space before ; ! ? (as the built-in French templates do), English none."""

from __future__ import annotations

from incidentctl.render.times import NBSP

NARROW_NBSP = "\u202f"
_FRENCH = {":": NBSP + ":", ";": NARROW_NBSP + ";", "!": NARROW_NBSP + "!", "?": NARROW_NBSP + "?"}


def mark(sign: str, language: str) -> str:
    """`:` as the language writes it after a word: « Impact : » in French."""
    return _FRENCH.get(sign, sign) if language == "fr" else sign


def labelled(label: str, text: str, language: str) -> str:
    """`Label: text` (`Label : text` in French)."""
    return f"{label}{mark(':', language)} {text}"

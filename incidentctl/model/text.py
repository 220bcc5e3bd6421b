"""Text that can neither act on a terminal nor hide what it says.

Control characters (C0 but tab and newline, DEL, C1) and whole escape sequences are obeyed by a
terminal: `\\x1b[2J` clears the screen, OSC 0 retitles the window, OSC 8 makes a link. They are
taken out of what is stored and sent (`strip_controls`), and any that still reach a terminal —
rows an older version stored, a service's error text — are shown as `\\x1b`-style escapes
(`visible`). Bidi overrides and isolates and zero-width characters are legitimate in
right-to-left text, so they are kept, but named (`hidden_characters`) so a preview can warn that
the text may not read as it looks.
"""

from __future__ import annotations

import re
import unicodedata

_ST = r"(?:\x1b\\|\x9c|\x07)"  # string terminator (BEL ends OSC in xterm)
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, clearing
    r"|\x9b[0-?]*[ -/]*[@-~]"  # the same, introduced by the 8-bit CSI
    rf"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c]*{_ST}?"  # OSC, DCS, SOS, PM, APC
    r"|\x1b[ -/]*[0-~]"  # two-character and nF sequences (`\x1bc` resets, `\x1b(0` charsets)
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# bytes that were not UTF-8 arrive as lone surrogates (`\udc9b` for a raw 0x9b): those in the
# C1 range are controls to an 8-bit terminal, the others cannot be encoded at all
_RAW_C1 = re.compile(r"[\udc80-\udc9f]")
# JSON escapes C0 controls itself; DEL and C1 (`\x9b` is CSI to an 8-bit terminal) it leaves
_UNESCAPED_IN_JSON = re.compile(r"[\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

BIDI_CONTROLS = {
    **{code: "text may display reversed" for code in range(0x202A, 0x202F)},
    **{code: "text may display reversed" for code in range(0x2066, 0x206A)},
}
ZERO_WIDTH = {
    code: "invisible: the text may not be what it looks like"
    for code in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)
}
_HIDDEN = {**BIDI_CONTROLS, **ZERO_WIDTH}

# every control but tab and newline as its escape; `_ONE_LINE` also turns those into spaces
_SHOWN = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}
_MULTI_LINE = {**_SHOWN, 0x09: "\t", 0x0A: "\n"}
_ONE_LINE = {**_SHOWN, 0x09: " ", 0x0A: " "}


def strip_controls(value: str) -> str:
    """`value` without escape sequences, control characters and undecodable bytes (newlines
    and tabs stay)."""
    text = _RAW_C1.sub("", value)
    text = _SURROGATE.sub("\ufffd", text)
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))


def visible(value: str, *, one_line: bool = False) -> str:
    """`value` with every control character shown as an escape (`\\x1b`, `\\x07`, `\\x9b`), so
    a terminal prints it instead of obeying it; `one_line` also makes newlines and tabs
    spaces (a table cell)."""
    text = value.translate(_ONE_LINE if one_line else _MULTI_LINE)
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    return text


def hidden_characters(value: str) -> list[str]:
    """Each bidi control or zero-width character in `value`, once, as
    `U+202E RIGHT-TO-LEFT OVERRIDE (text may display reversed)`."""
    found: list[str] = []
    for char in dict.fromkeys(value):
        effect = _HIDDEN.get(ord(char))
        if effect is not None:
            name = unicodedata.name(char, "")
            found.append(f"U+{ord(char):04X} {name} ({effect})")
    return found


def json_controls_escaped(text: str) -> str:
    """JSON text (`json.dumps` output) with DEL and C1 escaped too (`\\u009b`), as JSON
    escapes C0 itself: printed, it is still the same JSON."""
    if text.isascii() and "\x7f" not in text:  # most output: two scans in C, no regex
        return text
    return _UNESCAPED_IN_JSON.sub(lambda found: f"\\u{ord(found.group()):04x}", text)

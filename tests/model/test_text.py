"""Which characters leave text, which are shown as escapes, which are named."""

from __future__ import annotations

import json

import pytest

from incidentctl.model.text import (
    hidden_characters,
    json_controls_escaped,
    strip_controls,
    visible,
)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("API \x1b]0;pwned\x07down", "API down"),  # OSC 0 retitles the window
        ("a\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),  # OSC 8 hyperlink
        ("clear\x1b[2J\x1b[H me", "clear me"),  # CSI
        ("8-bit \x9b31mred", "8-bit red"),  # C1 CSI
        ("8-bit \x9d0;t\x9c title", "8-bit  title"),  # C1 OSC ended by C1 ST
        ("dcs \x1bP1$r\x1b\\ end", "dcs  end"),  # DCS
        ("reset \x1bc charset \x1b(0 end", "reset  charset  end"),  # RIS, nF
        ("bell\x07 back\x08 del\x7f nul\x00 cr\r", "bell back del nul cr"),
        ("raw byte \udc9b31m", "raw byte 31m"),  # an undecodable 0x9b from argv
        ("latin-1 caf\udce9", "latin-1 caf\ufffd"),
        ("lines\nand\ttabs", "lines\nand\ttabs"),
        ("rtl \u202eevil\u202c zw\u200b", "rtl \u202eevil\u202c zw\u200b"),  # kept, flagged
    ],
)
def test_strip_controls(typed: str, kept: str) -> None:
    assert strip_controls(typed) == kept


def test_every_c0_and_c1_control_but_tab_and_newline_is_stripped() -> None:
    controls = "".join(map(chr, [*range(0x20), *range(0x7F, 0xA0)]))
    assert strip_controls(controls) == "\t\n"


@pytest.mark.parametrize(
    ("stored", "one_line", "shown"),
    [
        ("t\x1b]0;pwned\x07", False, "t\\x1b]0;pwned\\x07"),
        ("\x9b2J\x7f", False, "\\x9b2J\\x7f"),
        ("a\nb\tc\rd", False, "a\nb\tc\\x0dd"),
        ("a\nb\tc", True, "a b c"),
        ("[bold red]x[/]", False, "[bold red]x[/]"),  # markup is output's business
        ("caf\udce9", False, "caf\ufffd"),
    ],
)
def test_visible(stored: str, one_line: bool, shown: str) -> None:
    assert visible(stored, one_line=one_line) == shown


def test_visible_text_holds_no_control_character() -> None:
    everything = "".join(map(chr, range(0x100)))
    shown = visible(everything, one_line=True)
    assert strip_controls(shown) == shown


def test_hidden_characters_are_named_once_each() -> None:
    assert hidden_characters("a\u202eb\u202e \u2067 \ufeff\u200d") == [
        "U+202E RIGHT-TO-LEFT OVERRIDE (text may display reversed)",
        "U+2067 RIGHT-TO-LEFT ISOLATE (text may display reversed)",
        "U+FEFF ZERO WIDTH NO-BREAK SPACE (invisible: the text may not be what it looks like)",
        "U+200D ZERO WIDTH JOINER (invisible: the text may not be what it looks like)",
    ]
    assert hidden_characters("plain, é, שלום") == []


def test_json_controls_escaped_is_still_the_same_json() -> None:
    data = {"title": "a\x1b[2J \x9b31m \x7f b"}
    text = json_controls_escaped(json.dumps(data, ensure_ascii=False))
    assert not any(0x7F <= ord(c) <= 0x9F or ord(c) < 0x20 for c in text)
    assert json.loads(text) == data


@pytest.mark.parametrize("title", ["plain \x7f ascii", "accents é \x9b31m", "plain", "é"])
def test_json_controls_escaped_whether_the_text_is_ascii_or_not(title: str) -> None:
    text = json_controls_escaped(json.dumps({"title": title}, ensure_ascii=False))
    assert not any(0x7F <= ord(c) <= 0x9F for c in text)
    assert json.loads(text) == {"title": title}

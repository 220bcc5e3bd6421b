"""Feeds written as text: element content and attribute values escaped as XML 1.0 needs,
without ElementTree (its import and its tree cost a rebuild more than the writing)."""

from __future__ import annotations

import re

# what XML 1.0 cannot hold at all (control characters but tab and newlines; lone surrogates;
# U+FFFE/U+FFFF): dropped, as no reader could parse the feed with them
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """`value` as element content: `&`, `<` and `>` escaped."""
    value = UNWRITABLE.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attr(value: str) -> str:
    """`value` as a quoted attribute value (a newline kept as one, not folded to a space)."""
    escaped = xml_text(value).replace('"', "&quot;")
    return '"' + escaped.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#09;") + '"'


def xml_document(parts: list[str]) -> bytes:
    """The parts joined after the XML declaration, as UTF-8."""
    return ("<?xml version='1.0' encoding='utf-8'?>\n" + "".join(parts) + "\n").encode()

"""The feeds parsed back by feedparser; Atom's required elements (RFC 4287); stable ids."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import feedparser

from tests.app.site.builders import history

A = "{http://www.w3.org/2005/Atom}"


def test_feeds_parse_without_error_and_carry_the_public_updates(site: Path) -> None:
    for name in ("feed.atom", "feed.rss", "feeds/portal.atom", "feeds/portal.rss"):
        parsed = feedparser.parse((site / name).read_bytes())
        assert not parsed.bozo, (name, parsed.get("bozo_exception"))
        titles = [e.title for e in parsed.entries]
        assert any(t.startswith("Slow portal <script>") for t in titles), titles
        body = " ".join(e.get("summary", "") for e in parsed.entries)
        assert "Internal only" not in body
    api = feedparser.parse((site / "feeds/api.atom").read_bytes())
    assert [e.title for e in api.entries] == ["Logins fail"]


def test_atom_has_the_elements_rfc_4287_requires(site: Path) -> None:
    root = ET.fromstring((site / "feed.atom").read_bytes())
    assert root.tag == f"{A}feed"
    for tag in ("id", "title", "updated", "author"):
        assert root.find(f"{A}{tag}") is not None, tag
    entries = root.findall(f"{A}entry")
    assert len(entries) == 2
    for entry in entries:
        for tag in ("id", "title", "updated"):
            assert (entry.findtext(f"{A}{tag}") or "").strip(), tag
        assert entry.find(f"{A}link[@rel='alternate']") is not None
        assert entry.find(f"{A}content") is not None or entry.find(f"{A}summary") is not None


def test_entry_ids_stay_across_rebuilds_and_updated_follows_the_latest_update(
    tmp_path: Path,
) -> None:
    with history(tmp_path) as h:
        incident = h.declare("Logins fail")
        first = feedparser.parse(h.build(tmp_path / "out").out.joinpath("feed.atom").read_bytes())
        h.later(45)
        h.update(incident, "Still looking")
        h.later(5)
        again = feedparser.parse(h.build(tmp_path / "out").out.joinpath("feed.atom").read_bytes())
    assert first.entries[0].id == again.entries[0].id == f"urn:uuid:{incident.uid}"
    assert first.entries[0].updated == "2026-11-20T09:00:00+00:00"
    assert again.entries[0].updated == "2026-11-20T09:45:00+00:00"
    assert again.feed.updated == again.entries[0].updated


def test_feeds_written_as_text_escape_what_users_typed(tmp_path: Path) -> None:
    # (the store keeps no control character of a message: the writer's own drop is below)
    with history(tmp_path) as h:
        incident = h.declare('Logins "fail" & <b>loop</b>')
        h.later(5)
        h.update(incident, "Bell\x07 then\ttab\r\nand a form feed\x0c here")
        out = h.build(tmp_path / "out").out
    for name in ("feed.atom", "feed.rss"):
        raw = (out / name).read_bytes()
        parsed = feedparser.parse(raw)
        assert not parsed.bozo, (name, parsed.get("bozo_exception"))
        assert parsed.entries[0].title == 'Logins "fail" & <b>loop</b>'
        said = parsed.entries[0].get("summary", "")
        assert "Bell then\ttab" in said and "form feed here" in said
        assert b"\x1b" not in raw and b"\x07" not in raw and b"<b>" not in raw
    root = ET.fromstring((out / "feed.atom").read_bytes())  # the strict parser agrees
    assert root.findtext(f"{A}entry/{A}title") == 'Logins "fail" & <b>loop</b>'


def test_what_xml_cannot_hold_is_dropped_and_attributes_keep_quotes_and_newlines() -> None:
    from incidentctl.app.site.xmltext import xml_attr, xml_document, xml_text

    said = xml_text("bell\x07 esc\x1b[0m ff\x0c nul\x00 \ud800 <ok> & tab\t")
    assert said == "bell esc[0m ff nul  &lt;ok&gt; &amp; tab\t"
    ET.fromstring(xml_document([f"<t>{said}</t>"]))  # a strict parser reads it

    quoted = xml_attr('x"y&z\n<w>')
    element = ET.fromstring(f"<a href={quoted}/>")
    assert element.get("href") == 'x"y&z\n<w>'

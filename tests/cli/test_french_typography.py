"""French typography on everything the French demo publishes: its status site, feeds, API
texts meant for people, banner and maintenance calendar (a no-break space before : and a
narrow one before ; ! ?, no-break spaces inside « »)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.helpers import cli

# links and addresses, which keep their colons and question marks
_ADDRESS = re.compile(r"\b(?:https?|file|mailto|tel|webcal|data)://?\S*|\b[\w.+-]+@[\w.-]+")
# a mark that needs a space before it in French, with what comes before it: a letter, digit,
# closing bracket or quote (directly), or an ordinary space
_MARK = re.compile(r"(?:(?<=[\w)\]»”’\"'])|(?<= ))[:;!?]")
# times (14:32, 2026-12-02T07:06:00Z) and a mark typed twice (::) are no punctuation
_TIME = re.compile(r"\d:\d")
_OPENING = re.compile("«(?![\u00a0\u202f])")
_CLOSING = re.compile("(?<![\u00a0\u202f])»")


def offences(text: str) -> list[str]:
    """The places in a piece of running text where French typography is not followed."""
    text = _ADDRESS.sub(" ", text)
    found = []
    for match in _MARK.finditer(text):
        start = match.start()
        if _TIME.match(text, start - 1):
            continue
        found.append(text[max(0, start - 25) : start + 10])
    for match in (*_OPENING.finditer(text), *_CLOSING.finditer(text)):
        found.append(text[max(0, match.start() - 25) : match.start() + 10])
    return found


class _Text(HTMLParser):
    """The text of an HTML or SVG page a reader sees: its text nodes and the attributes
    read aloud or shown (title, alt, aria-label, placeholder, a meta description)."""

    SHOWN = ("title", "alt", "aria-label", "placeholder")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        values = dict(attrs)
        for name in self.SHOWN:
            if values.get(name):
                self.pieces.append(values[name] or "")
        if tag == "meta" and values.get("name") == "description":
            self.pieces.append(values.get("content") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.pieces.append(data)


def html_text(markup: str) -> list[str]:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return parser.pieces


def feed_text(path: Path) -> Iterator[str]:
    """The texts of an RSS or Atom feed; an entry's HTML content by its own text."""
    for element in ET.parse(path).iter():
        text = element.text or ""
        if not text.strip() or element.tag.rsplit("}", 1)[-1] in ("link", "guid", "id"):
            continue
        if "<" in text:
            yield from html_text(text)
        else:
            yield text


def json_text(value: object) -> Iterator[str]:
    """The string values of a JSON document (its keys are names, not text)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from json_text(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_text(item)
    elif isinstance(value, str):
        yield value


def calendar_text(path: Path) -> Iterator[str]:
    """The values of a calendar's text properties (after its `NAME:` or `NAME;PARAM=…:`)."""
    unfolded = re.sub(r"\r?\n[ \t]", "", path.read_text(encoding="utf-8"))
    for line in unfolded.splitlines():
        name, _, value = line.partition(":")
        if name.split(";")[0] in ("SUMMARY", "DESCRIPTION", "LOCATION", "X-WR-CALNAME"):
            yield value.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";")


def published_texts(site: Path) -> Iterator[tuple[str, str]]:
    for path in sorted(site.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        where = str(path.relative_to(site))
        if path.suffix in (".html", ".svg"):
            pieces: Iterator[str] = iter(html_text(path.read_text(encoding="utf-8")))
        elif path.suffix in (".rss", ".atom"):
            pieces = feed_text(path)
        elif path.suffix == ".json":
            pieces = json_text(json.loads(path.read_text(encoding="utf-8")))
        elif path.suffix == ".ics":
            pieces = calendar_text(path)
        else:
            continue
        for piece in pieces:
            yield where, piece


def test_the_scan_flags_french_colons_without_a_space_and_nothing_else() -> None:
    assert offences("API publique: Panne majeure")
    assert offences("Analyse en cours : la suite")
    assert offences("Vraiment?") and offences("« citation »")
    fine = (
        "API publique\u00a0: Panne majeure · Vraiment\u202f? Oui\u202f; «\u00a0citation\u00a0»"
        " à 14:32, le 2026-12-02T07:06:00Z, https://status.acme.example/?a=1 support@acme.fr"
    )
    assert offences(fine) == []


def test_the_french_demo_publishes_french_typography_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = tmp_path / "demo"
    result = cli(capsys, "demo", "--lang", "fr", "--dir", str(demo))
    assert result.code == 0, result.err
    # an incident in progress, with its expected resolution, shows in the banner too
    monkeypatch.chdir(demo)
    monkeypatch.setenv("INCIDENTCTL_HOME", str(demo / "state"))
    declared = cli(
        capsys,
        "declare",
        "sev1",
        "--title",
        "L'API ne répond plus",
        "--component",
        "api=major_outage",
        "--eta",
        "vers 10 h",
        "--yes",
    )
    assert declared.code == 0, declared.err
    site = demo / "state/site"
    banner = (site / "banner.html").read_text(encoding="utf-8")
    assert "Incident en cours\u00a0: L&#39;API ne répond plus" in banner
    assert "Rétablissement prévu\u00a0: vers 10 h" in banner
    texts = list(published_texts(site))
    kinds = {Path(where).suffix for where, _ in texts}
    assert {".html", ".svg", ".rss", ".atom", ".json", ".ics"} <= kinds
    wrong = [(where, found) for where, text in texts for found in offences(text)]
    assert wrong == []

"""`stats --html`: one page, no script, nothing fetched, in English and French; looked at in a
real headless Chromium (Debian's, through Playwright) at 1280 and 375 px, light and dark."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from incidentctl.app.stats.html import render_html
from incidentctl.app.stats.read import read_report
from incidentctl.model.records import DeliveryState
from tests.app.stats.builders import Recorder, utc
from tests.app.stats.test_report import NOW, TARGETS, record_three
from tests.helpers import PLAYBOOK, cli, workspace, write_playbook


def report_page(directory: Path, language: str) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    with workspace(directory, PLAYBOOK.format(language=language) + TARGETS) as ws:
        record_three(ws)
        Recorder(ws.store, seq=10).declare(
            "sev2",
            utc(2026, 11, 12, 9, 0),
            told={"outbox": (DeliveryState.SENT, utc(2026, 11, 12, 9, 5))},
            title="Slow <script>alert(1)</script> & portal",
        )
        return render_html(read_report(ws.store, ws.playbook, NOW))


def test_one_self_contained_page_with_every_value_escaped(tmp_path: Path) -> None:
    page = report_page(tmp_path, "en")
    assert page.startswith("<!doctype html>") and '<html lang="en">' in page
    assert "<script" not in page  # the hostile title is text
    assert "Slow &lt;script&gt;alert(1)&lt;/script&gt; &amp; portal" in page
    # nothing to fetch: no stylesheet, image or font from elsewhere
    assert not re.search(r"""(src|href)\s*=|url\(|@import""", page)
    # one chart per key figure, each described for screen readers
    assert page.count('<svg class="chart"') == 4 and page.count('role="img"') == 4
    # MTTR 135 min missed, first communication (15, 15, 5: mean 11m40s) met, majors met
    assert re.search(r'class="card bad"><h3>Time to resolve \(MTTR, mean\)</h3>', page)
    assert 'class="card ok"><h3>Time to first communication (mean)</h3>' in page


def test_the_french_page_follows_french_typography(tmp_path: Path) -> None:
    page = report_page(tmp_path, "fr")
    assert '<html lang="fr">' in page
    assert "Acme Cloud\u00a0: indicateurs d’incidents" in page
    assert "2\u00a0h\u00a015" in page  # MTTR 135 minutes, « 2 h 15 »
    assert "objectif &lt;\u00a01\u00a0h" in page
    assert "nov.\u00a02026" in page and "99,5\u00a0%" in page


def test_the_report_in_chromium(
    browser: Any, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    chosen = os.environ.get("INCIDENTCTL_ARTIFACTS")
    shots = Path(chosen) / "stats" if chosen else tmp_path_factory.mktemp("stats-shots")
    shots.mkdir(parents=True, exist_ok=True)
    for language in ("en", "fr"):
        path = tmp_path / f"report-{language}.html"
        path.write_text(report_page(tmp_path / language, language), encoding="utf-8")
        for scheme, width in (("light", 1280), ("dark", 375)):
            context = browser.new_context(
                viewport={"width": width, "height": 900},
                color_scheme=scheme,
                java_script_enabled=False,
            )
            page = context.new_page()
            asked: list[str] = []
            page.on("request", lambda r, asked=asked: asked.append(r.url))
            page.goto(path.as_uri())
            assert asked == [path.as_uri()]  # nothing else fetched
            # the charts are laid out: bars with a height, the target line drawn
            chart = page.locator("svg.chart").first.bounding_box()
            assert chart is not None and chart["width"] > 200 and chart["height"] > 40
            assert page.locator("svg.chart rect.bad").count() >= 1
            assert page.locator("svg.chart line.target").count() == 4
            # wide tables scroll inside their box: the page itself never scrolls sideways
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            missed = page.locator(".card.bad .verdict").first
            colour = missed.evaluate("e => getComputedStyle(e).color")
            assert colour == ("rgb(255, 123, 114)" if scheme == "dark" else "rgb(179, 38, 30)")
            text = page.locator("main").inner_text()
            assert "Slow <script>alert(1)</script> & portal" in text
            page.screenshot(
                path=str(shots / f"stats-{language}-{width}-{scheme}.png"), full_page=True
            )
            context.close()


def test_stats_html_writes_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_playbook(tmp_path, PLAYBOOK.format(language="fr") + TARGETS)
    monkeypatch.chdir(tmp_path)
    result = cli(capsys, "stats", "--html", "report.html")
    assert result.code == 0, result.err
    assert "report written to report.html" in result.err + result.out
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Aucun incident sur cette période." in page
    assert not list(tmp_path.glob(".report.html*"))  # no temporary file left

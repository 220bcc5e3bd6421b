"""The site in a real headless Chromium (Debian's, driven by Playwright): over HTTP and from
file://, light and dark, 1280 and 375 px wide, without JavaScript, with a hostile message; the
banner script on a product page; axe-core's accessibility rules.

Skipped only on a developer's machine without Chromium; in CI (`CI` set) a missing browser
fails, so the checks cannot silently stop running.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.app.site.builders import history

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WIDTHS = (1280, 375)


def _require_browser() -> Any:
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append("chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing.append("playwright (pip install -e '.[test]')")
    if missing:
        reason = "browser tests need " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must run them")
        pytest.skip(reason)
    return sync_playwright


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_playwright = _require_browser()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(root: Path) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="module")
def http_site(site: Path) -> Iterator[str]:
    server, url = serve(site)
    yield url
    server.shutdown()


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go: $INCIDENTCTL_ARTIFACTS if set (CI keeps it), else a tmp dir."""
    chosen = os.environ.get("INCIDENTCTL_ARTIFACTS")
    folder = Path(chosen) / "site" if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_pages_render_over_http_and_from_file_in_light_and_dark(
    browser: Any, site: Path, http_site: str, artifacts: Path
) -> None:
    shots = []
    for scheme in ("light", "dark"):
        for width in WIDTHS:
            context = browser.new_context(
                viewport={"width": width, "height": 900}, color_scheme=scheme
            )
            page = context.new_page()
            failed: list[str] = []
            page.on("requestfailed", lambda r, failed=failed: failed.append(r.url))
            for base in (http_site, site.as_uri() + "/"):
                page.goto(base + "index.html")
                assert page.locator(".overall").inner_text() == "Partial outage"
                # the stylesheet applied: bars are laid out side by side, not as empty inlines
                box = page.locator(".bars i").first.bounding_box()
                assert box is not None and box["height"] >= 20
                # nothing wider than the screen: readable at 375 px without scrolling sideways
                assert page.evaluate("document.documentElement.scrollWidth") <= width
            path = artifacts / f"index-{width}-{scheme}.png"
            page.screenshot(path=str(path), full_page=True)
            page.click("text=Slow portal")
            assert "Still slow" in page.locator("main").inner_text()
            page.screenshot(path=str(artifacts / f"incident-{width}-{scheme}.png"), full_page=True)
            # a component's page, from the index, and back to an incident from its days
            page.goto(http_site + "index.html")
            page.click('a[href="components/portal.html"]')
            assert "Days with incidents (1)" in page.locator("main").inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(artifacts / f"component-{width}-{scheme}.png"), full_page=True)
            page.click("text=Logins fail")
            assert "Logins work again." in page.locator("main").inner_text()
            shots.append(path)
            background = page.evaluate("getComputedStyle(document.body).backgroundColor")
            assert background == ("rgb(13, 17, 23)" if scheme == "dark" else "rgb(255, 255, 255)")
            assert failed == []
            context.close()
    assert all(p.stat().st_size > 10_000 for p in shots)


def test_without_javascript_the_status_still_shows(browser: Any, site: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site.as_uri() + "/index.html")
    assert page.locator(".overall").inner_text() == "Partial outage"
    assert "Still slow" in page.locator("main").inner_text()
    page.goto(site.as_uri() + "/banner.html")
    assert "Incident in progress: Slow portal" in page.locator("body").inner_text()
    context.close()


def test_a_script_in_a_message_raises_no_dialog(browser: Any, site: Path, http_site: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pages = ["index.html", "banner.html", "history/2026-11.html"]
    pages += [f"incidents/{p.name}" for p in (site / "incidents").iterdir()]
    for name in pages:
        page.goto(http_site + name)
        assert dialogs == [], name
    page.goto(http_site + "index.html")
    # shown as the text it is
    assert "Slow portal <script>alert(1)</script>" in page.locator("main").inner_text()
    assert page.locator("main script").count() == 0
    context.close()


def test_axe_finds_no_serious_or_critical_violation(
    browser: Any, site: Path, http_site: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        incident = next((site / "incidents").iterdir()).name
        for name in (
            "index.html",
            "banner.html",
            f"incidents/{incident}",
            "history/2026-11.html",
            "components/portal.html",
        ):
            page.goto(http_site + name)
            found = axe.run(page).response["violations"]
            bad = [
                (v["id"], [n["target"] for n in v["nodes"]][:3])
                for v in found
                if v["impact"] in ("serious", "critical")
            ]
            assert bad == [], (scheme, name, bad)
        context.close()


PRODUCT = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme app</title>
</head><body><h1>Acme app</h1><script src="site/banner.js" data-refresh="0.5"></script>
</body></html>"""


def test_the_banner_shows_the_incident_then_disappears_once_resolved(
    browser: Any, tmp_path: Path
) -> None:
    root = tmp_path / "www"
    root.mkdir()
    (root / "product.html").write_text(PRODUCT, encoding="utf-8")
    with history(tmp_path) as h:
        incident = h.declare("Payments fail <b>now</b>", eta="by 14:00 CET")
        h.build(root / "site")
        server, url = serve(root)
        try:
            context = browser.new_context()
            page = context.new_page()
            page.goto(url + "product.html")
            banner = page.locator("#incidentctl-banner")
            banner.wait_for(timeout=5000)
            text = banner.inner_text()
            assert "Incident in progress: Payments fail <b>now</b>" in text
            assert "ETA: by 14:00 CET" in text
            assert banner.locator("a").get_attribute("href").endswith(f"{incident.id}.html")
            h.later(30)
            h.resolve(incident)
            h.build(root / "site")
            banner.wait_for(state="detached", timeout=5000)
            assert page.locator("h1").inner_text() == "Acme app"
            context.close()
        finally:
            server.shutdown()

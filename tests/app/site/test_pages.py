"""The built site: public updates only, user text escaped everywhere, small, self-contained."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from incidentctl.app.site.build import SiteBuild
from tests.app.site.conftest import HOSTILE

TEXT_SUFFIXES = (".html", ".json", ".atom", ".rss", ".svg", ".js", ".css")
# a day bar: its class (none for an operational day, which the style sheet colours) and title
BAR = re.compile(r'<i(?: class=(\w))? title="([^"]*)"></i>')


def bars(page: str) -> list[tuple[str, str]]:
    return [(css or "o", title) for css, title in BAR.findall(page)]


def files(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES)


def test_the_site_has_every_page_feed_api_document_and_badge(site: Path) -> None:
    names = {str(p.relative_to(site)) for p in files(site)}
    expected = {
        "index.html", "banner.html", "banner.js", "style.css", "badge.svg", "badges/api.svg",
        "feed.atom", "feed.rss", "feeds/api.atom", "feeds/portal.rss",
        "api/v2/summary.json", "api/v2/status.json", "api/v2/components.json",
        "api/v2/incidents.json", "api/v2/incidents/unresolved.json",
        "api/v2/scheduled-maintenances.json", "history/2026-11.html",
    }  # fmt: skip
    assert expected <= names
    assert len([n for n in names if n.startswith("incidents/")]) == 2


def test_an_update_sent_only_to_internal_channels_appears_nowhere(site: Path) -> None:
    for path in files(site):
        assert "Internal only" not in path.read_text(encoding="utf-8"), path
    page = next((site / "incidents").glob("*0001.html")).read_text(encoding="utf-8")
    assert "Logins work again." in page and "Calls fail" in page


def test_a_script_in_user_text_is_text_on_every_page_feed_and_document(site: Path) -> None:
    seen = 0
    for path in files(site):
        text = path.read_text(encoding="utf-8")
        assert "<script>alert" not in text, path
        seen += "&lt;script&gt;alert(1)" in text or "\\u003cscript\\u003ealert(1)" in text
    # the index, the incident page, the history, the banner, feeds and JSON documents
    assert seen >= 8
    assert HOSTILE not in (site / "index.html").read_text(encoding="utf-8")


def test_every_page_is_small_and_loads_nothing_from_elsewhere(site: Path) -> None:
    for path in files(site):
        text = path.read_text(encoding="utf-8")
        assert len(text.encode()) < 100_000, path
        if path.suffix in (".html", ".css"):
            # no CDN, web font or tracker: every src and href is relative, or the page's own URL
            for ref in re.findall(r'(?:src|href)="([^"]+)"', text):
                assert not ref.startswith(("http:", "https:", "//")) or ref.startswith(
                    "https://status.acme.example"
                ), (path, ref)
            assert "@import" not in text and "url(" not in text


def test_the_index_shows_the_state_the_incident_and_the_uptime(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'class="overall s-p" role="status">Partial outage<' in index
    assert "Use the mobile app" in index and "about 15:00" in index
    assert "Still slow &amp; &lt;script&gt;" in index
    assert len(bars(index)) == 2 * 90
    assert "over 30 days" in index and "target 99.5" in index
    assert '<link rel="canonical" href="https://status.acme.example/">' in index
    assert '<meta name="description" content="Current status' in index


def test_each_component_has_a_page_with_its_days_linked_from_the_index(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    assert '<a class="name" href="components/api.html">Public API</a>' in index
    assert "<details>" not in index  # the days with incidents are on the component's page
    page = (site / "components" / "portal.html").read_text(encoding="utf-8")
    assert "<h1>Customer portal <span" in page and "Days with incidents (1)" in page
    # both incidents began on Friday 20 November: one line, the two titles linked
    (line,) = re.findall(r"<li>Friday 20 November: (.*?)</li>", page)
    links = re.findall(r'href="\.\./incidents/([^"]+)"', line)
    assert len(links) == 2 and all((site / "incidents" / link).exists() for link in links)
    assert "Slow portal &lt;script&gt;" in line and "Logins fail" in line
    assert len(bars(page)) == 90
    assert 'href="../feeds/portal.atom"' in page and 'href="../badges/portal.svg"' in page


def test_a_day_bar_says_the_day_its_uptime_and_its_first_incidents_in_few_words(
    site: Path,
) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    titles = bars(index)
    assert len(titles) == 2 * 90
    quiet = [t for css, t in titles if css == "o"]
    # a quiet day: its date only, with no class (the style sheet's default colour)
    assert quiet and all(re.fullmatch(r"\d{1,2} \w{3}", t) for t in quiet)
    assert '<i title="19 Nov"></i>' in index
    busy = [t for css, t in titles if css != "o"]
    # today, counted up to now: an hour of major outage on the API, half down on the portal
    assert busy == [
        "20 Nov: 92\u00a0%, Logins fail",
        "20 Nov: 98\u00a0%, Logins fail; Slow portal &lt;script&gt;alert(1)&lt;/script&gt;",
    ]


def test_a_busy_components_bars_name_fewer_incidents_until_its_strip_fits_its_share(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each component's strip takes the most words that fit its share of the index's bytes
    for bars: two names of 40 characters, then one of 24, then only how many."""
    from incidentctl.app.site import pages
    from tests.app.site.builders import history

    long = "The payment gateway times out for card payments in Europe"
    with history(tmp_path) as h:
        for day in range(3):
            for n in range(3):
                incident = h.declare(f"{long} {day}.{n}", ["api=partial_outage"])
                h.later(60)
                h.resolve(incident)
            h.later(24 * 60 - 180)

        def built(budget: int) -> tuple[list[str], int]:
            """The titles of the API's busy days, and the bytes of its finished days' bars."""
            monkeypatch.setattr(pages, "BARS_BUDGET", budget)
            site = h.build(tmp_path / f"site-{budget}").out
            page = (site / "index.html").read_text(encoding="utf-8")
            strip = re.findall(r'<div class="bars" aria-hidden="true">(.*?)</div>', page)[0]
            finished = strip[: strip.rindex("<i")]
            return [t for css, t in bars(strip) if css != "o"], len(finished.encode())

        roomy, size = built(75_000)
        # two components share the budget; today's bar has room of its own (`TODAY_ROOM`)
        tight, smaller = built(2 * (size - 1 + pages.TODAY_ROOM))
        tightest, _ = built(2 * (smaller - 1 + pages.TODAY_ROOM))
    cut = long[:39].rstrip() + "\u2026"
    assert roomy[0] == f"20 Nov: 93.75\u00a0%, {cut}; {cut} (+1)"
    assert tight[0] == f"20 Nov: 93.75\u00a0%, {long[:23].rstrip()}\u2026 (+2)"
    assert tightest[0] == "20 Nov: 93.75\u00a0%, 3 incidents"
    assert len(roomy) == len(tight) == len(tightest) == 3


def test_the_index_lists_the_latest_30_past_incidents_and_sends_to_the_history(
    tmp_path: Path,
) -> None:
    from tests.app.site.builders import history

    with history(tmp_path) as h:
        for n in range(33):
            incident = h.declare(f"Blip {n}", ["api=degraded_performance"])
            h.later(10)
            h.resolve(incident)
            h.later(50)
        site = h.build(tmp_path / "site").out
    index = (site / "index.html").read_text(encoding="utf-8")
    past = index[index.index('id="past"') :]
    lines = re.findall(r'<li><a href="incidents/[^"]+">Blip (\d+)</a>', past)
    assert lines == [str(n) for n in range(32, 2, -1)]  # newest first
    assert "3 more incidents in the last 15 days: see the incident history." in past


@pytest.mark.parametrize(
    ("incidents", "named"),
    [(450, True), (1_400, False)],
    ids=["one-every-4-days", "as-dense-as-the-benchmark"],
)
def test_a_busy_index_of_20_components_stays_under_100_kb(
    tmp_path: Path, incidents: int, named: bool
) -> None:
    """20 components over 90 days: with an incident every four days on each (450), or as
    dense as the benchmark's two years of 10,000 (1,400 in 90 days: one a day on each), the
    index, each component's page and the month pages stay under 100 KB. The bars name their
    incident in the first; in the second they count them, so the page keeps its budget."""
    from datetime import UTC, datetime

    from benchmarks.bench_site import playbook, populate
    from incidentctl.app.site.build import build_site
    from incidentctl.app.workspace import load_checked_playbook
    from incidentctl.store import open_store

    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    populate(tmp_path / "state", incidents, 2, now, days=90)
    loaded, _ = load_checked_playbook(playbook(tmp_path, with_site=True))
    store = open_store(tmp_path / "state", {})
    try:
        site = build_site(store, loaded.playbook, tmp_path / "site", now).out
    finally:
        store.close()
    index = (site / "index.html").read_text(encoding="utf-8")
    found = bars(index)
    assert len(found) == 20 * 90
    old = incidents - 100  # too old for the latest past incidents
    last = f"Incident {old} on c{old % 20:02d}"
    busy = [title for css, title in found if css != "o"]
    if named:
        assert sum(last in title for title in busy) == 1
    else:
        assert last not in index and all(re.search(r", \d+ incidents?$", t) for t in busy)
    sizes = {p.name: p.stat().st_size for p in site.rglob("*.html")}
    assert max(sizes.values()) < 100_000, sorted(sizes.items(), key=lambda i: -i[1])[:3]


def test_the_incident_page_names_the_zone_and_the_duration(site: Path) -> None:
    page = next((site / "incidents").glob("*0001.html")).read_text(encoding="utf-8")
    # declared 09:00 UTC, resolved one hour later: times in Paris, zone named
    assert "Friday 20 November 2026 at 10:00 CET" in page
    assert "Friday 20 November 2026 at 11:00 CET" in page
    assert "1 hour" in page
    assert "Public API, Customer portal" in page


def test_the_banner_script_is_under_2_kb(site: Path) -> None:
    assert len((site / "banner.js").read_bytes()) < 2048


def test_a_rebuild_replaces_the_site_whole(built: SiteBuild, tmp_path: Path) -> None:
    assert (built.out / ".incidentctl-site").exists()
    assert not [p for p in built.out.parent.iterdir() if ".new-" in p.name or ".old-" in p.name]


def test_a_french_playbook_gets_a_french_site(tmp_path: Path) -> None:
    from tests.app.site.builders import history
    from tests.helpers import PLAYBOOK

    with history(tmp_path, PLAYBOOK.format(language="fr")) as h:
        incident = h.declare("Connexion impossible", ["api=major_outage"], impact="Erreurs")
        h.later(90)
        h.resolve(incident, "Tout fonctionne de nouveau.")
        site = h.build(tmp_path / "site").out
    index = (site / "index.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in index
    assert "Tous les services fonctionnent normalement" in index
    assert "Disponibilité sur 90 jours" in index and "sur 30 jours" in index
    assert "(objectif 99,5\u00a0%)" in index and "100,00\u00a0%" in index
    assert "vendredi 20\u00a0novembre" in index
    page = (site / "incidents" / f"{incident.id}.html").read_text(encoding="utf-8")
    assert "Résolu" in page and "1\u00a0h\u00a030" in page and "Chronologie" in page
    # dates written out the French way, with the year: a page is read any day later
    assert "vendredi 20\u00a0novembre 2026 à 10\u00a0h (heure de Paris)" in page
    assert "Mis à jour le vendredi 20\u00a0novembre 2026 à 11\u00a0h\u00a030</p>" in page


def test_html_escapes_as_the_templates_do() -> None:
    from markupsafe import escape

    from incidentctl.app.site.pages import html

    for text in (
        "",
        "plain",
        "<script>alert('x')</script>",
        'a "b" & c',
        "&amp; é ’ \n\t",
        "<>&'\"",
    ):
        assert html(text) == str(escape(text)), text

"""A rebuild reads only what changed, what the site shows and the months it writes again: after
any history, the folder it leaves holds exactly what a fresh build of the same record writes."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from incidentctl.app.site.build import MARKER
from tests.app.site.builders import History, history, random_history
from tests.helpers import PLAYBOOK

# sev3 tells only the internal room: its incidents never reach the site
WITH_PRIVATE = PLAYBOOK.format(language="en").replace(
    "roles:\n",
    "  - id: sev3\n    name: Minor\n    notify:\n      all: [room]\nroles:\n",
)


def files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".site.lock"
    }


def same_as_fresh(h: History, out: Path, fresh: Path) -> None:
    done = h.build(out)
    assert not done.whole
    again = files(out)
    whole = files(h.build(fresh).out)
    assert sorted(again) == sorted(whole)
    for name, content in whole.items():
        if name == MARKER:
            continue
        assert again[name] == content, name
    # what the next rebuild starts from is the same too, but for its own folders' times
    ours, theirs = json.loads(again[MARKER]), json.loads(whole[MARKER])
    assert ours.pop("folders") != theirs.pop("folders")
    assert ours == theirs


def _six_latest(monkeypatch: pytest.MonkeyPatch) -> None:
    """The feeds and the API list six incidents, not fifty: a short history goes past them."""
    from incidentctl.app.site import api, build, feeds, record

    for module, name in (
        (api, "LATEST"),
        (build, "ENTRIES"),
        (feeds, "ENTRIES"),
        (record, "LATEST"),
    ):
        monkeypatch.setattr(module, name, 6)


def test_every_rebuild_writes_what_a_fresh_build_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forty incidents on two components over four months (more than the feeds and the API
    list, made 6 here; older than the index's 90 days; across month ends), some internal only,
    some reopened long after; rebuilt after every few changes and compared file by file."""
    _six_latest(monkeypatch)
    out = tmp_path / "site"
    with history(tmp_path, WITH_PRIVATE) as h:
        h.build(out)

        def compare(step: int) -> None:
            if step % 6 == 5:
                same_as_fresh(h, out, tmp_path / f"fresh-{step}")

        open_ones = random_history(h, 90, random.Random(20261203), compare)
        for incident in open_ones:
            h.later(30)
            h.resolve(incident)
        h.later(60 * 24 * 100)  # every incident leaves the index's 90 days
        same_as_fresh(h, out, tmp_path / "fresh-last")
        h.declare("In a new month", ["portal=major_outage"])  # every history page changes
        same_as_fresh(h, out, tmp_path / "fresh-new-month")
        h.later(60)
        # an internal-only incident is no entry of the feeds: the latest six are still there
        h.declare("Internal only", ["api=degraded_performance"], severity="sev3")
        same_as_fresh(h, out, tmp_path / "fresh-private")
        h.later(60)
        # one more incident: the rebuild reads it and the latest few, not the whole history
        store = h.ws.store
        real = store.incidents
        asked: list[str] = []

        def incidents(ids: list[str]) -> object:
            asked.extend(ids)
            return real(ids)

        monkeypatch.setattr(store, "incidents", incidents)
        h.declare("The last one", ["api=major_outage"])
        same_as_fresh(h, out, tmp_path / "fresh-after")
        history_size = len(store.incident_heads())
        assert history_size > 30
        rebuild_read = asked[: len(asked) - history_size]  # the fresh build read them all
        assert 0 < len(rebuild_read) <= 14, rebuild_read
        # the store keeps in full what the site shows of the incidents it shows; of the
        # others, whether they are public (rebuilds above read both kinds back)
        from incidentctl.app.site.record import PRIVATE, PUBLIC, digest_name

        everyone = [head.id for head in store.incident_heads()]
        kept = store.digests(digest_name(h.ws.playbook), everyone).values()
        kinds = {text if text in (PUBLIC, PRIVATE) else "in full" for _, text in kept}
        assert kinds == {PUBLIC, PRIVATE, "in full"}


def test_a_component_s_finished_days_are_taken_from_the_last_build_while_they_hold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from incidentctl.app.site import pages
    from incidentctl.app.site.uptime import days_of as real

    walked: dict[str, int] = {}  # component -> the segments its days were walked over

    def days_of(component: str, found: list[object], *args: object, **options: object) -> object:
        walked[component] = len(found)
        return real(component, found, *args, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(pages, "days_of", days_of)
    out = tmp_path / "site"
    with history(tmp_path) as h:
        old = h.declare("Old outage", ["api=major_outage"])
        h.later(30)
        h.resolve(old)
        h.later(60 * 24)  # resolved yesterday: its day is over
        h.build(out)
        assert walked == {"api": 1, "portal": 0}
        h.later(60)
        h.build(out)
        # the same day, the same incidents: today alone, from what reaches it (nothing)
        assert walked == {"api": 0, "portal": 0}
        current = h.declare("Portal slow", ["portal=degraded_performance"])
        h.build(out)
        assert walked == {"api": 0, "portal": 0}  # declared this minute: none down yet
        h.later(20)
        h.build(out)
        # open: today follows the clock; its finished days as printed before
        assert walked == {"api": 0, "portal": 1}
        same_as_fresh(h, out, tmp_path / "fresh-open")
        h.later(30)
        h.resolve(current)
        h.later(60 * 24)
        walked.clear()
        same_as_fresh(h, out, tmp_path / "fresh")  # a new day: every row again
        assert walked == {"api": 1, "portal": 1}


def test_the_uptime_percentages_follow_the_clock_within_a_day(tmp_path: Path) -> None:
    """Today counts up to now: yesterday's outage weighs less as the day goes on."""
    out = tmp_path / "site"
    with history(tmp_path) as h:
        old = h.declare("Old outage", ["api=major_outage"])  # 09:00 UTC
        h.later(600)
        h.resolve(old)
        h.later(60 * 6)  # 02:00 in Paris the next day
        h.build(out)
        h.later(60 * 20)  # 22:00, the same day
        same_as_fresh(h, out, tmp_path / "fresh")


def test_incidents_open_since_yesterday_keep_their_order_on_today_s_bar(tmp_path: Path) -> None:
    out = tmp_path / "site"
    with history(tmp_path) as h:
        h.declare("A first", ["api=major_outage"])
        h.later(60)
        h.declare("B second", ["api=partial_outage"])
        h.later(60 * 24)
        h.build(out)
        h.later(20)
        same_as_fresh(h, out, tmp_path / "fresh")


def test_an_incident_resolved_at_midnight_is_on_the_new_day_s_bar(tmp_path: Path) -> None:
    out = tmp_path / "site"
    with history(tmp_path) as h:
        late = h.declare("Late outage", ["api=major_outage"])  # 09:00 UTC
        h.later(14 * 60)
        h.resolve(late)  # 00:00 in Paris
        h.later(60)
        h.build(out)
        h.later(60)
        same_as_fresh(h, out, tmp_path / "fresh")
        assert "Late outage" in (out / "index.html").read_text(encoding="utf-8")


def test_a_store_behind_the_site_s_mark_builds_it_whole(tmp_path: Path) -> None:
    """A store restored from a backup, or another one, numbers its writes below the revision
    the site noted: what it holds is read whole, not taken as unchanged."""
    out = tmp_path / "site"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with history(tmp_path / "a") as h:
        for n in range(4):
            h.resolve(h.declare(f"Outage {n}"))
            h.later(30)
        h.build(out)
    with history(tmp_path / "b") as h:
        h.resolve(h.declare("Only one"))
        h.later(30)
        again = h.build(out)
        assert again.whole
        assert "Only one" in (out / "index.html").read_text(encoding="utf-8")
        h.resolve(h.declare("And another"))
        h.later(30)
        same_as_fresh(h, out, tmp_path / "fresh")


def _resolved_history(h: History, count: int) -> None:
    for n in range(count):
        incident = h.declare(f"Old {n}", [f"{('api', 'portal')[n % 2]}=partial_outage"])
        h.later(30)
        h.resolve(incident)
        h.later(600)


def test_a_rebuild_takes_the_shown_incidents_from_the_manifest_and_reads_few_digests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last build's manifest keeps the heads of the resolved incidents it showed and the
    components they touched: a rebuild after one declare asks the store for what changed and
    the open ones, and reads in one go the digests of the few incidents its pages show in full
    (the feeds' and the API's latest, here six; the component whose days are walked again)."""
    _six_latest(monkeypatch)
    out = tmp_path / "site"
    with history(tmp_path) as h:
        _resolved_history(h, 30)
        h.later(60 * 24)  # their days are over: the next builds keep the bars printed
        h.build(out)
        store = h.ws.store
        heads, digests = store.incident_heads, store.digests
        asked_heads: list[dict[str, object]] = []
        asked_digests: list[list[str]] = []

        def counted_heads(**filters: object) -> object:
            asked_heads.append(filters)
            return heads(**filters)  # type: ignore[arg-type]

        def counted_digests(name: str, ids: list[str]) -> object:
            asked_digests.append(list(ids))
            return digests(name, ids)

        monkeypatch.setattr(store, "incident_heads", counted_heads)
        monkeypatch.setattr(store, "digests", counted_digests)
        h.later(5)
        h.declare("Portal slow", ["portal=degraded_performance"])
        assert not h.build(out).whole
        monkeypatch.setattr(store, "incident_heads", heads)
        monkeypatch.setattr(store, "digests", digests)
        assert [f.get("open_now") for f in asked_heads if "declared_between" not in f] == [True]
        assert all("resolved_after" not in f for f in asked_heads)
        # the site's six latest and the portal's fifteen, whose days are walked again
        assert len(asked_digests) == 1 and 0 < len(asked_digests[0]) <= 21, asked_digests
        same_as_fresh(h, out, tmp_path / "fresh")


def test_a_rebuild_makes_again_the_digests_the_store_lost_and_a_spoilt_window_a_whole_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    with history(tmp_path) as h:
        _resolved_history(h, 8)
        h.build(out)
        store = h.ws.store
        digests = store.digests
        # a store copied without its digests (a cache): their timelines are read again
        monkeypatch.setattr(store, "digests", lambda name, ids: {})
        h.later(5)
        h.declare("Portal slow", ["portal=degraded_performance"])
        assert not h.build(out).whole
        monkeypatch.setattr(store, "digests", digests)
        same_as_fresh(h, out, tmp_path / "fresh")
        # a window entry no build wrote: the next build is a whole one, and right
        for field, spoilt in ((0, "one"), (-2, "api"), (-1, 20261206)):
            manifest = json.loads((out / MARKER).read_text())
            first = next(iter(manifest["window"]))
            manifest["window"][first][field] = spoilt
            (out / MARKER).write_text(json.dumps(manifest))
            h.later(5)
            assert h.build(out).whole, field
        h.later(5)
        same_as_fresh(h, out, tmp_path / "fresh-again")

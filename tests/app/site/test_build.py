"""Rebuilds: unchanged pages are kept, a changed playbook renders every page again, a failed
build leaves the previous site as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from incidentctl.app.site.build import build_site
from incidentctl.errors import StateError
from incidentctl.store import open_store
from tests.app.site.builders import history


def test_a_rebuild_keeps_the_pages_of_unchanged_resolved_incidents(tmp_path: Path) -> None:
    out = tmp_path / "site"
    with history(tmp_path) as h:
        old = h.declare("Old outage")
        h.later(30)
        h.resolve(old)
        h.later(60)
        current = h.declare("Current outage", ["portal=partial_outage"])
        h.build(out)
        old_page = out / "incidents" / f"{old.id}.html"
        current_page = out / "incidents" / f"{current.id}.html"
        before = (old_page.stat().st_ino, current_page.stat().st_ino)
        h.later(20)
        h.update(current, "Found the cause")
        h.build(out)
        assert old_page.stat().st_ino == before[0]  # the same file, linked into the new site
        assert current_page.stat().st_ino != before[1]
        assert "Found the cause" in current_page.read_text(encoding="utf-8")
        assert "Found the cause" in (out / "index.html").read_text(encoding="utf-8")
        # a resolved page reads as a fresh build of it would
        fresh = h.build(tmp_path / "fresh").out / "incidents" / f"{old.id}.html"
        assert fresh.read_text(encoding="utf-8") == old_page.read_text(encoding="utf-8")


def test_a_changed_playbook_renders_every_page_again(tmp_path: Path) -> None:
    out = tmp_path / "site"
    with history(tmp_path) as h:
        old = h.declare("Old outage")
        h.resolve(old)
        h.build(out)
        page = out / "incidents" / f"{old.id}.html"
        inode = page.stat().st_ino
    renamed = (tmp_path / "incidentctl.yaml").read_text().replace("Public API", "Open API")
    with history(tmp_path, renamed) as h:
        h.build(out)
    assert page.stat().st_ino != inode
    assert "Open API" in page.read_text(encoding="utf-8")


def test_a_failed_build_leaves_the_previous_site_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "site"
    with history(tmp_path) as h:
        h.declare("Outage")
        h.build(out)
        playbook = h.ws.playbook
    index = (out / "index.html").read_bytes()
    store = open_store(tmp_path / "state", {})
    store.close()
    with pytest.raises(StateError):
        build_site(store, playbook, out, h.now[0])
    assert (out / "index.html").read_bytes() == index
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site")) == [
        ".site.lock"
    ]


def test_site_serve_answers_on_loopback_and_refuses_an_unbuilt_folder(tmp_path: Path) -> None:
    import threading

    import httpx

    from incidentctl.app.site.serve import site_server
    from incidentctl.errors import UsageError

    with history(tmp_path) as h:
        h.declare("Outage")
        out = h.build(tmp_path / "site").out
    server = site_server(out, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        answer = httpx.get(f"http://127.0.0.1:{port}/api/v2/status.json")
        assert answer.status_code == 200 and answer.json()["status"]["indicator"] == "critical"
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(UsageError, match="run `incidentctl site build` first"):
        site_server(tmp_path / "nothing", 0)


def test_a_rebuild_changes_the_site_in_place_and_only_what_changed(tmp_path: Path) -> None:
    out = tmp_path / "site"
    with history(tmp_path) as h:
        old = h.declare("Old outage")
        h.later(30)
        h.resolve(old)
        first = h.build(out)
        assert first.whole
        files = sorted(p for p in out.rglob("*") if p.is_file())
        before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in files}
        again = h.build(out)
        # nothing happened since: nothing is written, every file is the same file
        assert (again.whole, again.files, again.bytes) == (False, 0, 0)
        assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in files} == before
        h.later(10)
        current = h.declare("New outage", ["portal=partial_outage"])
        third = h.build(out)
        assert not third.whole and 0 < third.files < len(files)
        assert (out / "incidents" / f"{current.id}.html").exists()
        assert "New outage" in (out / "index.html").read_text(encoding="utf-8")
        old_page = out / "incidents" / f"{old.id}.html"
        assert (old_page.stat().st_ino, old_page.stat().st_mtime_ns) == before[old_page]
        # the feed of the component the new incident did not touch is not written again
        api_feed = out / "feeds" / "api.atom"
        assert (api_feed.stat().st_ino, api_feed.stat().st_mtime_ns) == before[api_feed]
        assert "New outage" in (out / "feeds" / "portal.atom").read_text(encoding="utf-8")
        assert "New outage" in (out / "feed.atom").read_text(encoding="utf-8")
        fresh = h.build(tmp_path / "fresh").out
        for name in ("feed.atom", "feeds/api.atom", "feeds/portal.rss"):
            assert (out / name).read_bytes() == (fresh / name).read_bytes(), name
        # no partial file is left behind, and the folder is still the one that was built
        assert not [p for p in out.rglob("*.tmp")]
        assert out.stat().st_ino == first.out.stat().st_ino


def test_a_rebuild_reads_no_timeline_of_an_unchanged_resolved_incident(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from incidentctl.app.site import record

    out = tmp_path / "site"
    with history(tmp_path) as h:
        old = h.declare("Old outage", ["portal=major_outage"])
        h.later(30)
        h.resolve(old)
        h.later(60)
        current = h.declare("Current outage", ["portal=partial_outage"])
        h.build(out)
        asked: list[str] = []
        store = h.ws.store
        real = store.timelines

        def timelines(ids: list[str]) -> object:
            asked.extend(ids)
            return real(ids)

        monkeypatch.setattr(store, "timelines", timelines)
        h.later(10)
        h.update(current, "Found the cause")
        h.build(out)
        # the old incident is still shown in full (index, feeds) but read from its digest
        assert asked == [current.id]
        fresh = h.build(tmp_path / "fresh").out
        shown = ("index.html", f"incidents/{old.id}.html", "feed.atom", "api/v2/incidents.json")
        for name in shown:
            assert (out / name).read_bytes() == (fresh / name).read_bytes(), name
        # a digest no build wrote is ignored: the timeline is read again
        name = record.digest_name(h.ws.playbook)
        old_version = (store.get_incident(old.id) or old).version
        store.keep_digests(name, {old.id: (old_version, "[1, 2]")})
        asked.clear()
        h.build(out)
        assert sorted(asked) == sorted([old.id, current.id])
        assert (out / "index.html").read_bytes() == (fresh / "index.html").read_bytes()
        # one whose first line reads well but whose rest does not: the build starts over
        text = store.digests(name, [old.id])[old.id][1]
        spoilt = text.split("\n")[0] + "\n[1, 2]\n[1, 2]\n[1, 2]"
        store.keep_digests(name, {old.id: (old_version, spoilt)})
        h.later(5)
        h.update(current, "Still on it")
        again = h.build(out)
        assert again.whole
        fresh = h.build(tmp_path / "fresh-again").out
        for name in shown:
            assert (out / name).read_bytes() == (fresh / name).read_bytes(), name


def test_only_what_the_site_reads_of_the_playbook_makes_a_whole_build(tmp_path: Path) -> None:
    """Editing roles, reminders, targets or another channel's settings leaves the pages as
    they are: the next build after it is a rebuild. What the pages show or depend on — the
    organization, a component, the site's settings, the severities' order, which channels
    are public — makes a whole one."""
    from incidentctl.app.site.build import fingerprint

    with history(tmp_path) as h:
        h.declare("Logins fail", ["api=major_outage"])
        playbook = h.ws.playbook
        stamp = fingerprint(playbook)
        room = playbook.channels["room"]
        kept = [
            playbook.model_copy(update={"roles": {}}),
            playbook.model_copy(update={"values": []}),
            playbook.model_copy(
                update={"targets": playbook.targets.model_copy(update={"mttr": "9h"})}
            ),
            playbook.model_copy(
                update={
                    "channels": {
                        **playbook.channels,
                        "room": room.model_copy(update={"description": "The war room"}),
                    }
                }
            ),
        ]
        assert [fingerprint(p) for p in kept] == [stamp] * len(kept)
        api = playbook.components["api"]
        organization = playbook.organization
        remade = [
            playbook.model_copy(
                update={"organization": organization.model_copy(update={"name": "Other"})}
            ),
            playbook.model_copy(
                update={
                    "components": {
                        **playbook.components,
                        "api": api.model_copy(update={"name": "REST"}),
                    }
                }
            ),
            playbook.model_copy(
                update={"site": playbook.site.model_copy(update={"uptime_target": 99.0})}
            ),
            playbook.model_copy(update={"severities": list(reversed(playbook.severities))}),
            playbook.model_copy(
                update={
                    "channels": {
                        **playbook.channels,
                        "room": room.model_copy(update={"audience": "public"}),
                    }
                }
            ),
        ]
        assert len({stamp, *(fingerprint(p) for p in remade)}) == len(remade) + 1
        out = tmp_path / "site"
        assert h.build(out).whole
        h.later(5)
        for edited in kept:
            assert not build_site(h.ws.store, edited, out, h.now[0]).whole
        assert build_site(h.ws.store, remade[1], out, h.now[0]).whole

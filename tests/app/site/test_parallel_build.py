"""A whole build shares the incidents with a second process, which reads the oldest from its
own connection and writes their pages: the site, its manifest and the digests kept are those
of a build alone, and whatever the other process does (it cannot open the store, it stops
after telling what it read), the build still writes all of it."""

from __future__ import annotations

import json
import os
import random
import signal
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from incidentctl.app.site import build, record
from incidentctl.app.site.build import MARKER, SiteBuild
from incidentctl.app.site.pages import Pages
from incidentctl.errors import StateError
from tests.app.site.builders import History, history, random_history
from tests.app.site.test_rebuild_matches import WITH_PRIVATE, _six_latest, files, same_as_fresh


class Watched:
    """What the builds of one test ask of the store (in this process) and keep in it."""

    def __init__(self, h: History, monkeypatch: pytest.MonkeyPatch) -> None:
        self.kept: list[dict[str, tuple[int, str]]] = []
        self.timelines: list[str] = []
        store = h.ws.store
        keep, timelines = store.keep_digests, store.timelines

        def keep_digests(name: str, digests: Mapping[str, tuple[int, str]]) -> None:
            self.kept.append(dict(digests))
            keep(name, digests)

        def read_timelines(ids: list[str]) -> Any:
            self.timelines.extend(ids)
            return timelines(ids)

        monkeypatch.setattr(store, "keep_digests", keep_digests)
        monkeypatch.setattr(store, "timelines", read_timelines)
        self.forks: list[int] = []
        real_fork = os.fork

        def fork() -> int:
            pid = real_fork()
            if pid:
                self.forks.append(pid)
            return pid

        monkeypatch.setattr(os, "fork", fork)

    def build(self, h: History, out: Path) -> tuple[SiteBuild, dict[str, tuple[int, str]]]:
        """A whole build into `out`, and the digests it kept."""
        self.kept.clear()
        done = h.build(out)
        assert done.whole
        return done, {k: v for batch in self.kept for k, v in batch.items()}


def _same_site(ours: Path, theirs: Path) -> None:
    mine, alone = files(ours), files(theirs)
    assert sorted(mine) == sorted(alone)
    for name, content in alone.items():
        if name != MARKER:
            assert mine[name] == content, name
    manifest, expected = json.loads(mine[MARKER]), json.loads(alone[MARKER])
    manifest.pop("folders"), expected.pop("folders")
    assert manifest == expected


@pytest.fixture
def busy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A history past the feeds' and the API's latest (six here), some of it internal only,
    reopened and still open; a whole build with it from 2 incidents on shares them."""
    _six_latest(monkeypatch)
    with history(tmp_path, WITH_PRIVATE) as h:
        random_history(h, 70, random.Random(20261206))
        h.later(60 * 24 * 100)  # the oldest leave the index's 90 days
        random_history(h, 40, random.Random(7))
        yield h


def test_a_shared_build_writes_what_a_build_alone_writes(
    busy: History, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = busy
    watched = Watched(h, monkeypatch)
    alone, kept_alone = watched.build(h, tmp_path / "alone")
    assert watched.forks == []  # fewer incidents than `PARALLEL_PAGES`
    read_alone = len(watched.timelines)
    monkeypatch.setattr(build, "PARALLEL_PAGES", 2)
    watched.timelines.clear()
    shared, kept_shared = watched.build(h, tmp_path / "shared")
    assert len(watched.forks) == 1
    assert (shared.files, shared.bytes) == (alone.files, alone.bytes)
    _same_site(shared.out, alone.out)
    assert kept_shared == kept_alone
    # this process read from their timelines only its share, and those of the other's that
    # the index, a feed or the API shows
    assert 0 < len(watched.timelines) < read_alone * 3 // 4
    # the manifest it wrote serves a rebuild as a build alone's does
    h.later(30)
    h.declare("After the shared build", ["portal=major_outage"])
    same_as_fresh(h, shared.out, tmp_path / "fresh")


def _in_the_child(action: Callable[[], None]) -> Callable[..., Any]:
    """Wrap `build._write_pages` so that the second process runs `action` instead."""
    parent = os.getpid()
    real = build._write_pages

    def write_pages(*args: Any) -> int:
        if os.getpid() != parent:
            action()
        return real(*args)

    return write_pages


@pytest.mark.parametrize("failure", ["store", "after telling", "killed"])
def test_a_build_writes_the_whole_site_whatever_the_second_process_does(
    busy: History, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    h = busy
    alone = h.build(tmp_path / "alone")
    monkeypatch.setattr(build, "PARALLEL_PAGES", 2)
    store = h.ws.store
    if failure == "store":  # it cannot open its own connection: it tells nothing

        def reopened() -> Any:
            raise StateError("state database: too many connections")

        monkeypatch.setattr(store, "reopened", reopened)
    elif failure == "after telling":  # it stops before writing its pages
        monkeypatch.setattr(build, "_write_pages", _in_the_child(lambda: os._exit(3)))
    else:  # it is killed halfway through its pages
        written = [0]
        real_incident = Pages.incident
        parent = os.getpid()

        def incident(self: Any, item: Any) -> bytes:
            if os.getpid() != parent:
                written[0] += 1
                if written[0] > 3:
                    os.kill(os.getpid(), signal.SIGKILL)
            return real_incident(self, item)

        monkeypatch.setattr(Pages, "incident", incident)
    parent = os.getpid()
    read_here: list[int] = []
    real_read = record.read_apart

    def read_apart(*args: Any) -> Any:
        if os.getpid() == parent:
            read_here.append(len(args[3]))
        return real_read(*args)

    monkeypatch.setattr(build, "read_apart", read_apart)
    shared = h.build(tmp_path / "shared")
    # told nothing: this process read its share with the rest; else it read it once it knew
    # its pages were missing
    assert len(read_here) == (0 if failure == "store" else 1)
    assert (shared.files, shared.bytes) == (alone.files, alone.bytes)
    _same_site(shared.out, alone.out)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".shared")]
    assert leftovers == [".shared.lock"]

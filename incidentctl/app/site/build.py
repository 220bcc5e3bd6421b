"""`site build`: every file of the status site, written to a temporary folder, then swapped in.

A reader (or `rsync`) never sees a half-written site: the new folder is complete before it
takes the old one's name. A folder that is not a site this command built is never replaced.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Container, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from incidentctl.app.maintenance_ics import calendar_of
from incidentctl.app.site.api import Api, encode
from incidentctl.app.site.feeds import Feed
from incidentctl.app.site.maintenance import maintenance_rss
from incidentctl.app.site.pages import Pages, badge
from incidentctl.app.site.record import Known, SiteIncident, SiteRecord, read_record
from incidentctl.app.site.uptime import worst
from incidentctl.errors import ConflictError, StateError
from incidentctl.playbook.schema import Playbook
from incidentctl.store.base import Store

MARKER = ".incidentctl-site"
STATIC = ("style.css", "banner.js")


@dataclass(frozen=True)
class SiteBuild:
    out: Path
    files: int
    bytes: int
    seconds: float

    @property
    def index(self) -> Path:
        return self.out / "index.html"


def base_url(playbook: Playbook) -> str:
    url = playbook.organization.status_page_url or ""
    return url if not url or url.endswith("/") else url + "/"


def site_files(
    pages: Pages, kept: Container[str] = (), kept_months: Container[str] = ()
) -> Iterator[tuple[str, bytes]]:
    """Relative path -> content, for every file of the site but the pages kept."""
    from incidentctl.render.paths import builtin_templates_dir

    record = pages.record
    playbook = record.playbook
    org = playbook.organization
    url = pages.base_url
    yield from pages.all_pages(kept, kept_months)
    for name in STATIC:
        yield name, (builtin_templates_dir() / "site" / name).read_bytes()
    for path, document in Api(record, url).documents().items():
        yield f"api/v2/{path}", encode(document)
    yield "maintenance.ics", calendar_of(record.maintenances, playbook, record.now)
    names = {k: c.name for k, c in playbook.components.items()}
    yield (
        "feeds/maintenance.rss",
        maintenance_rss(record.maintenances, pages.times, pages.language, url, org.name, names),
    )
    words = pages.words
    summaries: dict[str, str] = {}
    yield from _feeds("feed", words["incident_feed"].format(org=org.name), record, pages, summaries)
    status = pages.status_now
    overall = worst(status.values())
    yield "badge.svg", badge(org.name, overall, pages.component_status(overall))
    for name, spec in playbook.components.items():
        touched = record.by_component.get(name, [])
        title = words["component_feed"].format(org=org.name, component=spec.name)
        yield from _feeds(f"feeds/{name}", title, record, pages, summaries, touched)
        yield (
            f"badges/{name}.svg",
            badge(spec.name, status[name], pages.component_status(status[name])),
        )


def _feeds(
    path: str,
    title: str,
    record: SiteRecord,
    pages: Pages,
    summaries: dict[str, str],
    items: list[SiteIncident] | None = None,
) -> Iterator[tuple[str, bytes]]:
    chosen = record.incidents if items is None else items
    feed = Feed(
        title, pages.base_url, path, chosen, pages.language, record.now, pages.times, summaries
    )
    yield f"{path}.atom", feed.atom()
    yield f"{path}.rss", feed.rss()


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    """One build at a time per folder: two swaps interleaved would lose one."""
    import fcntl

    lock = out.parent / f".{out.name}.lock"
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _check_replaceable(out: Path) -> None:
    if not out.exists():
        return
    if not out.is_dir():
        raise ConflictError(f"{out} exists and is not a folder: choose another --out")
    if not (out / MARKER).exists() and any(out.iterdir()):
        raise ConflictError(
            f"{out} is not empty and was not built by `incidentctl site build`: it is left "
            "alone; choose an empty or new folder"
        )


def fingerprint(playbook: Playbook) -> str:
    """What every page depends on besides the record: a change rebuilds every page."""
    from incidentctl import __version__
    from incidentctl.render.paths import builtin_templates_dir

    digest = hashlib.sha256(__version__.encode())
    digest.update(playbook.model_dump_json().encode())
    for path in sorted((builtin_templates_dir() / "site").iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class Manifest:
    """What a build wrote into its folder about itself, for the next build."""

    incidents: dict[str, Known]
    # month -> the key of its history page (`Pages.month_keys`)
    months: dict[str, str]


def _previous(out: Path, expected: str) -> Manifest | None:
    """What the site in `out` was built from, if built with the same fingerprint."""
    try:
        manifest = json.loads((out / MARKER).read_text(encoding="utf-8"))
        if manifest["fingerprint"] != expected:
            return None
        known = {k: Known(int(v), bool(p)) for k, (v, p) in manifest["incidents"].items()}
        return Manifest(known, {str(k): str(v) for k, v in manifest["months"].items()})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def build_site(store: Store, playbook: Playbook, out: Path, now: datetime) -> SiteBuild:
    """Read the public record from the store and write the site to `out`, whole or not at all.

    The pages of resolved incidents unchanged since the last build into `out` are kept (hard
    links into the new folder), so the rebuild after an update renders only what changed.
    """
    started = time.perf_counter()
    out = out.expanduser().absolute()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with _locked(out):
            _check_replaceable(out)
            stamp = fingerprint(playbook)
            previous = _previous(out, stamp)
            record = read_record(store, playbook, now, previous.incidents if previous else None)
            pages = Pages(record, base_url(playbook))
            count, size = _write(pages, out, previous, stamp)
    except OSError as exc:
        raise StateError(f"cannot write the status site to {out}: {exc.strerror or exc}") from None
    return SiteBuild(out, count, size, time.perf_counter() - started)


def _listing(folder: Path) -> set[str]:
    try:
        return set(os.listdir(folder))
    except OSError:
        return set()


def _kept(record: SiteRecord, out: Path, known: Mapping[str, Known]) -> set[str]:
    """The resolved incidents whose page in `out` is the one this build would write."""
    there = _listing(out / "incidents")
    return {
        item.id
        for item in record.incidents
        if not item.incident.is_open
        and known.get(item.id) == Known(item.incident.version, True)
        and f"{item.id}.html" in there
    }


def _write(pages: Pages, out: Path, previous: Manifest | None, stamp: str) -> tuple[int, int]:
    record = pages.record
    months = pages.month_keys()
    kept = _kept(record, out, previous.incidents) if previous else set()
    there = _listing(out / "history") if previous else set()
    kept_months = {
        m
        for m, key in months.items()
        if previous and key and previous.months.get(m) == key and f"{m}.html" in there
    }
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        count = size = 0
        made: set[Path] = set()
        for path, content in site_files(pages, kept, kept_months):
            target = staging / path
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            target.write_bytes(content)
            count += 1
            size += len(content)
        linked = [f"incidents/{i}.html" for i in kept] + [f"history/{m}.html" for m in kept_months]
        for folder in {name.split("/")[0] for name in linked}:
            (staging / folder).mkdir(exist_ok=True)
        for name in linked:
            os.link(out / name, staging / name)
            count += 1
        manifest = {
            "fingerprint": stamp,
            "incidents": {
                **{i.id: [i.incident.version, True] for i in record.incidents},
                **{k: [v, False] for k, v in record.private.items()},
            },
            "months": {m: key for m, key in months.items() if key},
        }
        (staging / MARKER).write_text(json.dumps(manifest), encoding="utf-8")
        os.chmod(staging, 0o755)
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return count, size


def _swap(staging: Path, out: Path) -> None:
    if not out.exists():
        staging.rename(out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    old.rmdir()
    out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)

"""`site build`: every file of the status site, written to a temporary folder, then swapped in.

A reader (or `rsync`) never sees a half-written site: the new folder is complete before it
takes the old one's name. A folder that is not a site this command built is never replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Collection, Container, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, NoReturn

from incidentctl.app.maintenance_ics import Heading, calendar_of
from incidentctl.app.site.api import Api, encode
from incidentctl.app.site.feeds import ENTRIES, Feed
from incidentctl.app.site.maintenance import maintenance_rss
from incidentctl.app.site.pages import Pages, badge
from incidentctl.app.site.record import (
    Previous,
    Received,
    SiteIncident,
    SiteRecord,
    SpoiltDigest,
    public_channels,
    read_apart,
    read_record,
)
from incidentctl.app.site.uptime import worst
from incidentctl.errors import ConflictError, StateError
from incidentctl.model.records import IncidentHead
from incidentctl.playbook.schema import Playbook
from incidentctl.store.base import Store

MARKER = ".incidentctl-site"
STATIC = ("style.css", "banner.js")


@dataclass(frozen=True)
class SiteBuild:
    out: Path
    # the files written and their size: every file of the site when `whole`, else those whose
    # content changed since the last build
    files: int
    bytes: int
    seconds: float
    whole: bool = True

    @property
    def index(self) -> Path:
        return self.out / "index.html"


def base_url(playbook: Playbook) -> str:
    url = playbook.organization.status_page_url or ""
    return url if not url or url.endswith("/") else url + "/"


class FileKeys:
    """What each feed (`_feed_key`) and component page (`Pages.component_key`) was written
    from: a rebuild writes again only those whose key changed (`before`: the last build's, of
    the files `present` in the folder)."""

    def __init__(self, before: Mapping[str, str] | None = None, present: Container[str] = ()):
        self.before: Mapping[str, str] = before or {}
        self.present = present
        self.now: dict[str, str] = {}


def site_files(
    pages: Pages,
    kept: Container[str] = (),
    kept_months: Container[str] = (),
    keys: FileKeys | None = None,
) -> Iterator[tuple[str, bytes]]:
    """Relative path -> content, for every file of the site but the pages kept (and, with
    `keys`, the feeds and component pages unchanged since the last build)."""
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
    heading = Heading.of_playbook(playbook)
    yield "maintenance.ics", calendar_of(record.maintenances, heading, record.now)
    names = {k: c.name for k, c in playbook.components.items()}
    yield (
        "feeds/maintenance.rss",
        maintenance_rss(record.maintenances, pages.times, pages.language, url, org.name, names),
    )
    words = pages.words
    summaries: dict[str, str] = {}
    keys = FileKeys() if keys is None else keys
    yield from _feeds(
        "feed", words["incident_feed"].format(org=org.name), record, pages, summaries, keys
    )
    status = pages.status_now
    overall = worst(status.values())
    yield "badge.svg", badge(org.name, overall, pages.component_status(overall), pages.language)
    for name, spec in playbook.components.items():
        touched = record.by_component.get(name, [])
        title = words["component_feed"].format(org=org.name, component=spec.name)
        yield from _feeds(f"feeds/{name}", title, record, pages, summaries, keys, touched)
        yield (
            f"badges/{name}.svg",
            badge(spec.name, status[name], pages.component_status(status[name]), pages.language),
        )
        path = f"components/{name}.html"
        key = keys.now[path] = pages.component_key(name)
        if keys.before.get(path) != key or path not in keys.present:
            yield path, pages.component(name)


def _feeds(
    path: str,
    title: str,
    record: SiteRecord,
    pages: Pages,
    summaries: dict[str, str],
    keys: FileKeys,
    items: list[SiteIncident] | None = None,
) -> Iterator[tuple[str, bytes]]:
    chosen = record.incidents if items is None else items
    key = _feed_key(title, chosen, record.now)
    keys.now[path] = key
    files = (f"{path}.atom", f"{path}.rss")
    if keys.before.get(path) == key and all(name in keys.present for name in files):
        return  # the same entries as when the last build wrote it: the file stays
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
    # (the site's templates and modules are read as text: about 1 ms)
    from incidentctl import __version__
    from incidentctl.render.paths import builtin_templates_dir

    digest = hashlib.sha256(__version__.encode())
    # what the site reads of the playbook — the organization, the components, the `site:`
    # settings, the severities' order (their impact by rank) and which channels are public —
    # not the rest (roles, reminders, other channels' settings, targets): editing those leaves
    # the pages as they are, and the next `declare` rebuilds only what changed. Their reprs,
    # not JSON: they name every field's value too, and need no serializer (one read from the
    # cache has none built: building one costs a `declare` 40 ms)
    read = (
        playbook.organization,
        playbook.components,
        playbook.site,
        [severity.id for severity in playbook.severities],
        sorted(public_channels(playbook)),
    )
    digest.update(repr(read).encode())
    # the templates, and the code that writes the pages (what a build keeps of the last one,
    # such as the finished days' bars, is printed by it)
    code = sorted(Path(__file__).parent.glob("*.py"))
    for path in [*sorted((builtin_templates_dir() / "site").iterdir()), *code]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:32]


class Manifest(NamedTuple):
    """What a build wrote into its folder about itself, for the next build."""

    # the incident revision the build read up to (`Store.incident_revision`)
    mark: int
    # "" and each component -> the latest public incidents the feeds and the API listed
    latest: dict[str, list[str]]
    # month -> the key of its history page (`Pages.month_keys`)
    months: dict[str, str]
    # feed or component page -> the key of what it shows (`FileKeys`)
    keys: dict[str, str]
    # the history's months, newest first, and the latest public update the site told of
    listing: list[str]
    updated: datetime | None
    # the modification times of the incident and history folders once written: a page
    # removed or added by hand since makes the next build a whole one
    folders: dict[str, int]
    # component -> its finished days on the index as printed (`Pages.pasts_now`)
    pasts: dict[str, list[Any]]
    # the resolved incidents it showed, as heads with the components they touched
    # (`SiteRecord.window`), and the cut of the 90 days it took them at; None: not kept
    window: dict[str, Sequence[Any]] | None = None
    cut: str = ""


FOLDERS = ("incidents", "history", "components")


def _folder_times(out: Path) -> dict[str, int]:
    found: dict[str, int] = {}
    for name in FOLDERS:
        with contextlib.suppress(OSError):
            found[name] = (out / name).stat().st_mtime_ns
    return found


def _previous(out: Path, expected: str) -> Manifest | None:
    """What the site in `out` was built from, if built with the same fingerprint and its
    pages are still the ones it wrote."""
    try:
        manifest = json.loads((out / MARKER).read_text(encoding="utf-8"))
        if manifest["fingerprint"] != expected:
            return None
        folders = {str(k): int(v) for k, v in manifest["folders"].items()}
        if folders != _folder_times(out):
            return None
        latest = {str(k): [str(i) for i in v] for k, v in manifest["latest"].items()}
        keys = {str(k): str(v) for k, v in manifest["keys"].items()}
        months = {str(k): str(v) for k, v in manifest["months"].items()}
        listing = [str(m) for m in manifest["listing"]]
        updated = manifest["updated"]
        when = None if updated is None else datetime.fromisoformat(str(updated))
        pasts = {str(k): list(v) for k, v in manifest["pasts"].items() if len(v) == 9}
        mark = int(manifest["mark"])
        window = manifest.get("window")  # its entries checked as a rebuild reads them
        if not isinstance(window, dict):
            window = None
        cut = str(manifest.get("cut") or "")
        return Manifest(mark, latest, months, keys, listing, when, folders, pasts, window, cut)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def build_site(store: Store, playbook: Playbook, out: Path, now: datetime) -> SiteBuild:
    """Read the public record from the store and write the site to `out`.

    A first build (or one after the playbook, the templates or incidentctl changed) is written
    whole to a new folder that then takes `out`'s name. A rebuild over a site built from the
    same playbook changes `out` in place, file by file: each file is replaced whole, only when
    its content changed, incident pages before the pages that link them and `index.html`
    last; the pages of resolved incidents unchanged since then are not rendered again.
    """
    import gc

    started = time.perf_counter()
    out = out.expanduser().absolute()
    # a burst that builds tens of thousands of objects and drops few: the collector's passes
    # over every object of the process (a command's whole start-up) would cost a fifth of it
    collecting = gc.isenabled()
    gc.disable()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with _locked(out):
            _check_replaceable(out)
            stamp = fingerprint(playbook)
            previous = _previous(out, stamp)
            mark = store.incident_revision()  # before any read of the incidents
            if previous is not None and mark < previous.mark:
                previous = None  # another store, or this one restored from a backup
            try:
                if previous is not None:
                    holding = _holding(out, previous)
                    record = read_record(store, playbook, now, holding, mark)
                    pages = Pages(record, base_url(playbook), previous.pasts)
                    record.read_details(pages.detailed())
                    count, size = _update(pages, out, previous, holding, stamp)
            except SpoiltDigest:  # a digest no build wrote: read everything again
                previous = None
            if previous is None:
                count, size = _write(store, playbook, now, mark, out, stamp)
    except OSError as exc:
        raise StateError(f"cannot write the status site to {out}: {exc.strerror or exc}") from None
    finally:
        if collecting:
            gc.enable()
    return SiteBuild(out, count, size, time.perf_counter() - started, previous is None)


def _holding(out: Path, manifest: Manifest) -> Previous:
    """What the site in `out` holds, for a rebuild to read only what it must."""
    try:
        names = os.listdir(out / "history")
    except OSError:
        names = []
    month_pages = {name[:-5] for name in names if name.endswith(".html")}
    return Previous(
        manifest.mark,
        manifest.latest,
        manifest.listing,
        month_pages,
        manifest.updated,
        manifest.window,
        manifest.cut,
    )


def _listing(folder: Path) -> set[str]:
    try:
        return set(os.listdir(folder))
    except OSError:
        return set()


def _kept(record: SiteRecord) -> set[str]:
    """The incidents whose page in the folder is the one this build would write: those that
    did not change since the last build, which wrote their page (the folders' times say no
    page went or came since)."""
    return {i.id for i in record.incidents if i.id not in record.changed}


def _write(
    store: Store, playbook: Playbook, now: datetime, mark: int, out: Path, stamp: str
) -> tuple[int, int]:
    """Read the whole record and write the whole site to a new folder, then give it `out`'s
    name; (files, bytes)."""
    url = base_url(playbook)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    folder = staging / "incidents"
    folder.mkdir()
    helper = _Helper(store, playbook, now, url, folder)
    try:
        pages = Pages(read_record(store, playbook, now, mark=mark, apart=helper), url)
        record = pages.record
        months = pages.month_keys()
        done = helper.ids
        mine = [item for item in record.incidents if item.id not in done]
        size = _write_pages(pages, mine, folder) + helper.size
        count = len(mine) + len(helper.written)
        keys = FileKeys()
        made = {folder}
        every = {i.id for i in record.incidents}
        for path, content in site_files(pages, every, keys=keys):
            target = staging / path
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            target.write_bytes(content)
            count += 1
            size += len(content)
        theirs, more = helper.finish()
        count, size = count + theirs, size + more
        manifest = _manifest(pages, stamp, months, keys.now, None, _folder_times(staging))
        (staging / MARKER).write_bytes(manifest)
        os.chmod(staging, 0o755)
        _swap(staging, out)
    except BaseException:
        helper.stop()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return count, size


def _feed_key(title: str, items: Sequence[SiteIncident], now: datetime) -> str:
    """What a feed's content depends on besides the fingerprint: its title and its entries
    (their versions: any change to an incident raises it); `now` only when it has none."""
    shown = items[:ENTRIES]
    text = title + "\0" + ",".join(f"{i.id}:{i.version}" for i in shown)
    if not shown:
        text += "\0" + now.isoformat()
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _manifest(
    pages: Pages,
    stamp: str,
    months: Mapping[str, str | None],
    files: Mapping[str, str],
    before: Manifest | None,
    folders: Mapping[str, int],
) -> bytes:
    """The manifest of this build: the revision it read up to, the latest incidents it listed,
    the key of every month's page (this build's for the months it wrote, else the last
    build's), of every feed and component page, and the times of its page folders once
    written."""
    record = pages.record
    kept = before.months if before is not None else {}
    keys = {}
    for month in record.listing:  # newest first, as a fresh build lists them
        key = months[month] if month in months else kept.get(month)
        if key:
            keys[month] = key
    updated = record.updated
    manifest = {
        "fingerprint": stamp,
        "mark": record.mark,
        "latest": record.latest,
        "months": keys,
        "keys": dict(files),
        "listing": record.listing,
        "updated": None if updated is None else updated.isoformat(),
        "folders": dict(folders),
        "pasts": pages.pasts_now,
        "window": record.window,
        "cut": record.cut,
    }
    return json.dumps(manifest).encode()


def _replace(target: Path, content: bytes) -> bool:
    """Write `content` to `target` whole (a reader sees the old file or the new one), unless
    it already holds exactly that; True when written."""
    try:
        if target.stat().st_size == len(content) and target.read_bytes() == content:
            return False
    except OSError:
        pass
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        partial.write_bytes(content)
        os.chmod(partial, 0o644)
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return True


def _update(
    pages: Pages, out: Path, previous: Manifest, holding: Previous, stamp: str
) -> tuple[int, int]:
    """Bring the site in `out` up to `pages`, in place; (files written, their bytes): what a
    reader or `rsync` sees change is what changed."""
    record = pages.record
    months = pages.month_keys()
    kept = _kept(record)
    kept_months = {
        m
        for m, key in months.items()
        if key and previous.months.get(m) == key and m in holding.month_pages
    }
    (out / "incidents").mkdir(exist_ok=True)
    count = size = 0
    for item in record.incidents:
        if item.id not in kept:
            content = pages.incident(item)
            if _replace(out / "incidents" / f"{item.id}.html", content):
                count += 1
                size += len(content)
    every = {i.id for i in record.incidents}
    present = {f"feeds/{name}" for name in _listing(out / "feeds")}
    present |= {name for name in ("feed.atom", "feed.rss") if (out / name).exists()}
    present |= {f"components/{name}" for name in _listing(out / "components")}
    keys = FileKeys(previous.keys, present)
    rest = list(site_files(pages, every, kept_months, keys))
    # the index links everything else: it changes last
    rest.sort(key=lambda file: file[0] == "index.html")
    for path, content in rest:
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if _replace(target, content):
            count += 1
            size += len(content)
    for month in set(holding.month_pages) - set(record.listing):
        (out / "history" / f"{month}.html").unlink(missing_ok=True)
    manifest = _manifest(pages, stamp, months, keys.now, previous, _folder_times(out))
    _replace(out / MARKER, manifest)
    return count, size


# from this many incidents, a whole build shares them with a second process
PARALLEL_PAGES = 1000
# the share of them the second process reads and writes the pages of: this one also writes
# the rest of the site (a seventh of the pages' time) and reads what the other told
SHARE = 56


class _Helper:
    """The second process of a whole build (`Apart`): from its own connection to the store,
    it reads the oldest resolved incidents, tells this process what every page asks of them,
    then writes their pages. Meanwhile this one reads the other incidents and writes their
    pages. Should it stop, this one reads and writes its share itself."""

    def __init__(self, store: Store, playbook: Playbook, now: datetime, url: str, folder: Path):
        self.store = store
        self.playbook = playbook
        self.now = now
        self.folder = folder  # the staging site's `incidents`
        self.told = folder.parent / f".{folder.name}.told"
        self.heads: list[IncidentHead] = []
        self.child = 0
        self.answer: BinaryIO | None = None
        # what writes the incident pages, which read nothing of the record but the incident:
        # made before the record is read, and before the fork (the child has it too)
        self.pages = Pages(SiteRecord(playbook, now), url)
        # the ids of the pages written by this process (`meanwhile`), and their bytes
        self.written: set[str] = set()
        self.size = 0

    def start(self, heads: Sequence[IncidentHead]) -> Collection[str]:
        import threading

        alone = threading.active_count() == 1 and hasattr(os, "fork")  # forking is safe
        if len(heads) < PARALLEL_PAGES or not alone or (os.cpu_count() or 1) < 2:
            return ()
        resolved = [h for h in heads if not h.open]  # the most recently declared first
        self.heads = resolved[len(resolved) - len(heads) * SHARE // 100 :]
        reader, writer = os.pipe()
        self.child = os.fork()
        if self.child == 0:  # pragma: no cover - measured by the parent's tests
            os.close(reader)
            self._work(writer)
        os.close(writer)
        self.answer = os.fdopen(reader, "rb")
        return {h.id for h in self.heads}

    def _work(self, writer: int) -> NoReturn:  # pragma: no cover - in the child
        """The child's part; it ends the process (the parent's connection untouched)."""
        code = 1
        try:
            store = self.store.reopened()  # closed at the end: its server is told
            items, told = read_apart(store, self.playbook, self.now, self.heads)
            # through a file, not the pipe: the parent reads it once it wrote its own pages,
            # and a pipe's buffer would hold this process until then
            self.told.write_bytes(_encoded(told))
            _send(writer, b"told")
            size = _write_pages(self.pages, items, self.folder)
            _send(writer, f"{len(items)} {size}".encode())
            store.close()
            code = 0
        finally:
            os._exit(code)

    def meanwhile(self, items: Sequence[SiteIncident]) -> None:
        self.size += _write_pages(self.pages, items, self.folder)
        self.written.update(item.id for item in items)

    def received(self) -> Received | None:
        told = None
        if _receive(self.answer) == b"told":
            with contextlib.suppress(OSError, ValueError):
                told = _decoded(self.told.read_bytes())
            self.told.unlink(missing_ok=True)
        if told is None or set(told.incidents) != {h.id for h in self.heads}:
            self.stop()
            self.heads = []
            return None
        return told

    @property
    def ids(self) -> set[str]:
        """The incidents whose pages need no writing by the caller: written by this process
        (`meanwhile`), or left to the other (`finish`)."""
        return self.written | {h.id for h in self.heads}

    def finish(self) -> tuple[int, int]:
        """Wait for the other process's pages: (files, bytes); when it stopped before writing
        them all, they are read and written here."""
        if not self.heads:
            return 0, 0
        done = _receive(self.answer)
        self.stop()
        if done is None:
            items, _ = read_apart(self.store, self.playbook, self.now, self.heads)
            size = _write_pages(self.pages, items, self.folder)
            return len(items), size
        count, size = (int(n) for n in done.split())
        return count, size

    def stop(self) -> None:
        """End the other process (when still running) and wait for it."""
        if self.answer is not None:
            self.answer.close()
            self.answer = None
        if self.child:
            with contextlib.suppress(OSError):
                os.kill(self.child, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.child, 0)
            self.child = 0


WRITE_NEW = os.O_WRONLY | os.O_CREAT | os.O_TRUNC


def _write_pages(pages: Pages, items: Sequence[SiteIncident], folder: Path) -> int:
    """Write the items' pages into `folder` (new files), opened by name from the folder's
    own descriptor: a path walked and a file object made per page would cost a whole build
    a tenth of a second per process; the bytes written."""
    size = 0
    where = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for item in items:
            content = pages.incident(item)
            fd = os.open(f"{item.id}.html", WRITE_NEW, 0o666, dir_fd=where)
            try:
                view = memoryview(content)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
            size += len(content)
    finally:
        os.close(where)
    return size


def _send(fd: int, payload: bytes) -> None:
    data = len(payload).to_bytes(8, "big") + payload
    while data:
        data = data[os.write(fd, data) :]


def _receive(answer: BinaryIO | None) -> bytes | None:
    """The next message the other process sent (None: it stopped before)."""
    if answer is None:
        return None
    size = answer.read(8)
    if len(size) < 8:
        return None
    payload = answer.read(int.from_bytes(size, "big"))
    return payload if len(payload) == int.from_bytes(size, "big") else None


def _encoded(told: Received) -> bytes:
    updated = None if told.updated is None else told.updated.isoformat()
    incidents = [[i, version, touched] for i, (version, touched) in told.incidents.items()]
    return json.dumps([updated, incidents]).encode()


def _decoded(payload: bytes) -> Received:
    updated, incidents = json.loads(payload)
    found = {
        str(i): (int(version), None if touched is None else tuple(touched))
        for i, version, touched in incidents
    }
    return Received(found, None if updated is None else datetime.fromisoformat(updated))


def _swap(staging: Path, out: Path) -> None:
    if not out.exists():
        staging.rename(out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    old.rmdir()
    out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)

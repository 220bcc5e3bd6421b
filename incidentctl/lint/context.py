"""What lint rules read: the playbook as written and as validated, with shared caches."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from incidentctl.model.problem import Problem
from incidentctl.model.records import Stage
from incidentctl.playbook.document import KeyPath, ParsedDocument
from incidentctl.playbook.loader import LoadedPlaybook
from incidentctl.playbook.schema import Playbook
from incidentctl.render.folder import TEMPLATE_SUFFIX

if TYPE_CHECKING:
    from incidentctl.channels.check import CheckedChannel
    from incidentctl.model.records import RenderedMessage
    from incidentctl.render import Renderer


@dataclass
class LintContext:
    """What rules read: the document as written, the validated playbook when valid, and caches."""

    path: Path
    env: Mapping[str, str]
    now: datetime
    doc: ParsedDocument
    # why the file could not be read at all (missing, a folder, not UTF-8)
    read_error: str | None = None
    playbook: Playbook | None = None
    # problems found by the loader (YAML, schema, references), shared out by rule id
    found: list[Problem] = field(default_factory=list)
    # the channels of a known type whose settings validated, as the loader's check kept them:
    # rules read these settings instead of validating them again
    channels: Mapping[str, CheckedChannel] = field(default_factory=dict)
    # folders outside the playbook's own its `templates:` may name
    template_roots: tuple[Path, ...] = ()
    # the folder of approved messages given on the command line (`lint --approved`)
    approved: Path | None = None
    _rendered: dict[tuple[str, Stage], RenderedMessage | Exception] = field(default_factory=dict)
    _samples: dict[Stage, dict[str, Any]] = field(default_factory=dict)

    @property
    def file(self) -> str:
        return str(self.path)

    @property
    def data(self) -> Any:
        """The raw YAML data (None when unreadable); rules that need no schema read this."""
        return self.doc.data

    @cached_property
    def loaded(self) -> LoadedPlaybook | None:
        if self.playbook is None:
            return None
        return LoadedPlaybook(self.playbook, self.path, self.doc.positions, self.template_roots)

    def display(self, file: str | Path) -> str:
        """How problems name a file other than the playbook: a file inside the playbook's
        folder (its templates) is written from the playbook's path as given, `tpl/x.j2` for
        `playbook.yaml` and `ops/tpl/x.j2` for `ops/playbook.yaml`, so every format names it
        like the playbook itself; a file elsewhere is written absolute."""
        path = Path(file).resolve()
        base = self.path.parent
        try:
            inside = path.relative_to(base.resolve())
        except ValueError:
            return str(path)
        return str(base / inside) if str(base) != "." else str(inside)

    def is_playbook_file(self, file: str | None) -> bool:
        """True for a template of the playbook's `templates:` folder (not a built-in)."""
        loaded = self.loaded
        folder = loaded.templates_dir if loaded is not None else None
        if not file or folder is None:
            return False
        return Path(file).resolve().is_relative_to(folder) and Path(file).is_file()

    def strings(self) -> Iterator[tuple[KeyPath, str, bool]]:
        """(path, text, is a key) of every string in the document, mapping keys included."""
        return _strings(self.data, ())

    def found_by(self, rule: str) -> Iterator[Problem]:
        return (p for p in self.found if p.rule == rule)

    def problem(
        self, path: KeyPath, rule: str, level: str, message: str, *, key: bool = False
    ) -> Problem:
        """A problem located at `path` in the playbook (its key with `key=True`)."""
        line, column = self.doc.positions.of(path, key=key)
        return Problem(line, column, level, rule, message, self.file)

    def stages_of(self, name: str) -> list[Stage]:
        """Stages channel `name` receives; an unused channel is checked on its declared stages."""
        assert self.playbook is not None
        received = stages_received(self.playbook, name)
        if received:
            return received
        return list(self.playbook.channels[name].stages or Stage)

    @cached_property
    def renderer(self) -> Renderer:
        from incidentctl.render import Renderer

        loaded = self.loaded
        assert loaded is not None
        return Renderer(loaded.playbook, loaded.templates_dir)

    @cached_property
    def broken_templates(self) -> list[tuple[str, int, str]]:
        """(path, line, message) of the template files that fail to compile."""
        loaded = self.loaded
        if loaded is None:
            return []
        roots = [self.renderer.builtin_root.resolve()]
        if loaded.templates_dir is not None:
            roots.append(loaded.templates_dir)
        # compile_all also lists a missing folder and missing override files (or files that
        # are no templates): unknown-template reports those at the playbook key that names them
        return [
            item
            for item in self.renderer.compile_all()
            if item[0].endswith(TEMPLATE_SUFFIX)
            and Path(item[0]).is_file()
            and any(Path(item[0]).resolve().is_relative_to(root) for root in roots)
        ]

    def render(self, name: str, stage: Stage) -> RenderedMessage | Exception:
        """The sample message channel `name` sends at `stage`, or why it cannot be rendered."""
        if (name, stage) not in self._rendered:
            self._rendered[name, stage] = self._render(name, stage)
        return self._rendered[name, stage]

    def sample(self, stage: Stage) -> dict[str, Any]:
        """The sample incident's template context at `stage`. Every channel renders the same
        one (the renderer copies it to add the channel; the sandbox keeps templates from
        changing it), so it is built once per stage."""
        from incidentctl.render import sample_context

        assert self.playbook is not None
        if stage not in self._samples:
            self._samples[stage] = sample_context(self.playbook, stage, now=self.now)
        return self._samples[stage]

    def _render(self, name: str, stage: Stage) -> RenderedMessage | Exception:
        from incidentctl.channels.registry import channel_type

        assert self.playbook is not None
        cls = channel_type(self.playbook.channels[name].type)
        message_format = cls.message_format if cls is not None else "chat"
        try:
            return self.renderer.render(stage, name, message_format, self.sample(stage))
        # templates are user code: `{{ 1 / 0 }}` must become a problem, not a crash
        except Exception as exc:
            return exc


def _strings(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, str, bool]]:
    if isinstance(value, str):
        yield path, value, False
    elif isinstance(value, dict):
        for key, item in value.items():
            child = (*path, str(key))
            if isinstance(key, str):
                yield child, key, True
            yield from _strings(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def stages_received(playbook: Playbook, name: str) -> list[Stage]:
    """Stages in which some severity, or a category reaching every channel, notifies `name`
    (a support desk's channel is notified of every severity its filters accept)."""
    channel = playbook.channels[name]
    reached = channel.enabled and any(c.all_channels for c in playbook.categories.values())
    return [
        stage
        for stage in Stage
        if (reached and (channel.stages is None or stage in channel.stages))
        or any(
            (name in severity.channels_for(stage) or channel.briefs_support)
            and channel.receives(stage, severity.id)
            for severity in playbook.severities
        )
    ]


def duplicate_severities(data: Any) -> dict[int, int]:
    """Index of each severity whose id repeats an earlier one -> index of that earlier one."""
    severities = data.get("severities") if isinstance(data, dict) else None
    if not isinstance(severities, list):
        return {}
    first: dict[str, int] = {}
    repeats: dict[int, int] = {}
    for index, severity in enumerate(severities):
        sid = severity.get("id") if isinstance(severity, dict) else None
        if not isinstance(sid, str):
            continue
        if sid in first:
            repeats[index] = first[sid]
        else:
            first[sid] = index
    return repeats

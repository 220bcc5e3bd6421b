"""Template lookup (channel override → playbook folder → built-ins) and rendering."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import ChoiceLoader, FileSystemLoader

from incidentctl.errors import TemplateError
from incidentctl.model.records import (
    EventKind,
    MessageStage,
    RenderedMessage,
    Stage,
    TemplateStage,
)
from incidentctl.model.text import strip_controls
from incidentctl.playbook.schema import Playbook
from incidentctl.render.environment import bytecode_cache, make_environment, quoting
from incidentctl.render.failures import (
    is_html_name,
    template_location,
    undefined_reason,
)
from incidentctl.render.folder import FolderLoader, template_file, template_files
from incidentctl.render.paths import builtin_templates_dir

PARTS_BY_FORMAT: dict[str, tuple[str, ...]] = {
    "chat": ("text",),
    "short": ("text",),
    "email": ("subject", "text", "html"),
}
# (message format, part) -> built-in file name after `<stage>.`
SUFFIXES = {
    ("chat", "text"): "chat.j2",
    ("short", "text"): "short.j2",
    ("email", "subject"): "email-subject.j2",
    ("email", "text"): "email-text.j2",
    ("email", "html"): "email-html.j2",
}
# what a support desk's channel (`audience: support`) gets instead: the agents' brief, plain
# text whatever the channel's format (an e-mail to the agents' list has no HTML part)
SUPPORT_AUDIENCE = "support"
SUPPORT_PARTS: dict[str, tuple[str, ...]] = {
    "chat": ("text",),
    "short": ("text",),
    "email": ("subject", "text"),
}
_SUPPORT_SUFFIXES = {"text": "support.j2", "subject": "support-subject.j2"}
_NO_SUPPORT_BRIEF = (MessageStage.CORRECTION,)
# what only the team may read: never in the context of a public channel's message
_INTERNAL_ONLY_EVENTS = (
    EventKind.CUSTOMER_REPORT.value,
    EventKind.NOTE.value,
    EventKind.REMINDER.value,
)
POSTMORTEM_TEMPLATE = "postmortem.md.j2"
PUBLIC_POSTMORTEM_TEMPLATE = "postmortem-public.md.j2"
# the announcement of a published postmortem: `postmortem.<part>.j2` (no channel overrides)
POSTMORTEM_MESSAGES = "postmortem"
STAGE_PLACEHOLDER = "{stage}"


def _parts(message_format: str) -> tuple[str, ...]:
    """The parts of a message format (`email`: subject, text, html)."""
    parts = PARTS_BY_FORMAT.get(message_format)
    if parts is None:
        known = ", ".join(PARTS_BY_FORMAT)
        raise TemplateError(f"unknown message format {message_format!r} (known: {known})")
    return parts


class Renderer:
    """Renders the messages of one playbook; templates are compiled once and cached."""

    def __init__(self, playbook: Playbook, templates_dir: Path | None) -> None:
        self.playbook = playbook
        self.language = playbook.organization.language
        self.templates_dir = templates_dir
        self.builtin_root = builtin_templates_dir()
        self.builtin_dir = self.builtin_root / self.language
        # a channel's html override may have any name: it is escaped like the built-in one
        self._html_names = {
            name.replace(STAGE_PLACEHOLDER, stage.value)
            for channel in playbook.channels.values()
            for part, name in channel.templates.items()
            if part == "html"
            for stage in (*Stage, *MessageStage)
        }
        loaders: list[jinja2.BaseLoader] = []
        if templates_dir is not None:
            loaders.append(FolderLoader(templates_dir))
        loaders += [FileSystemLoader(self.builtin_dir), FileSystemLoader(self.builtin_root)]
        # html overrides change autoescaping by name: no shared cache then
        cache = None if self._html_names else bytecode_cache()
        self.env = make_environment(ChoiceLoader(loaders), self.language, self._is_html, cache)

    def _is_html(self, name: str | None) -> bool:
        return is_html_name(name) or name in self._html_names

    def template_names(
        self,
        stage: TemplateStage,
        channel_name: str,
        message_format: str,
        audience: str | None = None,
    ) -> dict[str, str]:
        """Part -> template name used: the channel's override, else `<stage>.<part>.j2`, which
        the playbook's templates folder overrides and the built-ins provide. A support desk's
        channel (or `audience="support"`) gets `<stage>.support.j2` (and
        `<stage>.support-subject.j2` by e-mail) at the incident's stages and its reopening."""
        parts = _parts(message_format)
        extra = isinstance(stage, MessageStage)
        stage_id = stage.value if extra else Stage(stage).value
        channel = self.playbook.channels.get(channel_name)
        overrides: dict[str, str] = {}
        if channel is not None:
            overrides.update((str(part), name) for part, name in channel.templates.items())
        # the brief exists for the incident's stages and its reopening (the agents need the
        # script again); a correction is said as such
        support = stage not in _NO_SUPPORT_BRIEF and (
            (audience or self.channel_info(channel_name)["audience"]) == SUPPORT_AUDIENCE
        )
        if support:
            parts = SUPPORT_PARTS[message_format] + tuple(
                p for p in parts if p in overrides and p not in SUPPORT_PARTS[message_format]
            )
        names: dict[str, str] = {}
        for part in parts:
            override = overrides.get(part)
            named = override.replace(STAGE_PLACEHOLDER, stage_id) if override else ""
            # a correction or reopening the channel's own files do not cover: the built-in
            # (or the playbook folder's file of that name) says it
            uncovered = extra and STAGE_PLACEHOLDER in (override or "") and not self.locate(named)
            if named and not uncovered:
                names[part] = named
            elif support:
                names[part] = f"{stage_id}.{_SUPPORT_SUFFIXES[part]}"
            else:
                names[part] = f"{stage_id}.{SUFFIXES[(message_format, part)]}"
        return names

    def locate(self, name: str) -> Path | None:
        """The file a template name resolves to, or None when no folder has it."""
        if self.templates_dir is not None:
            found = template_file(self.templates_dir, name)
            if found is not None:
                return found
        try:
            parts = jinja2.loaders.split_template_path(name)
        except jinja2.TemplateNotFound:  # `..` in the name: never outside the folders
            return None
        for folder in (self.builtin_dir, self.builtin_root):
            candidate = folder.joinpath(*parts)
            if candidate.is_file():
                return candidate
        return None

    def template_files(self) -> tuple[list[Path], str | None]:
        """The playbook's own templates (bounded: see `render.folder`), and why the list
        stopped short if it did."""
        if self.templates_dir is None or not self.templates_dir.is_dir():
            return [], None
        return template_files(self.templates_dir)

    def channel_info(self, channel_name: str) -> dict[str, str]:
        channel = self.playbook.channels.get(channel_name)
        if channel is None:  # a preview of a format without a channel: assume the public
            return {"name": channel_name, "type": "", "audience": "public"}
        return {"name": channel_name, "type": channel.type, "audience": channel.audience}

    def render(
        self,
        stage: TemplateStage,
        channel_name: str,
        message_format: str,
        context: Mapping[str, Any],
        quote: Callable[[str], str] | None = None,
        *,
        audience: str | None = None,
    ) -> RenderedMessage:
        """Render every part of the channel's message format for `stage`; `quote` is how the
        channel neutralises what the values printed into it carry (mentions from a title).
        `audience` renders for that audience instead of the channel's (`brief`: support)."""
        names = self.template_names(stage, channel_name, message_format, audience)
        return self.render_named(names, channel_name, context, quote, audience)

    def render_kind(
        self,
        kind: str,
        channel_name: str,
        message_format: str,
        context: Mapping[str, Any],
        quote: Callable[[str], str] | None = None,
    ) -> RenderedMessage:
        """Render a message that is not a stage's (`reminder`): `<kind>.<part>.j2`, from the
        playbook's templates folder or the built-ins; channel overrides name stages only."""
        parts = _parts(message_format)
        names = {part: f"{kind}.{SUFFIXES[(message_format, part)]}" for part in parts}
        return self.render_named(names, channel_name, context, quote)

    def render_text(self, name: str, context: Mapping[str, Any]) -> str:
        """One plain-text template (`still_investigating.text.j2`), trimmed."""
        return self._render(name, dict(context), None).strip()

    def render_named(
        self,
        names: Mapping[str, str],
        channel_name: str,
        context: Mapping[str, Any],
        quote: Callable[[str], str] | None = None,
        audience: str | None = None,
    ) -> RenderedMessage:
        """Render the parts `names` gives (part -> template name) for one channel (as if its
        audience were `audience`, when given)."""
        data = dict(context)
        data["channel"] = self.channel_info(channel_name)
        if audience is not None:
            data["channel"]["audience"] = audience
        if data["channel"]["audience"] == "public":
            # customers' names and tickets stay in the team, whatever a template prints
            data["reports"] = []
            data["timeline"] = [
                e for e in data.get("timeline", ()) if e.get("kind") not in _INTERNAL_ONLY_EVENTS
            ]
        with quoting(quote):
            out = {part: self._render(name, data, channel_name) for part, name in names.items()}
        subject = out.get("subject")
        html = out.get("html")
        return RenderedMessage(
            text=out["text"].strip(),
            # one line whatever the template or the title holds: CR/LF would inject headers
            subject=" ".join(subject.split()) if subject is not None else None,
            html=html.strip() + "\n" if html is not None else None,
        )

    def render_postmortem(self, context: Mapping[str, Any], name: str = POSTMORTEM_TEMPLATE) -> str:
        """The Markdown review document (`postmortem.md.j2`), or the public one."""
        return self._render(name, dict(context), None).strip() + "\n"

    def render_postmortem_message(
        self,
        channel_name: str,
        message_format: str,
        context: Mapping[str, Any],
        quote: Callable[[str], str] | None = None,
    ) -> RenderedMessage:
        """The announcement of the public postmortem on one channel, from
        `postmortem.<part>.j2` (the playbook's folder, else the built-ins)."""
        parts = PARTS_BY_FORMAT.get(message_format)
        if parts is None:
            known = ", ".join(PARTS_BY_FORMAT)
            raise TemplateError(f"unknown message format {message_format!r} (known: {known})")
        names = {p: f"{POSTMORTEM_MESSAGES}.{SUFFIXES[(message_format, p)]}" for p in parts}
        return self.render_named(names, channel_name, context, quote)

    def _render(self, name: str, data: dict[str, Any], channel_name: str | None) -> str:
        """The template's output without control characters, whoever put them there: a row
        an older version stored, a `"\\e"` in the playbook's YAML, a byte in a template."""
        try:
            return strip_controls(self.env.get_template(name).render(data))
        except jinja2.TemplateSyntaxError as exc:
            reason = " ".join((exc.message or "syntax error").split())
            raise TemplateError(
                self._describe(exc.filename, exc.name or name, exc.lineno, reason),
                template=exc.filename,
                line=exc.lineno or 0,
                reason=reason,
            ) from None
        except jinja2.TemplateNotFound as exc:
            missing = exc.name if isinstance(exc.name, str) else None
            # raised inside a template by `{% include %}`: that template and line failed
            filename, line = template_location(exc)
            reason = self._not_found(name, missing, channel_name)
            raise TemplateError(reason, template=filename, line=line, reason=reason) from None
        except Exception as exc:  # a user's template may fail in any way: report where
            filename, line = template_location(exc)
            reason = getattr(exc, "message", None) or str(exc) or type(exc).__name__
            if isinstance(exc, jinja2.UndefinedError):
                reason = undefined_reason(reason, filename, line)
            elif not isinstance(exc, jinja2.TemplateError):
                reason = f"{type(exc).__name__}: {reason}"
            reason = " ".join(reason.split())
            raise TemplateError(
                self._describe(filename, name, line, reason),
                template=filename,
                line=line,
                reason=reason,
            ) from None

    def _not_found(self, name: str, missing: str | None, channel_name: str | None) -> str:
        missing = missing or name
        where = [str(self.templates_dir)] if self.templates_dir is not None else []
        where += [f"built-in {self.language}"]
        message = f"template {missing!r} not found (looked in {', '.join(where)})"
        if missing != name:
            message = f"template {name!r}: {message}"
        elif self.templates_dir is None and name in self._channel_override_names(channel_name):
            message += f"; channel {channel_name!r} overrides need a `templates:` folder"
        return message

    def _channel_override_names(self, channel_name: str | None) -> set[str]:
        channel = self.playbook.channels.get(channel_name or "")
        if channel is None:
            return set()
        return {
            pattern.replace(STAGE_PLACEHOLDER, stage.value)
            for pattern in channel.templates.values()
            for stage in Stage
        }

    def _display(self, filename: str | None, fallback: str) -> str:
        """A template's name and where it comes from, for error messages."""
        if not filename:
            return repr(fallback)
        path = Path(filename)
        if self.templates_dir is not None and path.is_relative_to(self.templates_dir):
            return repr(str(self.templates_dir.name / path.relative_to(self.templates_dir)))
        for folder, origin in (
            (self.builtin_dir, f"built-in {self.language}"),
            (self.builtin_root, "built-in"),
        ):
            if path.parent == folder:
                return f"{path.name!r} ({origin})"
        return repr(path.name)

    def _describe(self, filename: str | None, name: str, line: int | None, reason: str) -> str:
        where = f", line {line}" if line else ""
        reason = " ".join(reason.split())
        return f"template {self._display(filename, name)}{where}: {reason}"

    def compile_all(self) -> list[tuple[str, int, str]]:
        """(template path, line, message) of every template that fails to compile, and of
        every channel override that points to a missing file — for lint."""
        problems: list[tuple[str, int, str]] = []
        files: list[tuple[Path, str]] = []
        if self.templates_dir is not None:
            if not self.templates_dir.is_dir():
                problems.append((str(self.templates_dir), 0, "templates folder not found"))
            else:
                files += [
                    (path, path.relative_to(self.templates_dir).as_posix())
                    for path in self.template_files()[0]
                ]
        for folder in (self.builtin_dir, self.builtin_root):
            files += [(path, path.name) for path in sorted(folder.glob("*.j2")) if path.is_file()]
        for path, name in files:
            try:
                if self.locate(name) == path:
                    self.env.get_template(name)  # compiled once, cached for rendering
                else:  # a built-in the playbook overrides: still checked
                    self.env.compile(path.read_text(encoding="utf-8"), name, str(path))
            except jinja2.TemplateSyntaxError as exc:
                problems.append(
                    (
                        str(path),
                        exc.lineno or 0,
                        " ".join(exc.message.split()) if exc.message else "syntax error",
                    )
                )
            except (OSError, UnicodeDecodeError) as exc:
                problems.append((str(path), 0, f"cannot read: {exc}"))
            except jinja2.TemplateError as exc:  # larger than the bound
                problems.append((str(path), 0, exc.message or "cannot be read"))
        problems += self._missing_overrides()
        return problems

    def _missing_overrides(self) -> list[tuple[str, int, str]]:
        problems: list[tuple[str, int, str]] = []
        seen: set[str] = set()
        for channel_name, channel in self.playbook.channels.items():
            stages = channel.stages if channel.stages is not None else list(Stage)
            for part, pattern in channel.templates.items():
                for stage in stages:
                    name = pattern.replace(STAGE_PLACEHOLDER, stage.value)
                    if name in seen or self.locate(name) is not None:
                        continue
                    seen.add(name)
                    base = self.templates_dir or Path(".")
                    problems.append(
                        (
                            str(base / name),
                            0,
                            f"channel {channel_name!r} {part} template {name!r} not found",
                        )
                    )
        return problems

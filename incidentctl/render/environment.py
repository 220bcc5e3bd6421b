"""The sandboxed Jinja environment templates run in, and the filters it adds."""

from __future__ import annotations

import contextlib
import marshal
import pickle
import re
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from io import BytesIO
from typing import Any

import jinja2
from jinja2 import BaseLoader, StrictUndefined
from jinja2.bccache import Bucket, BytecodeCache, FileSystemBytecodeCache, bc_magic
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment
from markupsafe import Markup

from incidentctl.playbook.location import cache_dir
from incidentctl.render.labels import AND_WORD
from incidentctl.render.markdown import markdown_html

_ENDINGS = ".!?…:;"
_CLOSERS = "\"'»)]”’ "


def sentence(value: Any) -> str:
    """Trim; end with a full stop unless the text already ends with punctuation."""
    text = str(value).strip()
    if not text or text.rstrip(_CLOSERS)[-1:] in tuple(_ENDINGS):
        return text
    return text + "."


_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})
_QUOTES = re.compile("«[\u00a0\u202f ]?|[\u00a0\u202f ]?»")


def plain(value: Any) -> str:
    """Text for the cheapest SMS alphabet (GSM 7-bit): no-break spaces become spaces and
    « quotes » become "quotes"."""
    return _QUOTES.sub('"', str(value)).translate(_SPACES)


def md_cell(value: Any) -> str:
    """Text that stays inside one Markdown table cell."""
    text = str(value).strip().replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(line.strip() for line in text.splitlines())


class Live(str):
    """A value the template keeps as it is (`{{ role.who|live }}`): its mentions stay live."""


def live(value: Any) -> Live:
    return Live("" if value is None else value)


# how the channel being rendered quotes a value printed into its text (None: as it is)
_quote: ContextVar[Callable[[str], str] | None] = ContextVar("quote", default=None)


@contextlib.contextmanager
def quoting(quote: Callable[[str], str] | None) -> Iterator[None]:
    """Every `{{ value }}` rendered inside goes through `quote`; the template's own text
    does not (a deliberate `@oncall` in an internal template stays a mention)."""
    token = _quote.set(quote)
    try:
        yield
    finally:
        _quote.reset(token)


@jinja2.pass_context  # never folded into a compiled template: each render quotes its own way
def _finalize(_context: jinja2.runtime.Context, value: Any) -> Any:
    # an optional value printed without a guard must not show up as "None" in a message
    if value is None:
        return ""
    quote = _quote.get()
    if quote is None or isinstance(value, Live | Markup):
        return value
    return quote(value if isinstance(value, str) else str(value))


# bumped when the code templates compile to changes (finalize taking the context: 2), so a
# cache an older version wrote is not loaded
CACHE_LAYOUT = 2


class _QuietBytecodeCache(FileSystemBytecodeCache):
    """A cache that never fails a command: an unwritable or damaged cache only costs speed."""

    def load_bytecode(self, bucket: Bucket) -> None:
        # jinja's own loading unmarshals from the open file, which reads it a few bytes per
        # call; reading each file in one call and unmarshalling from memory is 4x faster
        try:
            with open(self._get_cache_filename(bucket), "rb") as file:
                data = file.read()
        except OSError:
            return
        # the same layout Bucket.write_bytecode writes: magic, pickled source checksum, code
        stream = BytesIO(data)
        try:
            if stream.read(len(bc_magic)) != bc_magic or pickle.load(stream) != bucket.checksum:
                return  # another Python or jinja, or the template changed: compiled again
            bucket.code = marshal.loads(memoryview(data)[stream.tell() :])
        except Exception:  # a damaged file (unpickling may fail in many ways): compiled again
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def bytecode_cache() -> BytecodeCache | None:
    """Compiled templates kept between runs (keyed by name and source checksum): every
    command renders, and compiling the templates costs more than the rest of a lint."""
    root = cache_dir()
    if root is None:
        return None
    folder = root / f"jinja-{jinja2.__version__}-{CACHE_LAYOUT}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _QuietBytecodeCache(str(folder))


def make_environment(
    loader: BaseLoader,
    language: str,
    is_html: Callable[[str | None], bool],
    cache: BytecodeCache | None = None,
) -> SandboxedEnvironment:
    """Sandboxed, strict about undefined names, autoescaping only the templates `is_html` names.

    The immutable sandbox also refuses `list.append`, `dict.update`…: one channel's template
    cannot change the data the next channel's message is rendered from.
    """
    env = ImmutableSandboxedEnvironment(
        loader=loader,
        undefined=StrictUndefined,
        autoescape=is_html,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
        auto_reload=False,
        bytecode_cache=cache,
    )
    and_word = AND_WORD.get(language, AND_WORD["en"])

    def and_list(items: Iterable[Any]) -> str:
        """`a`, `a and b`, `a, b and c` ("et" in French)."""
        words = [str(item) for item in items if str(item)]
        if len(words) < 2:
            return "".join(words)
        return f"{', '.join(words[:-1])} {and_word} {words[-1]}"

    env.filters.update(
        sentence=sentence, and_list=and_list, md_cell=md_cell, plain=plain, live=live
    )
    env.filters["markdown"] = markdown_html
    return env

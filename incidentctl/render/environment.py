"""The sandboxed Jinja environment templates run in, and the filters it adds."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from jinja2 import BaseLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment

from incidentctl.render.labels import AND_WORD

_ENDINGS = ".!?…:;"
_CLOSERS = "\"'»)]”’ "


def sentence(value: Any) -> str:
    """Trim; end with a full stop unless the text already ends with punctuation."""
    text = str(value).strip()
    if not text or text.rstrip(_CLOSERS)[-1:] in tuple(_ENDINGS):
        return text
    return text + "."


def md_cell(value: Any) -> str:
    """Text that stays inside one Markdown table cell."""
    text = str(value).strip().replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(line.strip() for line in text.splitlines())


def _finalize(value: Any) -> Any:
    # an optional value printed without a guard must not show up as "None" in a message
    return "" if value is None else value


def make_environment(
    loader: BaseLoader, language: str, is_html: Callable[[str | None], bool]
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
    )
    and_word = AND_WORD.get(language, AND_WORD["en"])

    def and_list(items: Iterable[Any]) -> str:
        """`a`, `a and b`, `a, b and c` ("et" in French)."""
        words = [str(item) for item in items if str(item)]
        if len(words) < 2:
            return "".join(words)
        return f"{', '.join(words[:-1])} {and_word} {words[-1]}"

    env.filters.update(sentence=sentence, and_list=and_list, md_cell=md_cell)
    return env

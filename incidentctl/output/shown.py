"""Text from users, the store or a service, as a terminal may show it.

Two things must never happen to it on the way out: a control character obeyed by the terminal
(every one is shown as its escape, `\\x1b`, see `model.text.visible`), and rich reading it as
markup (`[bold red]x[/]` or `[link=…]` in a title prints as typed).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from incidentctl.model.text import json_controls_escaped, visible

if TYPE_CHECKING:  # rich is imported when a terminal is written to: a pipe never pays for it
    from rich.text import Text


def literal(value: object, style: str = "", *, one_line: bool = False) -> Text:
    """`value` as rich prints it: exactly its characters, controls made visible."""
    from rich.text import Text

    return Text(visible(str(value), one_line=one_line), style=style)


def quoted(value: object, *, one_line: bool = False) -> str:
    """`value` inside a markup string (`f"[bold]{quoted(title)}[/]"`): visible and inert."""
    from rich.markup import escape

    return escape(visible(str(value), one_line=one_line))


def json_text(data: Any, *, indent: int | None = 2) -> str:
    """`data` as JSON no terminal acts on: every control character escaped."""
    return json_controls_escaped(json.dumps(data, indent=indent, ensure_ascii=False))

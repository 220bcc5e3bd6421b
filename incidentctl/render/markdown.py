"""Markdown to HTML for the public postmortem's e-mail and status-site page.

Raw HTML in the text is shown as text, never passed through (`html=False`), and unsafe link
schemes are refused (markdown-it's own check). Mermaid code blocks are left out: an e-mail or
a page without JavaScript would show their source, and the page has its own timeline.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup


def markdown_html(value: Any) -> Markup:
    """`value` (Markdown) as escaped-safe HTML, without Mermaid blocks."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = [
        token
        for token in md.parse(str(value))
        if not (token.type == "fence" and token.info.strip().lower() == "mermaid")
    ]
    return Markup(md.renderer.render(tokens, md.options, {}))

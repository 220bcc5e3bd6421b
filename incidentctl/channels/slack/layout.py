"""Block Kit layout of a Slack message: a header block (status line, ≤ 150 characters), the
text in mrkdwn sections of at most 3000 characters, and a context block with the incident id,
severity and status."""

from __future__ import annotations

from typing import Any

from incidentctl.channels.base import Outgoing

HEADER_LIMIT = 150
SECTION_LIMIT = 3000
BLOCK_LIMIT = 50
TEXT_LIMIT = 40000
HEADER_BLOCK_ID = "incidentctl_header"
CONTEXT_BLOCK_ID = "incidentctl_context"


def message(outgoing: Outgoing) -> dict[str, Any]:
    """The `text` and `blocks` every transport posts (and the dry-run preview shows)."""
    return {"text": fallback_text(outgoing), "blocks": blocks(outgoing)}


def escape(text: str) -> str:
    """Slack's mrkdwn needs `&`, `<` and `>` escaped (this also stops stray `<!channel>`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def status_line(outgoing: Outgoing) -> str:
    """The header: the rendered subject if the channel has one, else title and status."""
    title = outgoing.incident.title or outgoing.incident_id
    line = outgoing.message.subject or f"{title} — {outgoing.stage.value}"
    return shorten(" ".join(line.split()), HEADER_LIMIT) or outgoing.incident_id


def header_block(outgoing: Outgoing) -> dict[str, Any]:
    return {
        "type": "header",
        "block_id": HEADER_BLOCK_ID,
        "text": {"type": "plain_text", "text": status_line(outgoing), "emoji": True},
    }


def context_block(outgoing: Outgoing) -> dict[str, Any]:
    severity = outgoing.incident.severity or "?"
    line = f"*{outgoing.incident_id}* · severity {severity} · status {outgoing.stage.value}"
    return {
        "type": "context",
        "block_id": CONTEXT_BLOCK_ID,
        "elements": [{"type": "mrkdwn", "text": shorten(escape(line), SECTION_LIMIT)}],
    }


def blocks(outgoing: Outgoing) -> list[dict[str, Any]]:
    """Header, the text in sections of at most 3000 characters, context — at most 50 blocks."""
    sections = split_text(escape(outgoing.message.text), SECTION_LIMIT)
    room = BLOCK_LIMIT - 2
    if len(sections) > room:
        sections = [*sections[: room - 1], shorten(sections[room - 1], SECTION_LIMIT)]
    return [
        header_block(outgoing),
        *({"type": "section", "text": {"type": "mrkdwn", "text": s}} for s in sections),
        context_block(outgoing),
    ]


def fallback_text(outgoing: Outgoing) -> str:
    """The `text` notifications and old clients show."""
    text = escape(outgoing.message.text).strip() or escape(status_line(outgoing))
    return shorten(text, TEXT_LIMIT)


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: safe_cut(text, limit - 1)].rstrip() + "…"


def safe_cut(text: str, at: int) -> int:
    """`at`, moved back so it does not split an `&amp;`-style entity."""
    amp = text.rfind("&", max(0, at - 5), at)
    if amp != -1 and ";" not in text[amp:at]:
        return amp
    return at


def split_text(text: str, limit: int) -> list[str]:
    """Chunks of at most `limit` characters, cut at paragraph, line or word breaks if possible."""
    chunks: list[str] = []
    rest = text.strip()
    while rest:
        if len(rest) <= limit:
            chunks.append(rest)
            break
        window = rest[:limit]
        cut = skip = 0
        for separator in ("\n\n", "\n", " "):
            at = window.rfind(separator)
            if at >= limit // 2:
                cut, skip = at, len(separator)
                break
        else:
            cut = safe_cut(rest, limit) or limit
        chunk = rest[:cut].rstrip()
        if chunk:
            chunks.append(chunk)
        rest = rest[cut + skip :].lstrip("\n")
    return chunks

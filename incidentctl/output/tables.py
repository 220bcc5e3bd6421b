"""Tables for list, status and show; JSON for scripts.

Every value shown comes from the store, so each is printed literally with its control
characters made visible (`output.shown`): a row an older version stored with an escape sequence
in its title shows `\x1b[2J` instead of clearing the screen.
"""

from __future__ import annotations

import sys
from typing import Any

from incidentctl.model.text import visible
from incidentctl.output.shown import json_text, literal


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, emoji=False, soft_wrap=False)


def print_json(data: Any) -> None:
    """Indented on a terminal; into a pipe on one line, as `gh` does: Python's JSON encoder is
    C only without an indent, and `stats --json` spent half a second indenting 10,000
    incidents for a script (`jq .` indents it again)."""
    indent = 2 if sys.stdout.isatty() else None
    sys.stdout.write(json_text(data, indent=indent) + "\n")


def _write(text: str) -> None:
    """Lines that quote stored values, printed without the controls they may carry."""
    sys.stdout.write(visible(text))


def _plain(headers: list[str], rows: list[list[str]]) -> None:
    """Aligned columns without rich: pipes and scripts get the same figures, faster."""
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    out = [("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))).rstrip()]
    out += [("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True))).rstrip() for r in rows]
    sys.stdout.write("\n".join(out) + "\n")


_WRAPPING = {
    "TITLE",
    "DETAIL",
    "TEMPLATE",
    "WORST CASE",
    "REMOTE / ERROR",
    "CADENCE",
    "LAST UPDATE",
    "SINCE LAST UPDATE",
}


def _table(title: str, headers: list[str], rows: list[list[str]], empty: str) -> None:
    if not rows:
        sys.stdout.write(empty + "\n")
        return
    rows = [[visible(cell, one_line=True) for cell in row] for row in rows]
    if not sys.stdout.isatty():
        _plain(headers, rows)
        return
    from rich.table import Table

    table = Table(title=literal(title), title_justify="left")
    for header in headers:
        # ids, severities and states are never cut; the free text columns wrap instead
        wraps = header in _WRAPPING
        table.add_column(header, no_wrap=not wraps, overflow="fold" if wraps else "ellipsis")
    for row in rows:
        table.add_row(*(literal(cell) for cell in row))
    _console().print(table)


def print_incidents(rows: list[dict[str, Any]], *, as_json: bool, title: str) -> None:
    if as_json:
        print_json(rows)
        return
    _table(
        title,
        ["ID", "SEV", "STATUS", "DECLARED", "LAST UPDATE", "TITLE"],
        [
            [
                r["id"],
                r["severity"],
                r["status"],
                r["declared_local"],
                r["last_update_ago"],
                r["title"],
            ]
            for r in rows
        ],
        "no incidents recorded",
    )


def print_status(rows: list[dict[str, Any]], *, as_json: bool) -> None:
    if as_json:
        print_json(rows)
        return

    def cadence(r: dict[str, Any]) -> str:
        if r["overdue"]:
            return f"OVERDUE by {r['overdue_by']} (was due {r['next_update_local']})"
        if r["next_update_local"]:
            return f"due {r['next_update_local']} (in {r['next_update_in']})"
        return "-"

    _table(
        "Open incidents",
        ["ID", "SEV", "STATUS", "SINCE LAST UPDATE", "CADENCE", "TITLE"],
        [
            [r["id"], r["severity"], r["status"], r["since_last_update"], cadence(r), r["title"]]
            for r in rows
        ],
        "no open incidents",
    )
    overdue = [r["id"] for r in rows if r["overdue"]]
    if overdue:
        _write(f"update now: {', '.join(overdue)} — silence costs more trust than 'no news yet'\n")
    for r in rows:
        for d in r.get("stuck") or []:
            why = f": {d['error']}" if d["error"] else ""
            _write(
                f"{r['id']} {d['channel']} ({d['stage']}) {d['state']}{why} — "
                "`incidentctl retry` re-sends or checks it\n"
            )


def print_postmortems_owed(rows: list[dict[str, Any]]) -> None:
    """Resolved incidents whose severity requires a public postmortem not published yet."""
    for r in rows:
        _write(
            f"{r['id']} ({r['severity']}) resolved {r['since_resolved']} ago "
            f"({r['resolved_local']}): public postmortem not published — "
            f"`incidentctl postmortem --publish {r['id']}`\n"
        )


def print_incident(data: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print_json(data)
        return
    lines = [
        f"{data['id']}  {data['title']}",
        f"severity {data['severity']} · status {data['status']}"
        + (f" · category {data['category']}" if data.get("category") else ""),
        f"declared {data['declared_local']} · last update {data['last_update_ago']}"
        + (f" · OVERDUE by {data['overdue_by']}" if data["overdue"] else ""),
    ]
    if data.get("impact_started_local"):
        lines.append(f"impact started {data['impact_started_local']}")
    for label, key in (("impact", "impact"), ("workaround", "workaround"), ("ETA", "eta")):
        if data.get(key):
            lines.append(f"{label}: {data[key]}")
    if data["components"]:
        lines.append("components: " + ", ".join(f"{k} {v}" for k, v in data["components"].items()))
    if data["roles"]:
        lines.append("roles: " + ", ".join(f"{k} {v}" for k, v in data["roles"].items()))
    if data.get("customer_reports"):
        reports = data["customer_reports"]
        lines.append(
            f"customer reports: {len(reports)} ("
            + ", ".join(
                r["ticket"] + (f" {r['customer']}" if r["customer"] else "") for r in reports
            )
            + ")"
        )
    _write("\n".join(lines) + "\n\n")
    _table(
        f"Timeline ({data['timezone']})",
        [f"TIME ({data['timezone']})", "EVENT", "DETAIL"],
        [
            [e["local_time"], e["kind"], e["message"] or _detail(e["data"])]
            for e in data["timeline"]
        ],
        "no events",
    )
    sys.stdout.write("\n")
    _table(
        "Deliveries",
        ["EVENT", "CHANNEL", "TYPE", "STAGE", "STATE", "TRIES", "REMOTE / ERROR"],
        [
            [
                str(d["event_id"]),
                d["channel"],
                d["type"],
                d["stage"],
                d["state"],
                str(d["attempts"]),
                d["error"] or d["remote_id"] or "",
            ]
            for d in data["deliveries"]
        ],
        "no deliveries",
    )


def _detail(data: dict[str, Any]) -> str:
    if "from" in data or "to" in data:
        subject = data.get("component") or data.get("role") or ""
        return f"{subject} {data.get('from')} → {data.get('to')}".strip()
    return ""

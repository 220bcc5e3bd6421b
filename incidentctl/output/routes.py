"""The routing view (`routes`) as a table, GitHub-flavoured Markdown or JSON, and what
`preview --all` wrote."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from incidentctl.model.text import visible
from incidentctl.output.tables import _table, print_json

if TYPE_CHECKING:
    from incidentctl.app.approved import Written
    from incidentctl.app.routes import Route, RouteMatrix
    from incidentctl.app.sample_messages import TemplateUse

HEADERS = ["SEV", "STAGE", "CHANNEL", "TYPE", "AUDIENCE", "ENABLED", "TEMPLATE", "WORST CASE"]


def _source(use: TemplateUse, base_dir: Path) -> tuple[str, str]:
    """(the file as a reader finds it, where it comes from: playbook, built-in or missing)."""
    if use.file is None:
        return use.name, "missing"
    if use.builtin:
        return use.name, "built-in"
    try:
        return use.file.resolve().relative_to(base_dir.resolve()).as_posix(), "playbook"
    except ValueError:
        return str(use.file), "playbook"


def _common_prefix(texts: list[str]) -> str:
    shortest = min(texts, key=len)
    for index, char in enumerate(shortest):
        if any(text[index] != char for text in texts):
            return shortest[:index]
    return shortest


def _template_cell(route: Route, base_dir: Path) -> str:
    """The files of the message's parts: `templates/x.email-{subject,text,html}.j2 (playbook)`
    when they differ only in the part's name and come from the same place."""
    found = [_source(use, base_dir) for use in route.templates]
    files = [file for file, _ in found]
    sources = {source for _, source in found}
    if len(files) > 1 and len(sources) == 1:
        head = _common_prefix(files)
        tail = _common_prefix([f[len(head) :][::-1] for f in files])[::-1]
        middles = [f[len(head) : len(f) - len(tail)] for f in files]
        if all(middles) and "/" not in "".join(middles):
            return f"{head}{{{','.join(middles)}}}{tail} ({sources.pop()})"
    shown = [
        f"{use.part + ': ' if len(found) > 1 else ''}{file} ({source})"
        for use, (file, source) in zip(route.templates, found, strict=True)
    ]
    return ", ".join(shown) or "-"


def _length_cell(route: Route) -> str:
    if route.error:
        return f"cannot render: {route.error}"
    if route.length is None:
        return "?"
    if route.limit is None:
        return f"{route.length} (no limit)"
    flag = " OVER LIMIT" if route.over_limit else ""
    note = f" ({route.note})" if route.note else ""
    return f"{route.length}/{route.limit}{note}{flag}"


def route_rows(matrix: RouteMatrix, base_dir: Path) -> list[dict[str, Any]]:
    """Each route as plain data (the JSON shape)."""
    rows = []
    for route in matrix.routes:
        templates = []
        for use in route.templates:
            file, source = _source(use, base_dir)
            templates.append({"part": use.part, "name": use.name, "file": file, "source": source})
        rows.append(
            {
                "severity": route.severity,
                "stage": route.stage.value,
                "channel": route.channel,
                "type": route.type,
                "audience": route.audience,
                "enabled": route.enabled,
                "templates": templates,
                "worst_case_length": route.length,
                "limit": route.limit,
                "over_limit": route.over_limit,
                "error": route.error,
                "note": route.note,
            }
        )
    return rows


def _cells(route: Route, base_dir: Path) -> list[str]:
    return [
        route.severity,
        route.stage.value,
        route.channel,
        route.type,
        route.audience,
        "yes" if route.enabled else "no",
        _template_cell(route, base_dir),
        _length_cell(route),
    ]


def _over_line(matrix: RouteMatrix) -> str:
    over = matrix.over_limit
    if not over:
        return "every worst-case message fits its channel's limit"
    listed = ", ".join(
        f"{r.severity} {r.stage.value} {r.channel} ({r.length}/{r.limit})" for r in over
    )
    return f"{len(over)} over their channel's limit: {listed}"


def print_routes(matrix: RouteMatrix, base_dir: Path, output_format: str, note: str) -> None:
    """The matrix as `table` (rich on a terminal, aligned columns otherwise), `md` or `json`."""
    if output_format == "json":
        print_json(
            {"category": matrix.category, "note": note, "routes": route_rows(matrix, base_dir)}
        )
        return
    if output_format == "md":
        sys.stdout.write(routes_markdown(matrix, base_dir, note))
        return
    title = "Routes" + (f" (category {matrix.category})" if matrix.category else "")
    if sys.stdout.isatty() and matrix.routes:
        _terminal_tables(matrix, base_dir, title, note)
        return
    # scripts and pipes: one aligned row per route, every column
    rows = [_cells(route, base_dir) for route in matrix.routes]
    _table(title, HEADERS, rows, "no severity routes a message to any channel")
    sys.stdout.write(visible(f"{_over_line(matrix)}\n{note}\n"))


def _terminal_tables(matrix: RouteMatrix, base_dir: Path, title: str, note: str) -> None:
    """A narrow table per severity, a line per stage above its channels, over-limit lengths
    in red: the type is left to `--format md|json`, so the template has room at 80 columns."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from incidentctl.output.shown import literal

    console = Console(highlight=False, emoji=False)
    for severity in matrix.severities:
        routes = [r for r in matrix.routes if r.severity == severity]
        if not routes:
            continue
        table = Table(
            title=literal(f"{title}: {severity}"), title_justify="left", box=box.SIMPLE_HEAD
        )
        for header in ("CHANNEL", "AUDIENCE", "ON"):
            table.add_column(header, no_wrap=True)
        table.add_column("TEMPLATE", overflow="fold")
        table.add_column("FROM", no_wrap=True)
        table.add_column("WORST CASE", no_wrap=True)
        previous = None
        for route in routes:
            if route.stage is not previous:
                table.add_row(literal(route.stage.value, "bold"))
                previous = route.stage
            sources = {_source(use, base_dir)[1] for use in route.templates}
            table.add_row(
                literal(f"  {route.channel}"),
                literal(route.audience),
                literal("yes" if route.enabled else "no", "" if route.enabled else "dim"),
                literal(_template_cell(route, base_dir).rsplit(" (", 1)[0], one_line=True)
                if len(sources) == 1
                else literal(_template_cell(route, base_dir), one_line=True),
                literal(sources.pop() if len(sources) == 1 else ""),
                literal(
                    _short_length(route), "bold red" if route.over_limit or route.error else ""
                ),
            )
        console.print(table)
    console.print(literal(_over_line(matrix), "bold red" if matrix.over_limit else ""))
    console.print(literal(note, "dim"))


def _short_length(route: Route) -> str:
    if route.error:
        return "cannot render"
    if route.length is None:
        return "?"
    if route.limit is None:
        return str(route.length)
    return f"{route.length}/{route.limit}" + (" OVER" if route.over_limit else "")


def _md(cell: str) -> str:
    """A table cell of GitHub-flavoured Markdown: pipes escaped, one line, markup inert."""
    text = " ".join(visible(cell, one_line=True).split())
    for char in "\\`*_[]<>|":
        text = text.replace(char, "\\" + char)
    return text


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def routes_markdown(matrix: RouteMatrix, base_dir: Path, note: str) -> str:
    """A section per severity with its table, then the worst-case note: for the team's wiki."""
    lines = ["# Routes" + (f" (category {_md(matrix.category)})" if matrix.category else ""), ""]
    for severity in matrix.severities:
        routes = [r for r in matrix.routes if r.severity == severity]
        lines += [f"## {_md(severity)}", ""]
        if not routes:
            lines += ["No channel is told.", ""]
            continue
        lines.append("| " + " | ".join(h.capitalize() for h in HEADERS[1:]) + " |")
        lines.append("|" + "---|" * (len(HEADERS) - 1))
        for route in routes:
            cells = _cells(route, base_dir)[1:]
            if route.over_limit:
                cells[-1] = f"**{_md(cells[-1])}**"
            else:
                cells[-1] = _md(cells[-1])
            lines.append("| " + " | ".join([*map(_md, cells[:-1]), cells[-1]]) + " |")
        lines.append("")
    lines += [_sentence(_md(_over_line(matrix))), "", f"_{_sentence(_md(note))}_", ""]
    return "\n".join(lines)


def print_written(written: Written) -> None:
    """What `preview --all --out/--update` did to the folder."""
    folder = written.folder
    total = len(written.written) + len(written.unchanged)
    parts = [f"{len(written.written)} written", f"{len(written.unchanged)} unchanged"]
    if written.removed:
        parts.append(f"{len(written.removed)} removed")
    out = [f"{total} approved messages in {folder}: {', '.join(parts)}"]
    if written.unchanged or written.removed:  # a refresh: name what the review must look at
        out += [f"  wrote {name}" for name in written.written]
        out += [f"  removed {name}" for name in written.removed]
    out.append("commit the folder: a reviewer approves each changed message in the diff")
    sys.stdout.write(visible("\n".join(out) + "\n"))


def print_messages(files: dict[str, str]) -> None:
    """Every approved message on stdout, each under its file name."""
    blocks = [f"==> {name} <==\n{text}" for name, text in files.items()]
    sys.stdout.write(visible("\n".join(blocks)))

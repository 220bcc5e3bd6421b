"""Inline SVG bar charts for the HTML report: one bar per month, the target as a dashed line,
bars over the target in red. No script, no external file: the page reads the same offline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

WIDTH, HEIGHT = 640, 150
TOP, BOTTOM, LEFT = 12, 22, 4


def bar_chart(
    label: str,
    points: Sequence[tuple[str, float | None]],
    *,
    target: float | None,
    higher_is_better: bool,
    show: Callable[[float | None], str],
    month_label: Callable[[str], str],
    floor: float = 0.0,
) -> str:
    """An `<svg role="img">` of `points` (month, value), with a `<title>` per bar."""
    values = [v for _, v in points if v is not None]
    top = max([*values, target or 0.0, floor + 1e-9])
    if higher_is_better and values:
        # availability sits near 100: start the axis a little under the lowest figure
        floor = min(floor, *values, target if target is not None else top)
        floor = max(0.0, floor - (top - floor) * 0.25 - 0.01)
    span = (top - floor) or 1.0
    inner = HEIGHT - TOP - BOTTOM
    step = (WIDTH - LEFT * 2) / max(1, len(points))
    every = max(1, len(points) // 12)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
        f'<line class="axis" x1="{LEFT}" y1="{TOP + inner}" x2="{WIDTH - LEFT}" '
        f'y2="{TOP + inner}"/>',
    ]
    for index, (month, value) in enumerate(points):
        x = LEFT + index * step
        if value is not None:
            height = max(1.0, (value - floor) / span * inner)
            good = target is None or (value >= target if higher_is_better else value < target)
            css = "ok" if good else "bad"
            parts.append(
                f'<rect class="{css}" x="{x + step * 0.15:.1f}" y="{TOP + inner - height:.1f}" '
                f'width="{step * 0.7:.1f}" height="{height:.1f}">'
                f"<title>{escape(month_label(month))}: {escape(show(value))}</title></rect>"
            )
        if index % every == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle">'
                f"{month[5:7]}/{month[2:4]}</text>"
            )
    if target is not None:
        y = TOP + inner - (target - floor) / span * inner
        parts.append(
            f'<line class="target" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - LEFT}" y2="{y:.1f}">'
            f"<title>{escape(show(target))}</title></line>"
        )
    parts.append("</svg>")
    return "".join(parts)

"""Bar charts as server-made SVG (no script, no inline style: colours come from the CSS classes).

``bar_chart(bars, ...)`` draws one horizontal bar per entry, longest first if
asked, its label on the line above it (so that the chart is narrow enough to keep its
text readable on a phone) and the number at the end of the bar; a highlighted bar (a winner,
a runoff candidate) gets its own class. Text is escaped; the chart carries a
``<title>`` and ``role="img"`` so that screen readers name it, and the page
shows the same numbers in a table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from html import escape

ROW = 40  # a label line, then the bar
BAR_WIDTH = 270
NUMBER_WIDTH = 90
WIDTH = BAR_WIDTH + NUMBER_WIDTH  # 360: drawn at about its own size on a 390 px phone


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: a label, an exact non-negative value, and its class (``""``, ``"won"``, ``"runoff"``,
    ``"against"``...)."""

    label: str
    value: Fraction
    kind: str = ""


def number_text(value: Fraction) -> str:
    if value.denominator == 1:
        return f"{value.numerator:,}".replace(",", "\u202f")
    return f"{float(value):.2f}"


def parse_number(value: object) -> Fraction:
    """A count from an outcome's JSON: an int or ``"p/q"``."""
    if isinstance(value, bool):
        return Fraction(int(value))
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, str):
        try:
            return Fraction(value)
        except (ValueError, ZeroDivisionError):
            return Fraction(0)
    return Fraction(0)


def bar_chart(
    bars: list[Bar],
    title: str,
    *,
    maximum: Fraction | None = None,
    quota: Fraction | None = None,
    quota_label: str = "",
) -> str:
    """An SVG bar chart of ``bars`` (in the order given)."""
    top = maximum if maximum is not None else max([b.value for b in bars] + [Fraction(0)])
    if quota is not None and quota > top:
        top = quota
    height = ROW * len(bars) + (ROW if quota is not None else 8)
    parts = [
        (
            f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
            f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
            f'aria-label="{escape(title)}">'
        ),
        f"<title>{escape(title)}</title>",
    ]
    for i, bar in enumerate(bars):
        y = i * ROW + 4
        length = 0 if top == 0 else round(float(bar.value / top) * BAR_WIDTH)
        css = "bar" + (f" {bar.kind}" if bar.kind else "")
        label = bar.label if len(bar.label) <= 44 else bar.label[:43] + "…"
        parts.append(f'<text class="label" x="0" y="{y + 12}">{escape(label)}</text>')
        parts.append(
            f'<rect class="{css}" x="0" y="{y + 17}" width="{max(length, 1)}" height="16">'
            f"<title>{escape(bar.label)}: {escape(number_text(bar.value))}</title></rect>"
        )
        parts.append(
            f'<text class="value" x="{length + 6}" y="{y + 30}">'
            f"{escape(number_text(bar.value))}</text>"
        )
    if quota is not None and top > 0:
        x = round(float(quota / top) * BAR_WIDTH)
        bottom = ROW * len(bars) + 4
        parts.append(f'<line class="quota" x1="{x}" y1="0" x2="{x}" y2="{bottom}"/>')
        anchor = "end" if x > WIDTH * 2 // 3 else "start" if x < WIDTH // 3 else "middle"
        parts.append(
            f'<text class="quota-label" x="{x}" y="{bottom + 14}" text-anchor="{anchor}">'
            f"{escape(quota_label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)

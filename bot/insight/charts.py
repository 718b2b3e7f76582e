"""Draw insight's charts as PNG with matplotlib, offscreen, and keep their data in the file.

Figures are drawn with matplotlib's object API on the Agg canvas (no pyplot, no GUI backend,
no global state), in DejaVu Sans, which ships with matplotlib and covers the five languages.
Drawing is CPU work: callers run it in a worker thread, and a lock keeps one drawing at a
time (matplotlib's text and font caches are not made for threads). Each PNG carries the
chart's data as JSON in its ``Description`` text chunk, so what a reader sees can be checked
against what was counted. Images stay small (about 1000 pixels wide, a few tens of kB):
Telegram sends them as photos, and people on thin links receive them.
"""

from __future__ import annotations

import io
import json
import threading
import warnings
from dataclasses import asdict, replace
from functools import cache
from pathlib import Path
from typing import Any

from bot.insight.model import SMALL, Chart, ChartKind

_DPI = 100
_WIDTH = 9.0  # inches
_BLUE = "#2f6f9f"
_SERIES = ("#2f8f5b", "#c9862b", "#b03a3a", "#7a7a7a")
_HATCH = "#c8ced6"
_LOCK = threading.Lock()


def font_files() -> tuple[Path, Path]:
    """Return DejaVu Sans, regular and bold, as shipped with matplotlib."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


@cache
def _covered() -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(str(font_files()[0])).get_charmap())


def drawable(text: str) -> str:
    """Drop the characters the font cannot draw (emoji in a session title), not the text."""
    covered = _covered()
    kept = "".join(c for c in text if ord(c) in covered or c in "\n\t")
    return text if len(kept) == len(text) else " ".join(kept.split())


def chart_data(chart: Chart) -> dict[str, Any]:
    """Return the chart's data as JSON-ready values (what the PNG's Description holds)."""
    data = asdict(chart)
    data["kind"] = chart.kind.value
    return data


def render_png(chart: Chart) -> bytes:
    """Draw a chart and return the PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    data = json.dumps(chart_data(chart))
    chart = replace(
        chart,
        title=drawable(chart.title),
        labels=tuple(drawable(label) for label in chart.labels),
        series=tuple(drawable(name) for name in chart.series),
        note=drawable(chart.note),
    )
    with _LOCK, warnings.catch_warnings():
        # A glyph the font lacks is drawn as a box, not an error.
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        height = _height(chart)
        # Fixed margins from the labels' lengths: matplotlib's automatic layouts measure every
        # text in an extra drawing pass, which doubles the time of a chart.
        figure = Figure(figsize=(_WIDTH, height), dpi=_DPI)
        figure.subplots_adjust(**_margins(chart, height))
        FigureCanvasAgg(figure)
        figure.set_facecolor("white")
        axes = figure.add_subplot()
        if not chart.labels or not chart.values:
            axes.set_axis_off()
            axes.text(0.5, 0.5, "—", ha="center", va="center", fontsize=20, color="#888888")
        elif chart.kind is ChartKind.HEATMAP:
            _heatmap(figure, axes, chart)
        elif chart.kind is ChartKind.STACKED:
            _stacked(axes, chart)
        elif chart.kind is ChartKind.RANKING:
            _ranking(axes, chart)
        else:
            _bars(axes, chart)
        axes.set_title(chart.title, loc="left", fontsize=13, fontweight="bold")
        if chart.note:
            figure.text(0.01, 0.01, chart.note, fontsize=8, color="#555555")
        buffer = io.BytesIO()
        figure.savefig(
            buffer,
            format="png",
            metadata={
                "Title": chart.title,
                "Description": data,
                "Software": None,
            },
        )
    return buffer.getvalue()


def _height(chart: Chart) -> float:
    if chart.kind is ChartKind.HEATMAP:
        return 6.0
    if chart.kind in (ChartKind.RANKING, ChartKind.STACKED):
        return min(1.6 + 0.42 * len(chart.labels), 8.0)
    return 4.6


# Average width of a character of the tick labels (9 pt DejaVu Sans), in inches.
_CHAR = 0.075
# Bars per day chart above which every bar's number and every day's name would not fit.
_LABELLED_BARS = 31


def _margins(chart: Chart, height: float) -> dict[str, float]:
    """Return the axes' margins (figure fractions) that leave room for the labels."""
    longest = max((len(label) for label in chart.labels), default=0)
    bottom, left, top = 0.5, 0.5, 0.45  # inches
    if chart.kind in (ChartKind.RANKING, ChartKind.STACKED):
        left = min(longest * _CHAR + 0.25, _WIDTH * 0.45)
    elif chart.kind is ChartKind.HEATMAP:
        left = min(max(len(name) for name in chart.series or ("",)) * _CHAR + 0.3, 3.0)
        bottom = min(longest * _CHAR * 0.55 + 0.5, 2.2)
    elif len(chart.labels) > 8:
        bottom = longest * _CHAR * 0.9 + 0.45  # labels turned by 60 degrees
    if chart.note:
        bottom += 0.2
    return {
        "left": left / _WIDTH,
        "right": 0.97 if chart.kind is not ChartKind.HEATMAP else 0.9,
        "bottom": min(bottom / height, 0.6),
        "top": 1 - top / height,
    }


def _plain(axes: Any) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(labelsize=9)


def _heights(values: tuple[int | None, ...]) -> list[int]:
    """Bar lengths: a suppressed value is drawn up to the threshold, never to its true value."""
    return [SMALL if value is None else value for value in values]


def _suppressed_style(bars: Any, values: tuple[int | None, ...]) -> None:
    for bar, value in zip(bars, values, strict=True):
        if value is None:
            bar.set_facecolor("white")
            bar.set_edgecolor(_HATCH)
            bar.set_hatch("////")


def _bars(axes: Any, chart: Chart) -> None:
    values = chart.values[0]
    positions = range(len(chart.labels))
    bars = axes.bar(positions, _heights(values), color=_BLUE, width=0.7)
    _suppressed_style(bars, values)
    many = len(chart.labels) > _LABELLED_BARS
    if not many:
        axes.bar_label(bars, labels=list(chart.texts[0]), padding=2, fontsize=8)
    step = -(-len(chart.labels) // _LABELLED_BARS)  # every day up to a month, then fewer
    axes.set_xticks(list(positions)[::step], labels=list(chart.labels)[::step])
    if len(chart.labels) > 8:
        axes.tick_params(axis="x", labelrotation=60)
    axes.set_ylim(0, max(_heights(values), default=SMALL) * 1.15 + 1)
    _plain(axes)


def _ranking(axes: Any, chart: Chart) -> None:
    values = chart.values[0]
    positions = list(range(len(chart.labels)))
    bars = axes.barh(positions, _heights(values), color=_BLUE, height=0.7)
    _suppressed_style(bars, values)
    axes.bar_label(bars, labels=list(chart.texts[0]), padding=3, fontsize=8)
    axes.set_yticks(positions, labels=list(chart.labels))
    axes.invert_yaxis()
    # Seats far beyond the longest bar would squash every bar: those marks stay off the axis.
    longest = max(_heights(values), default=SMALL)
    reach = max([longest, *(m for m in chart.marks if m is not None and m <= longest * 1.5)])
    limit = reach * 1.15 + 1
    for position, mark in zip(positions, chart.marks, strict=False):
        if mark is not None and mark <= limit:
            axes.plot([mark, mark], [position - 0.42, position + 0.42], color="#b03a3a", lw=2)
    axes.set_xlim(0, limit)
    _plain(axes)


def _stacked(axes: Any, chart: Chart) -> None:
    from matplotlib.patches import Patch

    positions = list(range(len(chart.labels)))
    totals = [0] * len(positions)
    for values in chart.values:
        totals = [a + b for a, b in zip(totals, _heights(values), strict=True)]
    widest = max(totals, default=SMALL) or SMALL
    left = [0] * len(positions)
    for index, (name, values) in enumerate(zip(chart.series, chart.values, strict=True)):
        heights = _heights(values)
        color = _SERIES[index % len(_SERIES)]
        bars = axes.barh(positions, heights, left=left, height=0.7, color=color, label=name)
        _suppressed_style(bars, values)
        # A number inside its segment only where it fits; every number is at the bar's end.
        inside = [
            text if height >= widest * 0.12 else ""
            for text, height in zip(chart.texts[index], heights, strict=True)
        ]
        axes.bar_label(bars, labels=inside, label_type="center", fontsize=8, color="white")
        left = [a + b for a, b in zip(left, heights, strict=True)]
    for position, total in zip(positions, totals, strict=True):
        numbers = " / ".join(texts[position] for texts in chart.texts)
        axes.text(total + widest * 0.01, position, numbers, va="center", fontsize=8)
    axes.set_xlim(0, widest * 1.3)
    axes.set_yticks(positions, labels=list(chart.labels))
    axes.invert_yaxis()
    # The legend shows each series' colour, whatever its first bar looks like.
    handles = [Patch(color=_SERIES[i % len(_SERIES)]) for i in range(len(chart.series))]
    axes.legend(handles, list(chart.series), loc="lower right", fontsize=8, frameon=False)
    _plain(axes)


def _heatmap(figure: Any, axes: Any, chart: Chart) -> None:
    import matplotlib
    import numpy as np
    from matplotlib.patches import Rectangle

    rows = len(chart.series)
    columns = len(chart.labels)
    peak = max((v for row in chart.values for v in row if v is not None), default=0)
    grid = np.ma.masked_invalid(
        np.array(
            [[np.nan if v is None else float(v) for v in row] for row in chart.values],
            dtype=float,
        )
    )
    colours = matplotlib.colormaps["Blues"].with_extremes(bad=_HATCH)
    axes.imshow(grid, cmap=colours, vmin=0, vmax=max(peak, 1))
    axes.set_xticks(range(columns), labels=list(chart.labels), rotation=30, ha="right")
    axes.set_yticks(range(rows), labels=list(chart.series))
    for row in range(rows):
        for column in range(columns):
            value = chart.values[row][column]
            if not chart.texts[row][column]:  # the other half of a symmetric matrix
                axes.add_patch(
                    Rectangle((column - 0.5, row - 0.5), 1, 1, facecolor="white", edgecolor="none")
                )
                continue
            axes.text(
                column,
                row,
                chart.texts[row][column],
                ha="center",
                va="center",
                fontsize=10,
                color="white" if value is not None and value > peak * 0.6 else "black",
            )
    axes.set_frame_on(False)
    axes.tick_params(length=0)

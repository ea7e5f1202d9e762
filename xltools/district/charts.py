"""The district report's two charts as PNG (matplotlib, imported only here and only when a report is drawn).

Drawn with the object API (``Figure`` + the Agg canvas): no pyplot, no display, no global backend
switch. The Chinese font is given as a file (:func:`xltools.io.fonts.cjk_font_file`); PNGs carry no
software or date stamp, so the same data gives the same bytes.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xltools.district.analysis import UnitLine

__all__ = ["grade_chart", "rate_chart", "GRADE_COLOURS"]

#: Colours of 优, 良, 中, 差 (then any other grade name, then 未评级/未评分 grey).
GRADE_COLOURS = ("#2E7D32", "#81C784", "#FFB74D", "#E53935", "#8E24AA", "#3949AB")
_UNGRADED = "#BDBDBD"
_DPI = 150


@contextmanager
def _font(path: Path):  # type: ignore[no-untyped-def]
    """matplotlib set to draw text in the font file ``path``, its English log and warnings kept from the user."""
    for name in ("matplotlib", "matplotlib.font_manager"):
        logging.getLogger(name).setLevel(logging.ERROR)
    from matplotlib import font_manager, rc_context

    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. a glyph the font lacks: the text is ours and all Chinese
        with rc_context({"font.family": [family], "axes.unicode_minus": False, "font.size": 9}):
            yield


def _png(figure) -> bytes:  # type: ignore[no-untyped-def]
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=_DPI, metadata={"Software": None})
    return out.getvalue()


def grade_chart(units: Sequence[UnitLine], grade_names: Sequence[str], font: Path) -> bytes:
    """Stacked horizontal bars: per 实施单位 the number of projects of each grade (未评级/未评分 in grey)."""
    from matplotlib.figure import Figure

    names = list(grade_names)
    others = sorted({g for u in units for g in u.grades if g not in names})
    with _font(font):
        figure = Figure(figsize=(7.0, max(3.0, 0.22 * len(units) + 1.4)), layout="constrained")
        axes = figure.add_subplot()
        labels = [u.unit for u in units][::-1]
        left = [0] * len(units)
        for index, grade in enumerate([*names, *others]):
            counts = [u.grades.get(grade, 0) for u in units][::-1]
            colour = GRADE_COLOURS[index] if grade in names and index < len(GRADE_COLOURS) else _UNGRADED
            axes.barh(labels, counts, left=left, color=colour, label=grade, height=0.7)
            left = [a + b for a, b in zip(left, counts)]
        axes.set_xlabel("项目数（个）")
        axes.set_title("各实施单位项目等级分布")
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.margins(y=0.01)
        figure.legend(loc="outside lower center", ncols=len(names) + len(others), fontsize=8, frameon=False)
        return _png(figure)


def rate_chart(bands: Sequence[tuple[str, int]], font: Path) -> bytes:
    """Bars: how many projects fall in each band of the budget execution rate, the count on each bar."""
    from matplotlib.figure import Figure

    with _font(font):
        figure = Figure(figsize=(6.0, 3.2), layout="constrained")
        axes = figure.add_subplot()
        labels = [label for label, _ in bands]
        counts = [count for _, count in bands]
        bars = axes.bar(labels, counts, color="#1F77B4")
        axes.bar_label(bars, labels=[str(c) for c in counts], padding=2)
        axes.set_ylabel("项目数（个）")
        axes.set_xlabel("预算执行率")
        axes.set_title("项目预算执行率分布")
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.set_ylim(0, max(counts, default=0) * 1.15 + 1)
        return _png(figure)

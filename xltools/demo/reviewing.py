"""The demo's reviewer pass between its two rounds: a reviewer fills the reviewer columns of 汇总 in a copy of
the first round's summary (three 通过 with a score, one 退回修改 with an opinion, one 整改) and the copy is
imported into the results store as ``xltools review import`` does; the second round then shows the statuses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

from xltools.demo.data import YEAR
from xltools.district.review_import import import_reviews
from xltools.district.store import Store
from xltools.district.verdicts import cell_text
from xltools.io.files import atomic_output

__all__ = ["REVIEWED_NAME", "ReviewPass", "review_pass", "REVIEWER", "REVIEW_DAY", "OPINIONS"]

REVIEWED_NAME = "汇总_复核后.xlsx"
REVIEWER = "李明"
REVIEW_DAY = dt.date(YEAR + 1, 3, 10)
OPINIONS = {"通过": "资料齐全，同意自评结果",
            "退回修改": "表中有错误，请按退回清单逐项改正，并补充偏差原因分析后重新报送",
            "整改": "预算执行率偏低，请说明原因并落实整改措施"}


@dataclass
class ReviewPass:
    """What the demo's reviewer decided: project path → (处理, 复核得分)."""

    path: Path
    decided: dict[str, tuple[str, float | None]] = field(default_factory=dict)

    def count(self, action: str) -> int:
        return sum(1 for chosen, _ in self.decided.values() if chosen == action)


def review_pass(summary: Path, store: Path, out: Path, resubmitted: Collection[str]) -> ReviewPass:
    """Fill a copy of ``summary`` as a reviewer would and import it into ``store``. The 退回修改 goes to a form
    with errors that the units resubmit (``resubmitted``: paths), the 整改 to the lowest execution rate among the
    error-free forms not resubmitted, the 通过 to the next three error-free forms."""
    book = load_workbook(summary)
    ws = book["汇总"]
    header = [str(c.value).replace("\n", "") for c in ws[1]]
    col = {name: header.index(name) + 1 for name in ("实施单位", "来源文件", "复核总分", "执行率", "错误数",
                                                     "复核得分", "复核意见", "处理", "复核人", "复核日期")}
    rows = [(r, cell_text(ws.cell(r, col["来源文件"]).value)) for r in range(2, ws.max_row + 1)
            if ws.cell(r, col["实施单位"]).value not in (None, "全区合计")]
    errors = {path: ws.cell(r, col["错误数"]).value or 0 for r, path in rows}
    sent_back = next(((r, p) for r, p in rows if p in resubmitted and errors[p]), None)
    clean = [(r, p) for r, p in rows if not errors[p] and p not in resubmitted]
    rate = lambda item: ws.cell(item[0], col["执行率"]).value or 0.0  # noqa: E731
    rectify = min(clean, key=rate, default=None)
    chosen = [(item, "整改") for item in (rectify,) if item is not None]
    chosen += [(item, "退回修改") for item in (sent_back,) if item is not None]
    chosen += [(item, "通过") for item in [c for c in clean if c != rectify][:3]]
    reviewed = ReviewPass(out)
    for (row, path), action in chosen:
        total = ws.cell(row, col["复核总分"]).value
        score = float(int(total)) if action == "通过" and isinstance(total, (int, float)) else None
        for name, value in (("复核得分", score), ("复核意见", OPINIONS[action]), ("处理", action),
                            ("复核人", REVIEWER), ("复核日期", REVIEW_DAY)):
            ws.cell(row, col[name], value)
        reviewed.decided[path] = (action, score)
    with atomic_output(out, force=True) as tmp:
        book.save(tmp)
    with Store(store) as db:
        result = import_reviews(out, db)
    if result.problems:  # the demo's own edit: a problem here is a bug of ours
        raise RuntimeError(f"the demo's reviewed summary did not import: {result.problems[0]}")
    return reviewed

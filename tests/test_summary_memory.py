"""The main process writes the summary without holding anything per file: the Python memory it needs while the review
sheets are worked out and the summary is written does not grow with the number of files (tracemalloc's peak of that
phase, compared between two round sizes; SQLite's own memory is bounded by its page caches and not traced)."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from pathlib import Path

from xltools.core import Policy
from xltools.district.combine import _Rows, _write_summary
from xltools.district.results import FileResult, IndicatorRow, ProjectRow
from xltools.district.review import risk_facts
from xltools.district.review_options import ReviewOptions
from xltools.district.sheets_review import review_sheets
from xltools.district.store import Store

TODAY = dt.date(2025, 3, 1)


def _result(n: int) -> FileResult:
    """A summarised form with a long path of its own, an indicator, a finding and a drift finding (every 3rd)."""
    unit = f"第{n % 7}街道办事处"
    indicator = IndicatorRow("产出指标", "数量指标", f"指标{n % 13}", "≥40个", "40个", 20, 20, 20.0, "无")
    project = ProjectRow(year="2024", unit=unit, department="城管办", name=f"垃圾分类项目第{n:05d}号", lead="王",
                         initial_budget=100.0, annual_budget=100.0 + n, executed=90.0, execution_rate=0.9,
                         budget_score=9.0, subtotals={"产出指标": 50.0, "效益指标": 30.0, "满意度指标": 10.0},
                         self_total=88.0, review_total=80.0 + n % 20, grade="良", filled_on=dt.date(2025, 1, 20),
                         packed_indicators=ProjectRow.pack([indicator]))
    risk = {**risk_facts(project),
            "drift": [["target-lowered", "error", "D12", "指标0", "≥50个", "≥40个"]] if n % 3 == 0 else []}
    return FileResult(f"各街道报送材料/{unit}/二〇二五年第一批/项目支出绩效自评表（第{n:05d}号）.xlsx", "ok",
                      size=1000 + n, mtime=1.7e9, sha256=f"{n:064x}", project=project, risk=risk, format="xlsx",
                      findings=[("自评表", "H21", "score-mismatch", "warning", f"第{n}号的提示")])


def _write_phase_peak(tmp_path: Path, count: int) -> int:
    """tracemalloc's peak (bytes above the start) while a round of ``count`` files gets its review sheets and
    summary, as combine's main process does after the last result is stored."""
    with Store(tmp_path / f"store{count}.sqlite") as db:
        round_id, _ = db.begin_round(None, "汇总.xlsx", "cfg")
        for seq in range(count):
            db.add(round_id, seq, _result(seq), "cfg", TODAY)
        db.commit()
        tracemalloc.start()
        try:
            start = tracemalloc.get_traced_memory()[0]
            sheets = review_sheets(db, round_id, ReviewOptions(sample=5), Policy())
            _write_summary(tmp_path / f"汇总{count}.xlsx", _Rows(db, round_id, used=False), Policy(),
                           used=_Rows(db, round_id, used=True), extra=sheets.write, link_base=tmp_path,
                           review=sheets.review)
            assert sheets.extras["drift"] == len(range(0, count, 3))  # the rows the memory was measured with
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return peak - start


def test_writing_the_summary_holds_nothing_per_file(tmp_path: Path) -> None:
    small, large = 400, 2000
    _write_phase_peak(tmp_path, 200)  # the first run fills the per-process memos of texts and formats
    grown = _write_phase_peak(tmp_path, large) - _write_phase_peak(tmp_path, small)
    # before: every project's reviewer outcome, the 复核重点 rows, the drift rows, the sample's candidates and the
    # memos of every file's path were held (~4 KB a file here); now bounded memos and buffers (whose peaks move by
    # a few hundred KB with what they last held) and, for the sample's draw, three numbers a project
    assert grown / (large - small) < 500, f"{grown / (large - small):.0f} bytes a file"

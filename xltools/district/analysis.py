"""The district report's facts (自评汇总分析), read from one round's summary workbook.

:func:`read_summary` reads the sheets the combiner wrote (汇总, 按单位, 问题清单 and, where the round had
them, 目标偏离, 抽查名单, 未报送) with openpyxl and keeps their rows; :class:`DistrictFacts` computes every
number the report states from those rows (no number is typed by hand, none comes from anywhere else).
Columns are found by their header text, so a column added to a sheet later moves nothing here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from xltools.core.errors import UserError, os_reason
from xltools.district.results import SHEET
from xltools.district.sheets_drift import DRIFT_SHEET
from xltools.district.verdicts import PENDING, STATUSES

__all__ = ["SummaryReadError", "Review", "REVIEW_COLUMNS", "ProjectLine", "UnitLine", "FindingLine", "DistrictFacts", "RATE_BANDS", "FULL_BAND", "OVER_BAND", "rate_band", "read_summary",
           "is_summary", "round_summary", "SAMPLE_SHEET", "EXPECT_SHEET"]

SAMPLE_SHEET = "抽查名单"
EXPECT_SHEET = "未报送"
#: The sheets a workbook must have to be read as a district summary (a form has 自评表 instead).
_NEEDED = (SHEET["projects"], SHEET["units"], SHEET["findings"])
#: Bands of the execution rate below 100 % (label, upper bound exclusive); then 100 % and above 100 %.
RATE_BANDS: tuple[tuple[str, float], ...] = (("低于 60%", 0.6), ("60%～80%", 0.8), ("80%～90%", 0.9), ("90%～100%", 1.0))
FULL_BAND, OVER_BAND = "100%", "超过 100%"


def rate_band(rate: float) -> str:
    """The band of an execution rate (a ratio: 1.0 is 100 %)."""
    for label, high in RATE_BANDS:
        if rate < high:
            return label
    return FULL_BAND if rate == 1.0 else OVER_BAND


class SummaryReadError(UserError):
    """The summary workbook cannot be read as one (message in Chinese, naming the file and sheet)."""


@dataclass(frozen=True)
class Review:
    """A row's reviewer columns on 汇总 (a summary written after ``xltools review import``: 复核状态 and 最终得分;
    a summary a reviewer filled in: 复核得分, 复核意见, 处理, 复核人)."""

    status: str
    final: float | None
    score: float | None
    opinion: str
    action: str
    reviewer: str


#: The reviewer columns of 汇总 this report reads (any of them may be absent).
REVIEW_COLUMNS = ("复核状态", "最终得分", "复核得分", "复核意见", "处理", "复核人")


@dataclass(frozen=True)
class ProjectLine:
    """One row of 汇总."""

    unit: str
    name: str
    year: str
    annual_budget: float | None
    executed: float | None
    execution_rate: float | None
    review_total: float | None
    grade: str
    review: Review | None = None


@dataclass
class UnitLine:
    """One 实施单位's figures, computed from its rows of 汇总."""

    unit: str
    projects: int = 0
    annual_budget: float = 0.0
    executed: float = 0.0
    totals: list[float] = field(default_factory=list)
    grades: Counter = field(default_factory=Counter)

    @property
    def execution_rate(self) -> float | None:
        return self.executed / self.annual_budget if self.annual_budget > 0 else None

    @property
    def mean_total(self) -> float | None:
        return sum(self.totals) / len(self.totals) if self.totals else None


@dataclass(frozen=True)
class FindingLine:
    """One row of 问题清单 (or of 目标偏离: ``detail`` then says 批复值 → 填报值)."""

    unit: str
    name: str
    cell: str
    code: str
    severity: str
    message: str


@dataclass
class DistrictFacts:
    """What the report says, from the rows of one summary workbook."""

    source: Path
    projects: list[ProjectLine]
    #: Grade names in the policy's order, as 按单位 heads its columns (优, 良, 中, 差).
    grade_names: list[str]
    findings: list[FindingLine]
    #: Rows of 目标偏离 (``None``: the round was not compared with approved targets).
    drift: list[FindingLine] | None
    #: Rows of 抽查名单 and 未报送 as the sheets show them (header → value); ``None``: the sheet is absent.
    sample: list[dict[str, object]] | None
    expected: list[dict[str, object]] | None
    #: Whether 汇总 has reviewer columns (复核状态 …): the chapter 复核结果 is written only then.
    reviewed: bool = False

    def statuses(self) -> list[tuple[str, int]]:
        """复核状态 and how many projects have it (every status of the store's list, then any other one)."""
        counts = Counter(p.review.status for p in self.projects if p.review is not None and p.review.status)
        if not counts:
            return []
        return [(s, counts.get(s, 0)) for s in STATUSES] + [(s, n) for s, n in counts.items() if s not in STATUSES]

    def pending(self) -> bool:
        """Whether no reviewer's verdict shows yet: every status 待复核 and no 处理 written."""
        return all(s == PENDING for s, n in self.statuses() if n) and not self.decided()

    def finals(self) -> list[float]:
        return [p.review.final for p in self.projects if p.review is not None and p.review.final is not None]

    def decided(self) -> list[ProjectLine]:
        """Projects a reviewer wrote a 处理 for on this summary."""
        return [p for p in self.projects if p.review is not None and p.review.action]

    @property
    def year(self) -> str:
        """The year most projects give (the combiner keeps one year per round)."""
        years = Counter(p.year for p in self.projects if p.year)
        return years.most_common(1)[0][0] if years else ""

    def units(self) -> list[UnitLine]:
        """Per 实施单位, in the order 汇总 lists them."""
        lines: dict[str, UnitLine] = {}
        for p in self.projects:
            line = lines.setdefault(p.unit, UnitLine(p.unit))
            line.projects += 1
            if p.annual_budget is not None:
                line.annual_budget += p.annual_budget
            if p.executed is not None:
                line.executed += p.executed
            if p.review_total is not None:
                line.totals.append(p.review_total)
            line.grades[p.grade] += 1
        return list(lines.values())

    def money(self) -> tuple[float, float]:
        """全年预算数 and 全年执行数 summed over the projects (blank amounts count as none)."""
        return (sum(p.annual_budget or 0.0 for p in self.projects), sum(p.executed or 0.0 for p in self.projects))

    def rates(self) -> list[float]:
        return [p.execution_rate for p in self.projects if p.execution_rate is not None]

    def rate_bands(self) -> list[tuple[str, int]]:
        """How many projects fall in each band of the execution rate (every band, in order)."""
        counts = Counter(rate_band(r) for r in self.rates())
        return [(label, counts[label]) for label in (*(b[0] for b in RATE_BANDS), FULL_BAND, OVER_BAND)]

    def grades(self) -> Counter:
        return Counter(p.grade for p in self.projects)

    def scored(self) -> list[float]:
        return [p.review_total for p in self.projects if p.review_total is not None]

    def by_rule(self) -> list[tuple[str, str, list[FindingLine]]]:
        """Findings grouped by code: (code, severity, rows), errors first, then by count (most first)."""
        groups: dict[str, list[FindingLine]] = {}
        for f in self.findings:
            groups.setdefault(f.code, []).append(f)
        order = sorted(groups.items(), key=lambda item: (item[1][0].severity != "错误", -len(item[1]), item[0]))
        return [(code, rows[0].severity, rows) for code, rows in order]


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _year(value: object) -> str:
    return str(int(value)) if isinstance(value, (int, float)) and not isinstance(value, bool) else _text(value)


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _rows(path: Path, ws, sheet: str, needed: tuple[str, ...]) -> Iterator[dict[str, object]]:
    """The data rows of a sheet as header → value (headers without line breaks), from the row after the header."""
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None) or ()
    names = [_text(h).replace("\n", "") for h in header]
    missing = [n for n in needed if n not in names]
    if missing:
        raise SummaryReadError(f"{path}：工作表「{sheet}」第 1 行缺少列「{'」「'.join(missing)}」，"
                               "不像 xltools combine 写出的汇总表；请给出 combine 写出的汇总工作簿")
    for row in rows:
        yield dict(zip(names, row))


def _open(path: Path):  # type: ignore[no-untyped-def]
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except OSError as exc:
        raise SummaryReadError(f"{path} 无法打开：{os_reason(exc)}") from exc
    except (BadZipFile, InvalidFileException, ValueError, KeyError, TypeError, SyntaxError) as exc:
        # not a zip, not a workbook, or a damaged part (XML parse errors are SyntaxError subclasses)
        raise SummaryReadError(f"{path} 已损坏或不是工作簿，无法读取；请给出 xltools combine 写出的汇总工作簿（.xlsx）") from exc


def is_summary(path: Path) -> bool:
    """Whether ``path`` is a district summary workbook (by its sheets, not its name)."""
    from xltools.io.paths import is_workbook_with

    return is_workbook_with(*_NEEDED)(path)


def read_summary(path: Path) -> DistrictFacts:
    """The facts of the summary workbook at ``path``."""
    book = _open(path)
    try:
        missing = [s for s in _NEEDED if s not in book.sheetnames]
        if missing:
            raise SummaryReadError(f"{path} 没有工作表「{'」「'.join(missing)}」，不是 xltools combine 写出的汇总表；"
                                   "请给出汇总工作簿（或用 --store 给出结果库）")
        projects = []
        reviewed = False
        for row in _rows(path, book[SHEET["projects"]], SHEET["projects"],
                         ("序号", "实施单位", "项目名称", "年度", "全年预算数（万元）", "全年执行数（万元）", "执行率", "复核总分", "等级")):
            if not isinstance(row["序号"], int):
                continue  # the 全区合计 row
            reviewed = reviewed or any(name in row for name in REVIEW_COLUMNS)
            review = Review(_text(row.get("复核状态")), _number(row.get("最终得分")), _number(row.get("复核得分")),
                            _text(row.get("复核意见")), _text(row.get("处理")), _text(row.get("复核人")))
            projects.append(ProjectLine(_text(row["实施单位"]), _text(row["项目名称"]), _year(row["年度"]),
                                        _number(row["全年预算数（万元）"]),
                                        _number(row["全年执行数（万元）"]), _number(row["执行率"]),
                                        _number(row["复核总分"]), _text(row["等级"]), review if reviewed else None))
        units_head = next(book[SHEET["units"]].iter_rows(values_only=True, max_row=1), ())
        grades = [_text(h)[:-len("（个）")].replace("\n", "") for h in units_head
                  if _text(h).replace("\n", "").endswith("（个）")]
        findings = [FindingLine(_text(r["实施单位"]), _text(r["项目名称"]), _text(r["单元格"]), _text(r["代码"]),
                                _text(r["级别"]), _text(r["说明"]))
                    for r in _rows(path, book[SHEET["findings"]], SHEET["findings"],
                                   ("实施单位", "项目名称", "单元格", "代码", "级别", "说明"))
                    if _text(r["代码"])]
        drift = None
        if DRIFT_SHEET in book.sheetnames:
            drift = [FindingLine(_text(r["实施单位"]), _text(r["项目"]), _text(r["单元格"]), _text(r["代码"]),
                                 _text(r["级别"]), f"「{_text(r['指标'])}」批复值 {_text(r['批复值']) or '（无）'}，"
                                                  f"填报值 {_text(r['填报值']) or '（已删去）'}")
                     for r in _rows(path, book[DRIFT_SHEET], DRIFT_SHEET,
                                    ("实施单位", "项目", "指标", "批复值", "填报值", "代码", "级别", "单元格"))
                     if _text(r["代码"])]
        sample = expected = None
        if SAMPLE_SHEET in book.sheetnames:
            sample = [r for r in _rows(path, book[SAMPLE_SHEET], SAMPLE_SHEET, ("实施单位", "项目名称", "抽取原因"))
                      if _text(r["项目名称"])]
        if EXPECT_SHEET in book.sheetnames:
            expected = [r for r in _rows(path, book[EXPECT_SHEET], EXPECT_SHEET, ("类别", "实施单位", "项目名称", "说明"))
                        if _text(r["项目名称"])]
    finally:
        book.close()
    return DistrictFacts(path, projects, grades, findings, drift, sample, expected, reviewed)


def round_summary(store: Path, label: str | None) -> tuple[str, Path]:
    """The label and summary workbook of a round of the results store ``store``: the round named ``label``
    (or numbered, as ``2``), else the last finished one. The store is opened read-only."""
    import sqlite3

    from xltools.district.store_errors import db_reason
    from xltools.io.paths import is_store

    if not store.is_file():
        raise SummaryReadError(f"结果库 {store} 不存在；请用 --store 给出 xltools combine 写出的结果库")
    if not is_store(store):
        raise SummaryReadError(f"{store} 不是 xltools 的结果库（SQLite 文件）；请用 --store 给出 combine 写出的结果库")
    try:
        db = sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rounds = db.execute("SELECT id, label, summary FROM rounds WHERE finished IS NOT NULL ORDER BY id").fetchall()
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise SummaryReadError(f"结果库 {store} 无法读取（{db_reason(exc, store)}）；请确认它是 combine 写出的结果库") from exc
    if not rounds:
        raise SummaryReadError(f"结果库 {store} 中还没有完成的汇总轮次；请先运行 xltools combine")
    if label is None:
        chosen = rounds[-1]
    else:
        chosen = next((r for r in rounds if r[1] == label), None) or next(
            (r for r in rounds if label.isdigit() and r[0] == int(label)), None)
        if chosen is None:
            known = "、".join(r[1] for r in rounds)
            raise SummaryReadError(f"结果库 {store} 中没有名为「{label}」的轮次（有：{known}）；请检查 --round")
    summary = Path(chosen[2])
    if not summary.is_absolute():  # combine recorded it as given: relative to where it ran, or beside the store
        summary = next((p for p in (summary, store.parent / summary.name) if p.is_file()), summary)
    if not summary.is_file():
        raise SummaryReadError(f"结果库中「{chosen[1]}」的汇总表 {summary} 不存在（已移动或删除）；"
                               "请直接给出该轮的汇总工作簿：xltools report 汇总.xlsx -o 自评汇总分析.docx")
    return chosen[1], summary

"""``xltools review import 汇总.xlsx``: the reviewers' columns of a summary into the results store.

The summary is checked like a form: its very hidden sheet 复核校验 names the round and a token that the store
must hold (:class:`~xltools.district.verdicts.ReviewBook`); every row of 汇总 and 复核重点 must keep the locked
cells it was written with (their digest, row by row); a row the summary was not written with is an unknown
project. Such problems are :class:`Tampered` findings (exit 1, nothing imported). A reviewer's value that
cannot be taken (a 复核得分 outside 0..分值合计, a 处理 not in the list, a date that does not parse, two sheets
saying different things of one project) is a :class:`BadValue` (exit 2, nothing imported).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from openpyxl.utils import get_column_letter

from xltools.core.errors import UserError
from xltools.core.findings import shorten
from xltools.core.parse import normalize_text, parse_date, parse_number
from xltools.district.reviewer_cells import ACTION, CHECK_SHEET, DATE, OPINION, REVIEWER, REVIEWER_HEADERS, SCORE
from xltools.district.store import Store
from xltools.district.verdicts import ACTIONS, Verdict, ensure_tables, row_digest, save_verdicts

__all__ = ["ReviewImportError", "Problem", "Tampered", "LockedCellChanged", "RowMissing", "UnknownProject",
           "BadValue", "ScoreOutOfRange", "ScoreNotANumber", "ActionNotInList", "DateUnparsed", "Conflict",
           "ImportResult", "import_reviews"]


class ReviewImportError(UserError):
    """The summary cannot be imported at all (not a summary with reviewer columns, another store's …)."""


@dataclass(frozen=True)
class Problem:
    """One problem of a reviewed summary, at a sheet and cell; each kind a class with a code and a template."""

    code: ClassVar[str] = ""
    template: ClassVar[str] = ""
    sheet: str
    cell: str
    params: dict[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.template.format(**self.params)

    def __str__(self) -> str:
        return f"工作表「{self.sheet}」单元格 {self.cell}：{self.message}"


class Tampered(Problem):
    """The summary is not as it was written: exit 1."""


class LockedCellChanged(Tampered):
    code = "review-locked-changed"
    template = ("第 {row} 行锁定的内容（复核人列以外）与生成汇总表时不同；只能填写复核得分、复核意见、处理、复核人、"
                "复核日期五列。请用 combine 生成的原汇总表重新填写复核结果")


class RowMissing(Tampered):
    code = "review-row-missing"
    template = "生成汇总表时的第 {row} 行不见了（行被删除或移动）；请用 combine 生成的原汇总表重新填写复核结果"


class UnknownProject(Tampered):
    code = "review-unknown-project"
    template = "第 {row} 行不是生成汇总表时的项目（行是后加的）；复核结果只能填在汇总表原有项目的行上"


class BadValue(Problem):
    """A reviewer's value that cannot be taken: exit 2."""


class ScoreOutOfRange(BadValue):
    code = "review-score-range"
    template = "复核得分「{value}」不在 0～{top:g} 分之间；请填 0 到 {top:g} 之间的数，不打分请留空"


class ScoreNotANumber(BadValue):
    code = "review-score-number"
    template = "复核得分「{value}」不是数；请填 0 到 {top:g} 之间的数，不打分请留空"


class ActionNotInList(BadValue):
    code = "review-action"
    template = "处理「{value}」不是可选的值；请从列表中选择：{choices}"


class DateUnparsed(BadValue):
    code = "review-date"
    template = "复核日期「{value}」不是日期；请写成 2025-03-15 这样的日期"


class Conflict(BadValue):
    code = "review-conflict"
    template = "同一项目（{project}）的{column}在「{other}」填的是「{theirs}」，这里是「{ours}」；请两处填成一样，或只填一处"


@dataclass
class ImportResult:
    """What ``review import`` found and did."""

    round_id: int
    label: str
    verdicts: list[Verdict]
    problems: list[Problem]

    @property
    def tampered(self) -> list[Problem]:
        return [p for p in self.problems if isinstance(p, Tampered)]


@dataclass
class _Entry:
    """One project's reviewer values as read, with where each came from."""

    values: dict[int, object] = field(default_factory=dict)
    cells: dict[int, tuple[str, str]] = field(default_factory=dict)


def _open(path: Path):  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file; all mean the same here
        raise ReviewImportError("无法读取：不是完好的 .xlsx 工作簿；请确认它是 combine 生成的汇总表，用 Excel 或 WPS "
                                "打开后另存为 .xlsx 再试", file=path) from exc


def _round_of(book, path: Path, store: Store) -> tuple[int, float, str]:  # type: ignore[no-untyped-def]
    """The round the summary names (复核校验), checked against the store: (round, 分值合计, round label)."""
    if CHECK_SHEET not in book.sheetnames:
        raise ReviewImportError("没有复核人列（不是 combine 生成的汇总表，或是旧版本生成的）；请用本版本的 combine "
                                "重新生成汇总表，在其中的复核人列填写后再导入", file=path)
    labels = {normalize_text(row[0]): row[1] for row in book[CHECK_SHEET].iter_rows(max_col=2, values_only=True)
              if row and row[0] is not None}
    round_id, token = labels.get("轮次"), labels.get("校验码")
    ensure_tables(store)
    found = store.db.execute("SELECT b.total_weight, r.label FROM review_books b JOIN rounds r ON r.id=b.round "
                             "WHERE b.round=? AND b.token=?", (round_id, str(token))).fetchone()
    if not isinstance(round_id, (int, float)) or found is None:
        raise ReviewImportError(f"不是用结果库 {store.path} 生成的（结果库中没有这份汇总表的轮次）；请用 --store 指定"
                                "生成这份汇总表时 combine 所用的结果库", file=path)
    return int(round_id), float(found[0]), found[1]


def _read_sheet(book, store: Store, round_id: int, sheet: str, top: float,  # type: ignore[no-untyped-def]
                problems: list[Problem], entries: dict[str, _Entry]) -> None:
    first, width = store.db.execute("SELECT first_col, columns FROM review_sheets WHERE round=? AND sheet=?",
                                    (round_id, sheet)).fetchone()
    written = {row: (path, digest) for row, path, digest in store.db.execute(
        "SELECT row, path, digest FROM review_rows WHERE round=? AND sheet=?", (round_id, sheet))}
    if sheet not in book.sheetnames:
        problems.append(RowMissing(sheet, "A1", {"row": 1}))
        return
    seen = set()
    for number, values in enumerate(book[sheet].iter_rows(values_only=True)):
        values = tuple(values)
        reviewer = values[first:first + len(REVIEWER_HEADERS)]
        outside = [v for v in values[width:] if v is not None and str(v).strip() != ""]
        if number not in written:
            if any(v is not None and str(v).strip() != "" for v in values):
                problems.append(UnknownProject(sheet, f"A{number + 1}", {"row": number + 1}))
            continue
        seen.add(number)
        path, digest = written[number]
        if number == 0:  # the header: every label, the reviewer columns' too
            locked_changed = row_digest(values) != digest
        else:
            locked_changed = (digest and row_digest(values[:first]) != digest) or outside or \
                (not path and any(v is not None and str(v).strip() != "" for v in reviewer))
        if locked_changed:
            problems.append(LockedCellChanged(sheet, f"A{number + 1}", {"row": number + 1}))
            continue
        if path:
            _take(sheet, number, first, reviewer, top, path, problems, entries)
    for number in sorted(set(written) - seen):
        problems.append(RowMissing(sheet, f"A{number + 1}", {"row": number + 1}))


def _take(sheet: str, number: int, first: int, reviewer: Sequence[object], top: float, path: str,
          problems: list[Problem], entries: dict[str, _Entry]) -> None:
    """A data row's reviewer values, parsed into the project's entry (or a problem each)."""
    entry = entries.setdefault(path, _Entry())
    for col in range(len(REVIEWER_HEADERS)):
        raw = reviewer[col] if col < len(reviewer) else None
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        cell = f"{get_column_letter(first + col + 1)}{number + 1}"
        value, problem = _parse(col, raw, top, sheet, cell)
        if problem is not None:
            problems.append(problem)
            continue
        if col in entry.values and entry.values[col] != value:
            other_sheet, other_cell = entry.cells[col]
            problems.append(Conflict(sheet, cell, {"project": path, "column": REVIEWER_HEADERS[col][0],
                                                   "other": f"{other_sheet}!{other_cell}",
                                                   "theirs": _shown(entry.values[col]), "ours": _shown(value)}))
            continue
        entry.values[col], entry.cells[col] = value, (sheet, cell)


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return shorten(value)


def _parse(col: int, raw: object, top: float, sheet: str, cell: str) -> tuple[object, Problem | None]:
    shown = shorten(raw.isoformat()[:10] if isinstance(raw, (dt.date, dt.datetime)) else raw)
    if col == SCORE:
        number = parse_number(raw).value if not isinstance(raw, (bool, dt.date)) else None
        if number is None:
            return None, ScoreNotANumber(sheet, cell, {"value": shown, "top": top})
        if not 0 <= number <= top:
            return None, ScoreOutOfRange(sheet, cell, {"value": shown, "top": top})
        return float(number), None
    if col == ACTION:
        action = normalize_text(raw)
        if action not in ACTIONS:
            return None, ActionNotInList(sheet, cell, {"value": shown, "choices": " / ".join(ACTIONS)})
        return action, None
    if col == DATE:
        date = parse_date(raw)
        if date is None or not 2000 <= date.year <= 2099:
            return None, DateUnparsed(sheet, cell, {"value": shown})
        return date, None
    assert col in (OPINION, REVIEWER)
    return str(raw).strip() if col == OPINION else normalize_text(raw), None


def _verdicts(store: Store, round_id: int, entries: dict[str, _Entry]) -> Iterator[Verdict]:
    for path, entry in entries.items():
        if not entry.values:
            continue
        unit, name, year = store.db.execute("SELECT unit, name, year FROM files WHERE round=? AND path=?",
                                            (round_id, path)).fetchone()
        v = entry.values
        yield Verdict(round_id, path, unit, name, year, v.get(SCORE), v.get(OPINION, ""),  # type: ignore[arg-type]
                      v.get(ACTION, ""), v.get(REVIEWER, ""), v.get(DATE))  # type: ignore[arg-type]


def import_reviews(path: Path, store: Store) -> ImportResult:
    """Read the reviewer columns of the summary ``path`` (every sheet written with them); store them when
    nothing is wrong."""
    book = _open(path)
    try:
        round_id, top, label = _round_of(book, path, store)
        problems: list[Problem] = []
        entries: dict[str, _Entry] = {}
        sheets = [row[0] for row in store.db.execute("SELECT sheet FROM review_sheets WHERE round=? ORDER BY sheet",
                                                     (round_id,))]
        for sheet in sheets:
            _read_sheet(book, store, round_id, sheet, top, problems, entries)
    finally:
        book.close()
    verdicts = list(_verdicts(store, round_id, entries)) if not problems else []
    if verdicts:
        save_verdicts(store, round_id, verdicts)
    return ImportResult(round_id, label, verdicts, problems)

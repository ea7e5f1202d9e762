"""The summary's review sheets: 复核重点, 变化, 抽查名单 and 未报送 (written after 图表).

:func:`review_sheets` works over one round in the results store (two streamed passes over the
round's projects, the counts in temporary tables), so memory does not grow with the district;
the flags and the sample are :mod:`xltools.district.review`'s.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

from xltools.core import Policy
from xltools.core.findings import RULES
from xltools.core.parse import normalize_text

from xltools.district.results import FATE_TEXT, USED_FATES, fate_label
from xltools.district.review import (
    FLAGS,
    SHARED_TEXT_MIN,
    Shared,
    draw_sample,
    risk_flags,
)
from xltools.district.printing import header_label
from xltools.district.review_options import ReviewOptions, read_expected
from xltools.district.reviewer_cells import REVIEWER_HEADERS, STATUS_HEADERS, protect, status_cells
from xltools.district.sheets_drift import DriftRows, write_drift
from xltools.district.store import Store
from xltools.district.rowstream import _RowStream
from xltools.district.summary_sheets import Formats, finish, row_height, setup
from xltools.district.verdicts import CHANGED, RETURNED, UNCHANGED, ReviewBook

__all__ = ["ReviewSheets", "review_sheets"]


@dataclass
class ReviewSheets:
    """The review sheets of one round, ready to write into the summary."""

    store: Store
    round_id: int
    sample_rows: list[tuple[object, ...]] = field(default_factory=list)
    expect_rows: list[tuple[str, str, str, str]] | None = None
    previous: tuple[int, str, str] | None = None
    extras: dict[str, object] = field(default_factory=dict)
    drift_rows: DriftRows | None = None
    #: The summary's reviewer columns (combine's; none: 复核重点 without them).
    review: ReviewBook | None = None

    def write(self, book: xlsxwriter.Workbook) -> None:
        fmt = Formats(book)
        if self.drift_rows is not None:
            write_drift(book, fmt, self.drift_rows)
        _write_risks(book, fmt, self.store, self.review)
        if self.review is not None:  # the --json report's and the terminal's 复核状态, once a verdict applies
            if self.store.db.execute("SELECT 1 FROM verdicts LIMIT 1").fetchone():
                self.extras["review_statuses"] = self.review.counts()
        if self.previous is not None:
            self.extras["changes"] = _write_changes(book, fmt, self.store, self.round_id, self.previous, self.review)
        if self.sample_rows:
            _write_rows(book, fmt, "抽查名单", _SAMPLE_HEADERS, self.sample_rows, wrap=(2, 5, 6, 7))
        if self.expect_rows is not None:
            _write_rows(book, fmt, "未报送", _EXPECT_HEADERS, self.expect_rows, wrap=(2, 3, 4))


def review_sheets(store: Store, round_id: int, options: ReviewOptions, policy: Policy) -> ReviewSheets:
    """Flag every summarised project of the round (into ``temp.risk``), draw the sample, read the list; the
    summary's reviewer columns (:class:`ReviewBook`)."""
    drift = _score(store, round_id)
    db = store.db
    sheets = ReviewSheets(store, round_id, previous=store.previous_round(round_id),
                          review=ReviewBook(store, round_id, policy.total_weight))
    if drift.count or options.targets:
        sheets.drift_rows = drift
        sheets.extras["drift"] = drift.count
        sheets.extras["drift_serious"] = drift.serious
    sheets.extras["flagged"] = db.execute("SELECT COUNT(*) FROM temp.risk WHERE score > 0").fetchone()[0]
    if options.sample:
        # a small tuple a project, its key the row's id (not its path) and its unit one text a unit
        units: dict[str, str] = {}
        candidates = [(key, units.setdefault(unit, unit), score) for key, unit, score in
                      db.execute("SELECT rowid, unit, score FROM temp.risk ORDER BY path")]
        drawn = draw_sample(candidates, options.sample, options.seed)
        del candidates
        for number, item in enumerate(drawn, start=1):
            name, total, titles, path = db.execute("SELECT name, total, titles, path FROM temp.risk WHERE rowid=?",
                                                   (item.key,)).fetchone()
            sheets.sample_rows.append((number, item.unit, name, total, item.score, item.reason, titles, path))
        sheets.extras["sample"] = [row[-1] for row in sheets.sample_rows]
    if options.expect is not None or options.expected is not None:
        wanted = list(options.expected) if options.expected is not None else read_expected(Path(options.expect))
        sheets.expect_rows = _expected_rows(store, round_id, wanted)
        sheets.extras["missing"] = sum(1 for row in sheets.expect_rows if row[0] == "未报送")
        sheets.extras["unexpected"] = sum(1 for row in sheets.expect_rows if row[0] == "不在名单上")
    return sheets


# --- 复核重点 ------------------------------------------------------------------------------------

def _score(store: Store, round_id: int) -> DriftRows:
    """Flag every summarised project (into ``temp.risk``); the round's 目标偏离 rows. Two passes over the round's
    stored risk facts (their own columns: no project is decoded), in SQL where they can be."""
    db = store.db
    db.executescript("""
        DROP TABLE IF EXISTS temp.texts; DROP TABLE IF EXISTS temp.sets; DROP TABLE IF EXISTS temp.risk;
        CREATE TEMP TABLE texts (text TEXT, path TEXT);
        CREATE TEMP TABLE sets (signature TEXT, unit TEXT);
        CREATE TEMP TABLE risk (path TEXT PRIMARY KEY, unit TEXT, name TEXT, total REAL, rate REAL, fate TEXT,
                                score INTEGER, titles TEXT, reasons TEXT);
    """)
    store.rank_units(round_id)  # temp.unit_rank: 复核重点's and 目标偏离's order
    drift = DriftRows(db)
    # first pass: what the round shares (the signatures copied by SQL; texts and drift where a project has them)
    shared: list[tuple[str, str]] = []  # (text, path) pairs, inserted a few thousand at a time
    for path, unit, name, texts, signature, rows in store.shared_facts(round_id, "temp.sets"):
        if rows:
            drift.add(path, unit, name, rows)
        shared += [(t, path) for t in texts]
        if len(shared) >= 2000:
            db.executemany("INSERT INTO temp.texts VALUES (?, ?)", shared)
            shared.clear()
        if signature:
            db.execute("INSERT INTO temp.sets VALUES (?, ?)", (signature, unit))
    db.executemany("INSERT INTO temp.texts VALUES (?, ?)", shared)
    # what is shared, as small lookups: texts in SHARED_TEXT_MIN projects or more, indicator sets in two
    # units or more, projects with more than one version (a round's boilerplate, not its every project)
    texts = dict(db.execute("SELECT text, COUNT(DISTINCT path) n FROM temp.texts GROUP BY text HAVING n >= ?",
                            (SHARED_TEXT_MIN,)))
    sets: dict[str, set[str]] = {}
    for signature, unit in db.execute("SELECT signature, unit FROM temp.sets WHERE signature IN (SELECT signature "
                                      "FROM temp.sets GROUP BY signature HAVING COUNT(DISTINCT unit) > 1)"):
        sets.setdefault(signature, set()).add(unit)
    versions = {tuple(row[:3]): row[3] for row in db.execute(
        "SELECT unit, name, year, COUNT(*) n FROM files WHERE round=? AND fate IN ('ok','tampered','superseded') "
        "GROUP BY unit, name, year HAVING n > 1", (round_id,))}
    rows: list[tuple[object, ...]] = []
    seen_from: dict[str, Shared] = {}  # what the round shares, as seen from each unit (a district has a few dozen)
    for path, unit, name, year, total, rate, fate, facts in store.flag_facts(round_id):  # second pass: the flags
        seen = seen_from.get(unit)
        if seen is None:
            seen = seen_from[unit] = Shared(text_projects=lambda text: texts.get(text, 1),
                                         set_units=lambda sig, unit=unit: len(sets.get(sig, set()) - {unit}))
        hits = risk_flags(None, fate=fate, versions=versions.get((unit, name, year), 1), shared=seen, facts=facts)
        rows.append((path, unit, name, total, rate, fate, sum(h.weight for h in hits),
                     "、".join(FLAGS[h.code].title for h in hits),
                     "\n".join(f"{n}. {h.reason}" for n, h in enumerate(hits, start=1))))
        if len(rows) >= 500:  # a few hundred rows a statement: nothing per project held
            db.executemany("INSERT INTO temp.risk VALUES (?,?,?,?,?,?,?,?,?)", rows)
            rows.clear()
    db.executemany("INSERT INTO temp.risk VALUES (?,?,?,?,?,?,?,?,?)", rows)
    return drift


#: Widths chosen so the sheet prints on one A4 landscape page width (printing.page_groups: no page columns).
_RISK_HEADERS = (("序号", 6), ("风险分", 7), ("实施单位", 14), ("项目名称", 20), ("复核总分", 8), ("执行率", 8),
                 ("风险标记", 22), ("原因", 54), ("文件状态", 10), ("来源文件", 24))
#: With reviewer columns: the printed part (复核状态 in place of some of 原因's width; the same page width).
_RISK_PRINTED = (*_RISK_HEADERS[:7], ("原因", 45), *_RISK_HEADERS[8:], STATUS_HEADERS[0])


def _write_risks(book: xlsxwriter.Workbook, fmt: Formats, store: Store, review: ReviewBook | None) -> None:
    ws = book.add_worksheet("复核重点", worksheet_class=_RowStream)
    printed = _RISK_HEADERS if review is None else _RISK_PRINTED
    headers = (*_RISK_PRINTED, *STATUS_HEADERS[1:], *REVIEWER_HEADERS) if review is not None else _RISK_HEADERS
    setup(ws, printed, fmt, "朝阳区项目支出绩效自评汇总·复核重点（风险分高者先复核）", freeze_cols=4)
    for col in range(len(printed), len(headers)):  # typed in, not printed: the printout stays one page wide
        text, width = headers[col]
        ws.set_column(col, col, width)
        ws.write_string(0, col, header_label(text, width), fmt.header)
    formats = [fmt.int, fmt.int, fmt.text, fmt.wrap, fmt.score, fmt.rate, fmt.wrap, fmt.wrap, fmt.text, fmt.wrap]
    if review is not None:  # 复核状态, 最终得分 (locked) and the reviewer's own columns
        formats += [fmt.center, fmt.score, *fmt.reviewer]
        review.sheet(ws.name, len(_RISK_HEADERS) + len(STATUS_HEADERS), len(headers))
        review.record(ws.name, 0, "", [header_label(text, width) for text, width in headers])
    row, widths = 0, tuple(headers[col][1] for col in (3, 6, 7, 9))  # the columns whose texts wrap
    for row, (path, unit, name, total, rate, fate, score, titles, reasons) in enumerate(store.db.execute(
            "SELECT k.path, k.unit, k.name, k.total, k.rate, k.fate, k.score, k.titles, k.reasons FROM temp.risk k "
            "LEFT JOIN temp.unit_rank u ON u.unit=k.unit ORDER BY k.score DESC, u.rank, k.name, k.path"), start=1):
        cells: tuple = (row, score, unit, name, total, rate, titles, reasons, FATE_TEXT[fate], path)
        if review is not None:
            cells += status_cells(review.outcome(path), total)
            review.record(ws.name, row, path, cells)
            cells += (None,) * len(REVIEWER_HEADERS)
        ws.append_values(row, cells, formats, row_height(zip((name, titles, reasons, path), widths)))
    finish(ws, headers, row)
    if review is not None:
        ws.print_area(0, 0, max(row, 1), len(printed) - 1)
        review.flush()
        protect(ws, len(_RISK_HEADERS) + len(STATUS_HEADERS), row, review.total_weight)


# --- 抽查名单 and 未报送 -------------------------------------------------------------------------

_SAMPLE_HEADERS = (("序号", 6), ("实施单位", 16), ("项目名称", 24), ("复核总分", 8), ("风险分", 7),
                   ("抽取原因", 30), ("风险标记", 22), ("来源文件", 30))
_EXPECT_HEADERS = (("序号", 6), ("类别", 10), ("实施单位", 16), ("项目名称", 24), ("说明", 50))


def _write_rows(book: xlsxwriter.Workbook, fmt: Formats, title: str, headers: tuple[tuple[str, float], ...],
                rows: list[tuple[object, ...]] | list[tuple[str, str, str, str]], wrap: tuple[int, ...]) -> None:
    ws = book.add_worksheet(title, worksheet_class=_RowStream)
    setup(ws, headers, fmt, f"朝阳区项目支出绩效自评汇总·{title}", freeze_cols=1)
    row = 0
    for row, values in enumerate(rows, start=1):
        cells = values if len(values) == len(headers) else (row, *values)
        formats = [fmt.wrap if col in wrap else fmt.int if col == 0 else
                   fmt.score if isinstance(value, float) else fmt.text for col, value in enumerate(cells)]
        ws.append_values(row, cells, formats, row_height([(cells[col], headers[col][1]) for col in wrap]))
    finish(ws, headers, row)


def _expected_rows(store: Store, round_id: int, expected: list[tuple[str, str]]) -> list[tuple[str, str, str, str]]:
    """Projects on the list without a form (未报送) and forms not on the list (不在名单上)."""
    reported: dict[tuple[str, str], str] = {}
    for unit, name, fate in store.db.execute(
            "SELECT unit, name, fate FROM files WHERE round=? AND fate IN ('ok','tampered','other-layout','wrong-year')", (round_id,)):
        key = (normalize_text(unit), normalize_text(name))  # compared as the list is read: normalised
        if reported.get(key) != "ok":
            reported[key] = "ok" if fate in USED_FATES else fate
    wanted = set(expected)
    rows: list[tuple[str, str, str, str]] = []
    for unit, name in dict.fromkeys(expected):
        fate = reported.get((unit, name))
        if fate is None:
            rows.append(("未报送", unit, name, "名单上的项目没有收到自评表"))
        elif fate == "wrong-year":
            rows.append(("未报送", unit, name, "只收到年度不符的自评表（见「文件清单」）"))
    for (unit, name), fate in sorted(reported.items()):
        if (unit, name) not in wanted and fate == "ok":
            rows.append(("不在名单上", unit, name, "收到的自评表不在应报送项目名单上；请核对项目名称或名单"))
    return rows


# --- 变化 -----------------------------------------------------------------------------------------

_CHANGE_HEADERS = (("序号", 6), ("实施单位", 16), ("项目名称", 24), ("变化", 16), ("上轮状态", 12),
                   ("本轮状态", 12), ("上轮复核总分", 9), ("本轮复核总分", 9), ("上轮错误数", 8), ("本轮错误数", 8),
                   ("已改正的问题", 40), ("新出现的问题", 40), ("复核退回后", 14))
#: 变化's last column for a project the reviewer sent back (退回修改 or 整改), by its status now.
_AFTER_RETURN = {CHANGED: "已修改后重报", UNCHANGED: "重报但未修改", RETURNED: "尚未重报"}


def _projects(store: Store, round_id: int) -> Iterator[tuple]:
    """The round's projects (one file each: the summarised one, or a wrong-year form) by key, streamed."""
    return iter(store.db.execute(
        "SELECT unit, name, year, fate, review_total, errors, sha256, config, MIN(seq), path FROM files "
        "WHERE round=? AND name IS NOT NULL AND fate IN ('ok','tampered','other-layout','wrong-year') "
        "GROUP BY unit, name, year ORDER BY unit, name, year", (round_id,)))


def _findings(store: Store, sha256: str, config: str) -> dict[tuple[str, str], str]:
    """The error findings of a stored verdict: (code, place) → message."""
    return {(code, f"{sheet}!{cell}" if sheet else cell): message for sheet, cell, code, message in store.db.execute(
        "SELECT sheet, cell, code, message FROM findings WHERE sha256=? AND config=? AND severity='error'",
        (sha256, config))}


def _same_project(store: Store, old: tuple[str, str], new: tuple[str, str]) -> bool:
    """Whether a project of a list workbook, stored as (key, config) in each round, was judged alike in both
    (its rows unchanged while other rows of the list changed, so its file's hash did): the same project,
    indicators, details and findings."""
    return "#" in new[0] and store.same_content(old, new, findings=True)


def _sentence(place: str, code: str, message: str) -> str:
    """A finding as one Chinese line of 变化: where, and what was wrong (the message up to its first full stop;
    the rule's title when there is no message)."""
    what = message.split("。", 1)[0] if message else RULES[code].title if code in RULES else code
    return f"{place}：{what}" if place else what


_END = ("\U0010ffff",)


def _changes(store: Store, round_id: int, previous: int,
             review: ReviewBook | None = None) -> Iterator[tuple[object, ...]]:
    """What changed per project since round ``previous`` (a merge of both rounds' sorted projects); with
    ``review``, what became of each project the reviewer sent back (listed even when its file did not change)."""
    olds, news = _projects(store, previous), _projects(store, round_id)
    before, row = next(olds, None), next(news, None)
    while before is not None or row is not None:
        old_key = before[:3] if before is not None else _END
        new_key = row[:3] if row is not None else _END
        if new_key < old_key:
            assert row is not None
            unit, name, _, fate, total, errors, *_ = row
            yield (unit, name, "新增项目", "", fate_label(fate, errors), None, total, None, errors, "", "", "")
            row = next(news, None)
            continue
        if old_key < new_key:
            assert before is not None
            unit, name, _, fate, total, errors, *_ = before
            yield (unit, name, "本轮未出现", fate_label(fate, errors), "", total, None, errors, None, "", "", "")
            before = next(olds, None)
            continue
        assert row is not None and before is not None
        unit, name, _, fate, total, errors, sha256, config, _, path = row
        _, _, _, old_fate, old_total, old_errors, old_sha, old_config, _, _ = before
        before, row = next(olds, None), next(news, None)
        outcome = review.outcome(path) if review is not None else None
        after = _AFTER_RETURN.get(outcome.status, "") if outcome is not None else ""
        if old_fate == fate and ((old_sha, old_config) == (sha256, config)
                                 or _same_project(store, (old_sha, old_config), (sha256, config))):
            if after:  # sent back by the reviewer: said even when nothing changed
                label = fate_label(fate, errors)
                what = "复核退回后未重新报送" if after == _AFTER_RETURN[RETURNED] else "重新提交（内容未改动）"
                yield (unit, name, what, label, label, old_total, total, old_errors, errors, "", "", after)
            continue
        was, now = _findings(store, old_sha, old_config), _findings(store, sha256, config)
        fixed, added = sorted(was.keys() - now.keys()), sorted(now.keys() - was.keys())
        what = [text for test, text in ((fate_label(fate, errors) != fate_label(old_fate, old_errors), "状态改变"),
                                        (abs((total or 0) - (old_total or 0)) > 0.005, "复核总分改变"),
                                        (errors != old_errors, "错误数改变"),
                                        (bool(fixed), "有问题已改正"), (bool(added), "有新问题")) if test]
        again = "重新提交（内容未改动）" if after == _AFTER_RETURN[UNCHANGED] else "重新提交（内容有改动）"
        yield (unit, name, "、".join(what) or again, fate_label(old_fate, old_errors),
               fate_label(fate, errors), old_total, total, old_errors, errors,
               "\n".join(_sentence(cell, code, was[code, cell]) for code, cell in fixed),
               "\n".join(_sentence(cell, code, now[code, cell]) for code, cell in added), after)


def _write_changes(book: xlsxwriter.Workbook, fmt: Formats, store: Store, round_id: int,
                   previous: tuple[int, str, str], review: ReviewBook | None = None) -> int:
    ws = book.add_worksheet("变化", worksheet_class=_RowStream)
    prev_id, label, started = previous
    setup(ws, _CHANGE_HEADERS, fmt, f"朝阳区项目支出绩效自评汇总·变化（与上一轮「{label}」{started} 相比）", freeze_cols=3)
    formats = [fmt.int, fmt.text, fmt.text, fmt.wrap, fmt.text, fmt.text, fmt.score, fmt.score, fmt.int, fmt.int,
               fmt.wrap, fmt.wrap, fmt.text]
    row = 0
    for row, values in enumerate(_changes(store, round_id, prev_id, review), start=1):
        cells = (row, *values)
        ws.append_values(row, cells, formats,
                         row_height([(cells[col], _CHANGE_HEADERS[col][1]) for col in (3, 10, 11)]))
    if not row:
        ws.write_string(1, 1, f"与上一轮「{label}」相比，没有项目发生变化", fmt.text)
    finish(ws, _CHANGE_HEADERS, row)
    return row

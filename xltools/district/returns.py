"""What goes back to the street offices: ``combine --returns DIR``.

Per 实施单位 a folder ``DIR/<实施单位>/`` with an annotated copy of every form of the round that has
errors (:func:`xltools.io.annotate.annotate_workbook`: 校验结果 filled, problem cells coloured, a
comment at each finding's cell) and one ``退回清单.xlsx``: a title block (unit, round, date, deadline,
the district's contact) and one row per problem (file, project, cell, what to fix), each row as tall
as its text. The input files are only read. Forms whose project entered the summary or that are of
another year are returned; copies and older versions are not. Every file that could not be summarised
(another format, unreadable, encrypted, not the template …) is named in the 退回清单 of the unit whose
folder it came from, with what to do next.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import xlsxwriter

from xltools.core import Policy
from xltools.core.errors import UserError, os_reason
from xltools.core.text import wrapped_lines
from xltools.district.discover import CombineError
from xltools.district.process import watch_parent
from xltools.district.results import FATE_TEXT
from xltools.district.store import Store
from xltools.district.verdicts import Verdict, outcomes
from xltools.io.archives import is_archive_name, split_task
from xltools.io.files import atomic_output

__all__ = ["write_returns", "RETURN_LIST", "REVIEW_LEVEL", "reviewer_line", "unit_folder", "is_returns_folder",
           "NOT_SUMMARISED", "NEXT_STEP", "not_summarised_text",
           "unit_of_folders", "ReturnNotice"]

RETURN_LIST = "退回清单.xlsx"
_HEADERS = (("序号", 6), ("文件", 36), ("项目名称", 24), ("单元格", 12), ("级别", 6), ("代码", 22),
            ("要改什么", 70))
_LEVEL = {"error": "错误", "warning": "警告"}
#: 级别 of the row that carries the reviewer's opinion.
REVIEW_LEVEL = "复核"
#: Where a file lies in no unit's folder (or a folder no form names).
NO_UNIT = "未能确定实施单位"
#: Fates of files that did not enter the summary and whose unit must hear of it, with the next step.
NEXT_STEP: dict[str, str] = {
    "skipped": "不是自评表的文件请移出报送文件夹；若它是要报送的自评表，请用区里下发的模板（.xlsx）填写后重新报送",
    "unreadable": "请用 Excel 或 WPS 打开该文件，确认内容完好后另存为 .xlsx，重新报送",
    "encrypted": "请去掉文件的打开密码（另存时取消密码）后重新报送",
    "too-large": "请删除表中多余的图片、空行或工作表，另存为 .xlsx 后重新报送",
    "not-template": "请用区里下发的本年度自评表模板填写后重新报送",
    "unknown-version": "请用区里下发的本年度自评表模板重新填写后报送",
    "internal-error": "请把该文件交区财政局，由区里检查原因",
}
NOT_SUMMARISED = tuple(NEXT_STEP)


def not_summarised_text(fate: str, reason: str | None) -> str:
    """What a file that did not enter the summary is told, wherever it is named (the screen, its unit's
    退回清单, the district page): its fate, the reason and the next step."""
    why = reason.rstrip("。；; ") if reason else FATE_TEXT[fate]
    return f"{FATE_TEXT[fate]}，{why}。{NEXT_STEP[fate]}"


def is_returns_folder(folder: Path) -> bool:
    """Whether ``folder`` is what ``--returns`` wrote before (so ``--force`` may write into it again): only
    folders, each with its 退回清单.xlsx. A folder of anything else is never written into."""
    try:
        entries = list(folder.iterdir())
        return all(entry.is_dir() and not entry.is_symlink() and (entry / RETURN_LIST).is_file() for entry in entries)
    except OSError:
        return False


def unit_folder(unit: str) -> str:
    """A folder name for a 实施单位 (characters a file system refuses become _)."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", unit).strip(" .")
    return name or "未填实施单位"


def _annotate(task: tuple[str, str, Policy | None, dt.date]) -> str:
    """One annotated copy (in a worker); the error message instead of raising, so one file cannot stop the rest."""
    from xltools.io.annotate import annotate_workbook  # imported by write_returns before the workers start

    source, target, policy, today = task
    try:
        annotate_workbook(Path(source), Path(target), policy=policy, today=today, force=True)
    except UserError as exc:
        return str(exc)
    return ""


@dataclass(frozen=True)
class ReturnNotice:
    """The title block of every 退回清单 of a run: the district's deadline and contact (``--deadline``,
    ``--contact``; plain texts, shown as given)."""

    deadline: str | None = None
    contact: str | None = None


def unit_of_folders(store: Store, round_id: int) -> dict[str, str]:
    """Folder (of the shown path) → the 实施单位 most forms in it name."""
    votes: dict[str, Counter[str]] = {}
    for path, unit in store.db.execute("SELECT path, unit FROM files WHERE round=? AND unit IS NOT NULL AND unit<>''",
                                       (round_id,)):
        votes.setdefault(str(PurePosixPath(path).parent), Counter())[unit] += 1
    return {folder: counts.most_common(1)[0][0] for folder, counts in votes.items()}


def _unit_for(path: str, folders: dict[str, str]) -> str:
    """The unit of a file no form could be read from: the unit of its folder's forms, else the folder's name
    (a file right in an input folder has no unit folder); for a member of a ``.zip``, the folder of the archive
    when no form was read from the archive's own folder."""
    shown = PurePosixPath(path)
    folder = shown.parent
    while str(folder) not in folders and is_archive_name(folder.name):
        folder = folder.parent  # a member of a mail attachment: the folder the attachment lies in
    if str(folder) in folders:
        return folders[str(folder)]
    return folder.name if len(folder.parts) >= 2 else NO_UNIT


def write_returns(store: Store, round_id: int, folder: Path, policy: Policy | None,
                  today: dt.date, jobs: int = 1, notice: ReturnNotice | None = None) -> dict[str, object]:
    """Write the returns folder of a round; what the --json report says of it."""
    # openpyxl and its annotating only with --returns (not at every combine's start), and here, before
    # the workers are forked, so that they inherit them
    import xltools.io.annotate  # noqa: F401
    try:
        return _write_returns(store, round_id, folder, policy, today, jobs, notice or ReturnNotice())
    except OSError as exc:  # a folder that cannot be made (read-only mount, full disk)
        raise CombineError(f"无法写入退回文件夹 {folder}：{os_reason(exc)}") from exc


def _write_returns(store: Store, round_id: int, folder: Path, policy: Policy | None,
                   today: dt.date, jobs: int, notice: ReturnNotice) -> dict[str, object]:
    folder.mkdir(parents=True, exist_ok=True)
    sent_back = {o.path: o.verdict for o in outcomes(store, round_id) if o.returned}  # the reviewer's 退回
    store.db.execute("DROP TABLE IF EXISTS temp.sent_back")
    store.db.execute("CREATE TEMP TABLE sent_back (path TEXT PRIMARY KEY)")
    store.db.executemany("INSERT INTO temp.sent_back VALUES (?)", [(path,) for path in sent_back])
    rows = store.db.execute(
        "SELECT unit, path, source, name, sha256, config, format, fate FROM files WHERE round=? AND (errors > 0 "
        "OR path IN (SELECT path FROM temp.sent_back)) AND fate IN ('ok','tampered','other-layout','wrong-year') "
        "ORDER BY unit, path", (round_id,)).fetchall()
    names: dict[str, set[str]] = {}
    targets: list[str] = []
    for unit, path, *_ in rows:
        taken = names.setdefault(unit, set())
        stem, suffix = Path(path).stem, Path(path).suffix
        file_name, n = Path(path).name, 1
        while file_name in taken:
            n += 1
            file_name = f"{stem}（{n}）{suffix}"
        taken.add(file_name)
        (folder / unit_folder(unit)).mkdir(exist_ok=True)
        targets.append(file_name)
    # an annotated copy is the workbook itself with notes: only for a .xlsx/.xlsm on disk (a legacy format or a
    # member of an archive is listed in 退回清单 with the cells to fix, and no copy)
    # (nor for a form of another layout: it is not the template whose cells the copy marks)
    copied = [row[6] in ("xlsx", "xlsm", "") and row[7] != "other-layout" and split_task(row[2]) is None
              for row in rows]
    tasks = [(row[2], str(folder / unit_folder(row[0]) / name), policy, today)
             for row, name, copy in zip(rows, targets, copied) if copy]
    if jobs > 1 and len(tasks) > 4:
        with ProcessPoolExecutor(max_workers=jobs, initializer=watch_parent) as pool:
            failures = list(pool.map(_annotate, tasks, chunksize=max(1, len(tasks) // (jobs * 4))))
    else:
        failures = [_annotate(task) for task in tasks]
    for (_, path, *_rest), failure in zip([row for row, copy in zip(rows, copied) if copy], failures):
        if failure:
            raise CombineError(f"为「{path}」写批注副本失败：{failure}")
    listings: dict[str, list[tuple[str, str, str, str, str, str]]] = {unit: [] for unit in names}
    for (unit, path, _, name, sha256, config, _, _), file_name, copy in zip(rows, targets, copied):
        if not copy:
            file_name = f"{file_name}（未附批注副本：请按本清单修改，并改用 .xlsx 模板填报）"
        verdict = sent_back.get(path)
        if verdict is not None:  # the reviewer's opinion first, beside the file's findings
            listings[unit].append((file_name, name, "—", REVIEW_LEVEL, verdict.action, reviewer_line(verdict)))
        for sheet, cell, code, severity, message in store.db.execute(
                "SELECT sheet, cell, code, severity, message FROM findings WHERE sha256=? AND config=? "
                "ORDER BY severity, n", (sha256, config)):
            listings[unit].append((file_name, name, f"{sheet}!{cell}" if sheet else cell, _LEVEL[severity], code,
                                   message))
    marks = ",".join("?" * len(NOT_SUMMARISED))
    unread = store.db.execute(f"SELECT path, fate, reason FROM files WHERE round=? AND fate IN ({marks}) ORDER BY path",
                              (round_id, *NOT_SUMMARISED)).fetchall()
    folders = unit_of_folders(store, round_id)
    for path, fate, reason in unread:
        unit = _unit_for(path, folders)
        listings.setdefault(unit, []).append((PurePosixPath(path).name, "（未能汇总）", "—", "错误", fate,
                                              not_summarised_text(fate, reason)))
    (label,) = store.db.execute("SELECT label FROM rounds WHERE id=?", (round_id,)).fetchone()
    for unit, listing in listings.items():
        (folder / unit_folder(unit)).mkdir(exist_ok=True)
        title = (unit, label, today, notice)
        _write_list(folder / unit_folder(unit) / RETURN_LIST, listing, title)
    return {"returns": str(folder), "returned": len(rows), "returned_units": len(listings),
            "returned_without_copy": copied.count(False),
            "not_summarised": [{"path": path, "fate": fate, "unit": _unit_for(path, folders)}
                               for path, fate, _ in unread]}


def reviewer_line(verdict: Verdict) -> str:
    """The 退回清单's text for a reviewer's 退回修改 or 整改: the decision, who and when, the opinion."""
    who = "，".join(part for part in (f"复核人 {verdict.reviewer}" if verdict.reviewer else "",
                                      verdict.reviewed_on.isoformat() if verdict.reviewed_on else "") if part)
    opinion = verdict.opinion or "（复核人未写意见，请向区财政局询问）"
    return f"复核{verdict.action}{f'（{who}）' if who else ''}：{opinion}"


def _write_list(path: Path, rows: list[tuple[str, str, str, str, str, str]],
                title: tuple[str, str, dt.date, ReturnNotice]) -> None:
    unit, label, today, notice = title
    with atomic_output(path, force=True) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                              "strings_to_numbers": False})
        big = book.add_format({"bold": True, "font_size": 16, "font_name": "宋体", "align": "center",
                               "valign": "vcenter"})
        info = book.add_format({"font_name": "宋体", "font_size": 11, "text_wrap": True, "valign": "vcenter"})
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_name": "宋体",
                                "text_wrap": True, "valign": "vcenter"})
        text = book.add_format({"border": 1, "font_name": "宋体", "text_wrap": True, "valign": "top"})
        bad = book.add_format({"border": 1, "font_name": "宋体", "font_color": "#C00000", "valign": "top"})
        ws = book.add_worksheet("退回清单")
        last = len(_HEADERS) - 1
        when = f"请于 {notice.deadline} 前改正下列问题" if notice.deadline else "请尽快改正下列问题（未规定期限）"
        contact = notice.contact or "（请向区财政局绩效科询问）"
        lines = [f"实施单位：{unit}　　　轮次：{label}　　　退回日期：{today.isoformat()}",
                 f"{when}，重新报送整份表；联系人：{contact}",
                 "红色“错误”必须改正；“警告”请核对，确认无误可不改。带批注的副本在本文件夹中，问题单元格已标色。"]
        if any(row[3] == REVIEW_LEVEL for row in rows):
            lines[2] += "级别为“复核”的行是区里复核人的意见，请按意见修改（退回修改）或整改（整改）。"
        ws.merge_range(0, 0, 0, last, "朝阳区项目支出绩效自评表退回清单", big)
        ws.set_row(0, 30)
        width = sum(w for _, w in _HEADERS)
        for i, line in enumerate(lines, start=1):
            ws.merge_range(i, 0, i, last, line, info)
            ws.set_row(i, 16 * wrapped_lines(line, width))
        top = len(lines) + 1
        for col, (label_text, col_width) in enumerate(_HEADERS):
            ws.set_column(col, col, col_width)
            ws.write_string(top, col, label_text, head)
        ws.freeze_panes(top + 1, 0)
        for n, values in enumerate(rows, start=1):
            row = top + n
            ws.write_number(row, 0, n, text)
            for col, value in enumerate(values, start=1):
                ws.write_string(row, col, value, bad if col == 4 and value == "错误" else text)
            tallest = max(wrapped_lines(value, _HEADERS[col][1]) for col, value in enumerate(values, start=1))
            ws.set_row(row, 15 * tallest + 3)
        ws.autofilter(top, 0, top + max(len(rows), 1), last)
        ws.repeat_rows(top)
        ws.set_paper(9)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
        ws.set_header(f"&L{unit.replace('&', '&&')}&R退回清单·{label.replace('&', '&&')}")
        ws.set_footer("&C第 &P 页，共 &N 页")
        book.close()

"""What goes back to the street offices: ``combine --returns DIR``.

Per 实施单位 a folder ``DIR/<实施单位>/`` with an annotated copy of every form of the round that has
errors (:func:`xltools.io.annotate.annotate_workbook`: 校验结果 filled, problem cells coloured, a
comment at each finding's cell) and one ``退回清单.xlsx`` (file, project, cell, what to fix). The
input files are only read. Forms whose project entered the summary or that are of another year are
returned; copies, older versions and files that are not forms are not.
"""

from __future__ import annotations

import datetime as dt
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import xlsxwriter

from xltools.core import Policy
from xltools.core.errors import UserError, os_reason
from xltools.district.discover import CombineError
from xltools.district.process import watch_parent
from xltools.district.store import Store
from xltools.io.annotate import annotate_workbook
from xltools.io.archives import split_task
from xltools.io.files import atomic_output

__all__ = ["write_returns", "RETURN_LIST", "unit_folder", "is_returns_folder"]

RETURN_LIST = "退回清单.xlsx"
_HEADERS = (("序号", 6), ("文件", 36), ("项目名称", 24), ("单元格", 12), ("级别", 6), ("代码", 22),
            ("要改什么", 70))
_LEVEL = {"error": "错误", "warning": "警告"}


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
    source, target, policy, today = task
    try:
        annotate_workbook(Path(source), Path(target), policy=policy, today=today, force=True)
    except UserError as exc:
        return str(exc)
    return ""


def write_returns(store: Store, round_id: int, folder: Path, policy: Policy | None,
                  today: dt.date, jobs: int = 1) -> dict[str, object]:
    """Write the returns folder of a round; what the --json report says of it."""
    try:
        return _write_returns(store, round_id, folder, policy, today, jobs)
    except OSError as exc:  # a folder that cannot be made (read-only mount, full disk)
        raise CombineError(f"无法写入退回文件夹 {folder}：{os_reason(exc)}") from exc


def _write_returns(store: Store, round_id: int, folder: Path, policy: Policy | None,
                   today: dt.date, jobs: int) -> dict[str, object]:
    folder.mkdir(parents=True, exist_ok=True)
    rows = store.db.execute(
        "SELECT unit, path, source, name, sha256, config, format FROM files WHERE round=? AND errors > 0 "
        "AND fate IN ('ok','tampered','wrong-year') ORDER BY unit, path", (round_id,)).fetchall()
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
    copied = [fmt in ("xlsx", "xlsm", "") and split_task(row[2]) is None for row, fmt in zip(rows, (r[6] for r in rows))]
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
    for unit in names:
        listing = []
        for (row_unit, _, _, name, sha256, config, _), file_name, copy in zip(rows, targets, copied):
            if row_unit != unit:
                continue
            if not copy:
                file_name = f"{file_name}（未附批注副本：请按本清单修改，并改用 .xlsx 模板填报）"
            for sheet, cell, code, severity, message in store.db.execute(
                    "SELECT sheet, cell, code, severity, message FROM findings WHERE sha256=? AND config=? "
                    "ORDER BY severity, n", (sha256, config)):
                listing.append((file_name, name, f"{sheet}!{cell}" if sheet else cell, _LEVEL[severity], code,
                                message))
        _write_list(folder / unit_folder(unit) / RETURN_LIST, listing)
    return {"returns": str(folder), "returned": len(rows), "returned_units": len(names),
            "returned_without_copy": copied.count(False)}


def _write_list(path: Path, rows: list[tuple[str, str, str, str, str, str]]) -> None:
    with atomic_output(path, force=True) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                              "strings_to_numbers": False})
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_name": "宋体",
                                "text_wrap": True, "valign": "vcenter"})
        text = book.add_format({"border": 1, "font_name": "宋体", "text_wrap": True, "valign": "top"})
        bad = book.add_format({"border": 1, "font_name": "宋体", "font_color": "#C00000", "valign": "top"})
        ws = book.add_worksheet("退回清单")
        for col, (label, width) in enumerate(_HEADERS):
            ws.set_column(col, col, width)
            ws.write_string(0, col, label, head)
        ws.freeze_panes(1, 0)
        for row, values in enumerate(rows, start=1):
            ws.write_number(row, 0, row, text)
            for col, value in enumerate(values, start=1):
                ws.write_string(row, col, value, bad if col == 4 and value == "错误" else text)
        ws.autofilter(0, 0, max(len(rows), 1), len(_HEADERS) - 1)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        book.close()

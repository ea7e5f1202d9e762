"""``xltools fill --targets``: one prefilled form (template 1.2) per project of a 绩效目标表.

Each form is ``DIR/<实施单位>/<项目名称>.xlsx`` (names made safe for Windows), filled from the current
template with as many indicator rows as the project needs. The approved cells hold the approved values,
locked and shaded grey; what the clerk reports stays open. The approved targets travel inside the
workbook: the very hidden, protected sheet 批复目标 and their digest on 模板信息
(:mod:`xltools.form.approved` reads them back).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import PatternFill, Protection

from xltools.core import Form
from xltools.core.errors import UserError
from xltools.core.targets import TargetProject, project_digest
from xltools.excel.template import template_bytes
from xltools.form.layout import DEFAULT_PASSWORD, DEFAULT_YEAR, META_SHEET, SHEET, Layout
from xltools.form.layout_v1_2 import APPROVED_FILL, TARGET_FIELDS, TARGET_PARTS, LayoutV1_2
from xltools.form.registry import current_layout
from xltools.io.fill import fill_template
from xltools.io.files import OutputExistsError

__all__ = ["prefill_forms", "write_prefilled", "safe_name", "form_paths", "PrefillError"]

#: Windows refuses these as file or folder names, whatever the extension.
_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                       *(f"LPT{i}" for i in range(1, 10))})
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
#: Characters of a name kept (a Windows path stays well under 260 characters).
_NAME_CHARS = 60


class PrefillError(UserError):
    """The prefilled forms cannot be written (message in Chinese)."""


def safe_name(text: object, fallback: str) -> str:
    """A file or folder name for ``text``: characters Windows refuses become ``_``, no trailing dot or blank,
    no reserved device name (CON, NUL …), at most :data:`_NAME_CHARS` characters."""
    name = _UNSAFE.sub("_", " ".join(str(text or "").split())).strip(" .")[:_NAME_CHARS].strip(" .")
    if not name:
        return fallback
    if name.split(".")[0].upper() in _RESERVED:
        name = f"{name}_"
    return name


def form_paths(projects: Sequence[TargetProject], folder: Path) -> list[Path]:
    """``folder/<实施单位>/<项目名称>.xlsx`` per project; two projects whose names become one get （2）, （3）…"""
    taken: set[str] = set()
    paths = []
    for project in projects:
        unit = safe_name(project.unit, "未填实施单位")
        stem = safe_name(project.name, "未填项目名称")
        candidate, n = f"{unit}/{stem}", 1
        while candidate.casefold() in taken:  # Windows compares names without case
            n += 1
            candidate = f"{unit}/{stem}（{n}）"
        taken.add(candidate.casefold())
        paths.append(folder / f"{candidate}.xlsx")
    return paths


@lru_cache(maxsize=8)
def _template(year: int, rows: int) -> bytes:
    return template_bytes(year=year, rows=rows)


def _lock(book: Workbook, layout: Layout, project: TargetProject, password: str) -> None:
    """Lock and shade the approved cells; add the very hidden sheet 批复目标 and the digest on 模板信息."""
    assert isinstance(layout, LayoutV1_2), "the current template is 1.2"
    ws = book[SHEET]
    grey = PatternFill("solid", fgColor=APPROVED_FILL.lstrip("#"))
    spots = {spot.cell: spot for spot in layout.all_spots()}
    for cell in layout.approved_cells(len(project.indicators)):
        ws[cell].protection = Protection(locked=True)
        merge = spots[cell].merge
        for row in ws[merge] if merge else ((ws[cell],),):
            for part in row:
                part.fill = grey
    sheet = book.create_sheet(layout.targets_sheet)
    for key, label in TARGET_FIELDS:
        sheet[layout.target_label_cell(key)] = label
        sheet[layout.target_field_cell(key)] = getattr(project, key)
    for part, header in TARGET_PARTS:
        sheet[layout.target_cell(-1, part)] = header
    for index, indicator in enumerate(project.indicators):
        for part, _ in TARGET_PARTS:
            cell = sheet[layout.target_cell(index, part)]
            cell.value = getattr(indicator, part)
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula
    sheet.sheet_state = "veryHidden"
    sheet.protection.sheet = True
    sheet.protection.password = password
    meta = book[META_SHEET]
    meta[layout.digest_key_cell] = layout.digest_key
    meta[layout.digest_cell] = project_digest(project)


def prefill_forms(projects: Sequence[TargetProject], folder: Path | str, *, year: int = DEFAULT_YEAR,
                  force: bool = False, password: str = DEFAULT_PASSWORD) -> list[Path]:
    """Write one prefilled form per project under ``folder``; refuses existing files unless ``force``."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise PrefillError(f"输出文件夹 {folder} 已存在且不是文件夹；请换一个位置")
    paths = form_paths(projects, folder)
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        raise OutputExistsError(f"{folder} 中已有 {len(existing)} 个同名的表（如 {existing[0]}）：如需覆盖请加 --force")
    for project, path in zip(projects, paths):
        if not project.indicators:
            raise PrefillError(f"项目“{project.title}”（绩效目标表第 {project.row} 行）没有绩效指标；请在绩效目标表中补上")
        write_prefilled(project.form(year), project, path, year=year, force=force, password=password)
    return paths


def write_prefilled(form: Form, project: TargetProject, path: Path | str, *, year: int = DEFAULT_YEAR,
                    force: bool = False, password: str = DEFAULT_PASSWORD) -> Path:
    """Write ``form`` (the approved cells as ``project`` says, the rest as the clerk filled them, or empty) as a
    prefilled 1.2 form: ``project``'s approved cells locked, its targets carried in the workbook."""
    rows = max(len(project.indicators), sum(1 for ind in form.indicators if not ind.is_empty()), current_layout().rows)
    if rows > 200:
        raise PrefillError(f"项目“{project.title}”有 {len(project.indicators)} 条绩效指标，超过模板上限 200 条")
    return fill_template(form, path, _template(year, rows), force=force,
                         finish=lambda book, layout: _lock(book, layout, project, password))

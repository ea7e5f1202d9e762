"""The 绩效目标表 as a workbook: a blank one to fill (:func:`write_targets_template`) and reading one
(:func:`read_targets`, through the one list reader :mod:`xltools.io.listbook`), and the --expect list of
projects that must report (:func:`read_expected_list`, through the same reader)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import xlsxwriter

from xltools.core.listbook import ListError
from xltools.core.parse import normalize_text
from xltools.core.targets import (
    EXPECT_SPEC,
    TARGETS_HEADERS,
    TARGETS_SHEET,
    TARGETS_SPEC,
    TargetProject,
    Targets,
    build_targets,
)
from xltools.io.files import atomic_output
from xltools.io.listbook import ListTable, open_list, read_list

__all__ = ["write_targets_template", "write_targets", "read_targets", "read_expected_list", "TargetsFile", "TARGETS_NAME"]

#: The default file name of a 绩效目标表.
TARGETS_NAME = "绩效目标表.xlsx"
_WIDTHS = (14, 18, 16, 26, 12, 40, 12, 14, 24, 16, 8)
_GUIDE_SHEET = "填写说明"
_GUIDE = (
    "绩效目标表：每个项目批复的绩效目标，在工作表「绩效目标」中每行一条绩效指标。",
    "项目的列（项目代码、实施单位、主管部门、项目名称、年初预算数、年度总体目标）可每行重复，也可只写在项目的第一行（下面留空或合并单元格）。",
    "一级指标、二级指标在同一项目内可只写在第一行（下面留空或合并）。项目代码、分值可不填；年初预算数以万元为单位（表头写“（元）”时按元读取）。",
    "列的顺序可以调整，多出的列不读；预算系统导出的表头“年度指标值”“指标名称”“预算数”等也能识别。",
    "同一项目只能出现一次（按项目代码，无代码时按实施单位 + 项目名称）。检查：xltools targets check 绩效目标表.xlsx",
)


class TargetsFile:
    """A read 绩效目标表: its projects and the list it came from (for cells in messages)."""

    def __init__(self, table: ListTable, targets: Targets) -> None:
        self.table = table
        self.targets = targets

    @property
    def path(self) -> str:
        return self.table.path

    @property
    def sheet(self) -> str:
        return self.table.sheet


def read_targets(path: Path | str) -> TargetsFile:
    """The 绩效目标表 at ``path`` (sheet 绩效目标, else the first); :class:`ListError` names file, sheet, row."""
    table, rows = open_list(path, TARGETS_SPEC, sheet=TARGETS_SHEET, raw=True)  # build_targets converts what it keeps
    try:
        targets = build_targets(TARGETS_SPEC.rows(table.header, rows), table.header, sheet=table.sheet,
                                source=str(path))
    except ListError as exc:
        raise ListError(exc.message, file=path, sheet=table.sheet) from exc
    if not targets.projects:
        raise ListError(f"第 {table.header.row} 行表头以下没有任何项目；请每行填写一条绩效指标", file=path,
                        sheet=table.sheet)
    return TargetsFile(table, targets)


def read_expected_list(path: Path | str) -> list[tuple[str, str]]:
    """The (实施单位, 项目名称) of each row of an --expect list (its first sheet), normalised as projects are
    compared; :class:`ListError` names file, sheet, row."""
    table = read_list(path, EXPECT_SPEC)
    return [(normalize_text(r.get("unit")), normalize_text(r.get("name"))) for r in table.records]


def write_targets_template(path: Path | str, *, force: bool = False) -> None:
    """A blank 绩效目标表: sheet 绩效目标 with the header row and a note, frozen below the header."""
    write_targets(path, (), force=force)


def write_targets(path: Path | str, projects: Sequence[TargetProject], *, force: bool = False) -> None:
    """A 绩效目标表 holding ``projects`` (project columns repeated on every row), atomically."""
    with atomic_output(path, force=force) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False})
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                "valign": "vcenter", "align": "center"})
        text = book.add_format({"text_wrap": True, "valign": "top", "border": 1})
        note = book.add_format({"text_wrap": True, "valign": "top"})
        ws = book.add_worksheet(TARGETS_SHEET)
        for col, (title, width) in enumerate(zip(TARGETS_HEADERS, _WIDTHS)):
            ws.set_column(col, col, width)
            ws.write_string(0, col, title, head)
        ws.set_row(0, 30)
        ws.freeze_panes(1, 0)
        row = 1
        for project in projects:
            for ind in project.indicators or ():
                values = (project.code, project.unit, project.department, project.name, project.budget, project.goal,
                          ind.level1, ind.level2, ind.name, ind.target, ind.weight)
                for col, value in enumerate(values):
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        ws.write_number(row, col, value, text)
                    elif value is not None:
                        ws.write_string(row, col, str(value), text)
                row += 1
        guide = book.add_worksheet(_GUIDE_SHEET)
        guide.set_column(0, 0, 100)
        for line, value in enumerate(_GUIDE):
            guide.write_string(line, 0, value, note)
        book.close()

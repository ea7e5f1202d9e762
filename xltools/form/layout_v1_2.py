"""Template version 1.2: forms prefilled from the approved targets (绩效目标表), approved cells locked.

The form sheet is 1.1's (same cells, formulas and in-sheet checks), plus:

* the *approved* cells (:attr:`LayoutV1_2.approved_paths`: 项目名称, 主管部门, 实施单位, 年初预算数,
  年度总体目标·预期目标 and every indicator's 一级/二级/三级/指标值/分值). In a blank 1.2 template they are
  input cells like in 1.1; in a form prefilled by ``xltools fill --targets`` they hold the approved values
  and are **locked** (the tamper check then expects them locked, not open);
* a very hidden, protected sheet 批复目标 (:data:`TARGETS_SHEET`) holding the approved targets the form was
  prefilled from, and their digest on 模板信息 (:attr:`LayoutV1_2.digest_key_cell` / ``digest_cell``,
  below the metadata keys every version shares), so a form checked without the targets file still knows
  them, and a target retyped after the protection was removed is drift (and the unlocked cell tamper);
* a note in the results column (outside the print area) saying which cells are approved.

Every cell address of the 批复目标 sheet lives here.
"""

from __future__ import annotations

from functools import cached_property
from typing import ClassVar

from xltools.form.layout import Label
from xltools.form.layout_v1_1 import LayoutV1_1

__all__ = ["LayoutV1_2", "TARGETS_SHEET", "APPROVED_FILL", "TARGET_FIELDS", "TARGET_PARTS"]

#: The very hidden sheet with the approved targets of a prefilled form.
TARGETS_SHEET = "批复目标"
#: The shading of approved (locked) cells in a prefilled form: light grey, "given, not yours to type".
APPROVED_FILL = "#E7E6E6"
#: The project fields on 批复目标, in its rows 1…: (key, label); the keys are TargetProject's.
TARGET_FIELDS: tuple[tuple[str, str], ...] = (
    ("code", "项目代码"), ("unit", "实施单位"), ("department", "主管部门"), ("name", "项目名称"),
    ("budget", "年初预算数（万元）"), ("goal", "年度总体目标"))
#: The indicator columns on 批复目标: (TargetIndicator attribute, header).
TARGET_PARTS: tuple[tuple[str, str], ...] = (
    ("level1", "一级指标"), ("level2", "二级指标"), ("name", "三级指标"), ("target", "指标值"), ("weight", "分值"))
_INDICATOR_PARTS = ("level1", "level2", "name", "target", "weight")


class LayoutV1_2(LayoutV1_1):
    """Template version 1.2 (see the module docstring)."""

    version: ClassVar[str] = "1.2"
    targets_sheet: ClassVar[str] = TARGETS_SHEET
    #: The digest of the approved targets on 模板信息 (its key's cell and its value's cell).
    digest_key_cell: ClassVar[str] = "A8"
    digest_cell: ClassVar[str] = "B8"
    digest_key: ClassVar[str] = "targets_digest"
    #: On 批复目标: project fields in column A (labels) and B (values) from row 1; the indicator table's
    #: header row and its first row (columns A–E).
    targets_value_column: ClassVar[str] = "B"
    targets_header_row: ClassVar[int] = 8
    #: The note on approved cells (results column, outside the print area).
    approved_note_row: ClassVar[int] = 12

    def approved_paths(self, indicators: int) -> tuple[str, ...]:
        """The approved fields of a form prefilled with ``indicators`` indicators (model paths)."""
        return ("project_name", "department", "implementing_unit", "funds.total.initial_budget", "goal_expected",
                *(f"indicators[{i}].{part}" for i in range(min(indicators, self.rows)) for part in _INDICATOR_PARTS))

    def approved_cells(self, indicators: int) -> tuple[str, ...]:
        """The cells of :meth:`approved_paths` on the form sheet."""
        return tuple(self.spot(path).cell for path in self.approved_paths(indicators))

    @staticmethod
    def target_field_cell(key: str) -> str:
        """The value cell of a project field on 批复目标."""
        index = [k for k, _ in TARGET_FIELDS].index(key)
        return f"{LayoutV1_2.targets_value_column}{index + 1}"

    @staticmethod
    def target_label_cell(key: str) -> str:
        index = [k for k, _ in TARGET_FIELDS].index(key)
        return f"A{index + 1}"

    @staticmethod
    def target_cell(index: int, part: str) -> str:
        """The cell of an approved indicator's ``part`` on 批复目标 (``index`` from 0)."""
        column = "ABCDE"[[p for p, _ in TARGET_PARTS].index(part)]
        return f"{column}{LayoutV1_2.targets_header_row + 1 + index}"

    def extra_fingerprint(self) -> dict[str, object]:
        return {"approved": list(self.approved_paths(self.rows)), "targets_sheet": self.targets_sheet,
                "digest": [self.digest_key, self.digest_key_cell, self.digest_cell],
                "fields": [(k, label, self.target_field_cell(k)) for k, label in TARGET_FIELDS],
                "parts": [(p, header, self.target_cell(0, p)) for p, header in TARGET_PARTS]}

    @cached_property
    def labels(self) -> tuple[Label, ...]:
        return (*super().labels,
                Label(self.result_cell(self.approved_note_row), "灰底为批复目标", style="note"))

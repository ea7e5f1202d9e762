"""Read a form by its labels from a grid of cells: a Word table or an Excel sheet of another layout.

Pure: no I/O. A reader in :mod:`xltools.io` turns its file into a :data:`Grid` (rows of
:class:`GridCell`, aligned by column; the cells of one merged cell share one ``key`` and one value,
as Word's grid and a spreadsheet's merged range show them) plus free text lines (a Word document's
paragraphs). :func:`read_labelled` finds the standard labels anywhere in it and reads

- header fields to the right of their label (``项目名称 | value``), or after a colon in one cell
  (``填表人：李冬梅 联系电话：64578491``), skipping empty spacer cells;
- 预期目标 / 实际完成情况 below their label;
- the fund block by its column headers (年初预算数 …) and row labels (年度资金总额 …);
- the indicator table by its column headers, one indicator per row below until a row with another
  label (总分, 填表人 …), joining split ``指标性质 | 指标值 | 度量单位`` columns.

Every value read is recorded with where it came from (``origins``: field path → the cell's ``where``).
A field whose label is not there, or whose label has no value cell, is a ``field-not-located`` finding:
it is left blank, never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from xltools.core.catalogue import FieldNotLocated
from xltools.core.findings import Finding
from xltools.core.model import Form
from xltools.form.labels import (
    FUND_ROWS_BY_LABEL,
    INDICATOR_COLUMNS,
    LABELS,
    STOP_KEYS,
    inline_pairs,
    label_key,
    plain_number,
    split_person_phone,
    title_year,
)

__all__ = ["GridCell", "Grid", "LabelledForm", "NotAForm", "read_labelled", "is_form_like"]

_NUMERIC = frozenset({"initial_budget", "annual_budget", "executed", "weight", "score", "total_score",
                      "budget_weight", "budget_score", "year"})
_AMOUNTS = ("initial_budget", "annual_budget", "executed")
_PARTS = ("level1", "level2", "name", "target", "actual", "weight", "score", "deviation")
_COMPARATORS = frozenset("≥≤><=＞＜≧≦")
_FUND_HEADER = ("initial_budget", "annual_budget", "executed", "rate", "weight", "score")
_FUND_NEEDS = frozenset({"annual_budget", "executed"})
_INDICATOR_NEEDS = frozenset({"level1", "level2", "name", "target", "actual"})


@dataclass(frozen=True, slots=True)
class GridCell:
    """One grid position: its value, where it is (``表1 第12行 第5列``, ``Sheet1!C7``) and which cell it
    belongs to (positions of one merged cell share ``key``, ``value`` and ``where``)."""

    value: object
    where: str
    key: object


Grid = Sequence[Sequence[GridCell]]


class NotAForm(ValueError):
    """The grid has neither a fund block nor an indicator table: it is no self-evaluation form."""


@dataclass(frozen=True)
class LabelledForm:
    """The form read by its labels, where each field came from, and what could not be located."""

    form: Form
    origins: dict[str, str]
    findings: tuple[Finding, ...] = field(default=())


@dataclass
class _Label:
    key: str
    row: int
    col: int
    cell: GridCell


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Reader:
    def __init__(self, grid: Grid, lines: Sequence[tuple[str, str]], source: str) -> None:
        self.grid = grid
        self.lines = lines
        self.source = source
        self.values: dict[str, object] = {}
        self.origins: dict[str, str] = {}
        self.findings: list[Finding] = []
        self.labels: list[_Label] = []
        self.fund_header: int | None = None
        self.indicator_header: tuple[int, dict[str, list[int]]] | None = None
        self.indicator_columns: dict[str, list[int]] = {}
        self.inline: list[tuple[str, str, GridCell | None, str]] = []  # key, value, cell, where
        seen: set[int] = set()
        for r, row in enumerate(grid):
            for c, cell in enumerate(row):
                if id(cell.key) in seen:
                    continue
                seen.add(id(cell.key))
                key = label_key(cell.value)
                if key:
                    self.labels.append(_Label(key, r, c, cell))
                else:
                    for pair in inline_pairs(cell.value):
                        self.inline.append((*pair, cell, cell.where))
        for text, where in lines:
            for pair in inline_pairs(text):
                self.inline.append((*pair, None, where))

    # --- finding labels and values ---------------------------------------------------------------

    def first(self, key: str) -> _Label | None:
        return next((lab for lab in self.labels if lab.key == key), None)

    def is_label(self, cell: GridCell) -> bool:
        return label_key(cell.value) is not None or bool(inline_pairs(cell.value))

    def right_of(self, lab: _Label) -> GridCell | None:
        """The value cell right of a label: the first non-empty one before the next label, else the first
        (empty) cell after the label; ``None`` when the label is followed by another label or nothing."""
        first: GridCell | None = None
        for cell in self.grid[lab.row][lab.col + 1:]:
            if cell.key is lab.cell.key:
                continue
            if self.is_label(cell):
                break
            if not _blank(cell.value):
                return cell
            first = first or cell
        return first

    def below(self, lab: _Label) -> GridCell | None:
        for row in self.grid[lab.row + 1:]:
            if lab.col >= len(row) or row[lab.col].key is lab.cell.key:
                continue
            cell = row[lab.col]
            return None if self.is_label(cell) else cell
        return None

    def put(self, path: str, cell: GridCell | None, value: object = None, *, where: str | None = None) -> None:
        if cell is not None:
            value = cell.value if value is None else value
            where = cell.where
        if _blank(value):
            value = None
        name = path.rsplit(".", 1)[-1]
        self.values[path] = plain_number(value) if name in _NUMERIC else value
        if where:
            self.origins[path] = where

    def missing(self, path: str, label: str, detail: str | None = None) -> None:
        if path != "indicators":
            self.values.setdefault(path, None)  # blank, not the model's default (分值 10 is no reading)
        params = {"detail": detail} if detail else {}
        self.findings.append(FieldNotLocated.at(path, label=label, source=self.source, **params))

    # --- the parts of the form -------------------------------------------------------------------

    def header(self) -> None:
        for key, path in (("project_name", "project_name"), ("department", "department"),
                          ("implementing_unit", "implementing_unit"), ("filled_on", "filled_on")):
            self.single(key, path)
        self.people()
        self.year()
        self.total()

    def single(self, key: str, path: str) -> None:
        lab = self.first(key)
        if lab is not None:
            cell = self.right_of(lab)
            if cell is None:
                self.missing(path, LABELS[key][0], "右侧的内容")
            else:
                self.put(path, cell)
            return
        inline = next((item for item in self.inline if item[0] == key), None)
        if inline is None:
            self.missing(path, LABELS[key][0])
        else:
            self.put(path, None, inline[1], where=inline[3])

    def _ordered(self) -> list[tuple[tuple[int, int], str, object, str | None]]:
        """项目负责人, 填表人, 联系电话 and the combined label, in reading order, with their values."""
        items: list[tuple[tuple[int, int], str, object, str | None]] = []
        for lab in self.labels:
            if lab.key in ("project_lead", "filled_by", "phone", "lead_and_phone"):
                cell = self.right_of(lab)
                items.append(((lab.row, lab.col), lab.key, cell, None))
        grid_rows = len(self.grid)
        for n, (key, value, cell, where) in enumerate(self.inline):
            if key in ("project_lead", "filled_by", "phone", "lead_and_phone"):
                pos = (grid_rows + n, 0)
                if cell is not None:
                    pos = next(((r, c) for r, row in enumerate(self.grid) for c, x in enumerate(row)
                                if x is cell), pos)
                items.append((pos, key, value, where))
        return sorted(items, key=lambda item: item[0])

    def people(self) -> None:
        """项目负责人 and 填表人 with their 联系电话: a phone belongs to the person label before it."""
        owner: str | None = None
        found: set[str] = set()
        for _, key, got, where in self._ordered():
            cell = got if isinstance(got, GridCell) else None
            value = cell.value if cell else got
            at = cell.where if cell else where
            if key == "lead_and_phone":
                name, phone = split_person_phone(_text(value))
                self.put("project_lead", None, name, where=at)
                self.put("lead_phone", None, phone, where=at)
                found |= {"project_lead", "lead_phone"}
                owner = None
            elif key in ("project_lead", "filled_by"):
                path = "project_lead" if key == "project_lead" else "filled_by"
                if path not in found:
                    self.put(path, cell, None if cell else value, where=at)
                    found.add(path)
                owner = "lead_phone" if key == "project_lead" else "filler_phone"
            elif key == "phone" and owner and owner not in found:
                self.put(owner, cell, None if cell else value, where=at)
                found.add(owner)
                owner = None
        for path, label in (("project_lead", "项目负责人"), ("lead_phone", "项目负责人的联系电话"),
                            ("filled_by", "填表人"), ("filler_phone", "填表人的联系电话")):
            if path not in found:
                self.missing(path, label)

    def year(self) -> None:
        lab = self.first("year")
        cell = self.right_of(lab) if lab else None
        if cell is not None:
            self.put("year", cell)
            return
        for row in self.grid:
            for cell in row:
                year = title_year(cell.value)
                if year:
                    self.put("year", None, year, where=cell.where)
                    return
        for text, where in self.lines:
            year = title_year(text)
            if year:
                self.put("year", None, year, where=where)
                return
        self.missing("year", "年度", "（如标题中的“（2020年度）”）")

    def total(self) -> None:
        lab = self.first("total_score")
        if lab is None:
            self.missing("total_score", "总分")
            return
        cell = None
        score_cols = self.indicator_columns.get("score", []) if self.indicator_header else []
        for col in score_cols:
            if col < len(self.grid[lab.row]) and self.grid[lab.row][col].key is not lab.cell.key:
                candidate = self.grid[lab.row][col]
                if not _blank(candidate.value):
                    cell = candidate
                    break
        cell = cell or self.right_of(lab)
        if cell is None:
            self.missing("total_score", "总分", "右侧的得分")
        else:
            self.put("total_score", cell)

    def goals(self) -> None:
        for key, path in (("goal_expected", "goal_expected"), ("goal_actual", "goal_actual")):
            lab = self.first(key)
            cell = None
            if lab is not None:  # below the label (the notice's layout), else to its right; a filled one first
                near = [c for c in (self.below(lab), self.right_of(lab)) if c is not None]
                cell = next((c for c in near if not _blank(c.value)), near[0] if near else None)
            if cell is None:
                self.missing(path, LABELS[key][0], "下方的内容" if lab else None)
            else:
                self.put(path, cell)

    # --- column tables ---------------------------------------------------------------------------

    def header_row(self, keys: Sequence[str], least: int, needs: frozenset[str]) -> \
            tuple[int, dict[str, list[int]]] | None:
        """The row holding most of ``keys`` as labels (at least ``least``, one of them in ``needs``), and
        each key's columns there; a row right below it that holds only labels (a two-row header) adds its
        columns."""
        best: tuple[int, int] | None = None
        for r, row in enumerate(self.grid):
            present = {label_key(cell.value) for cell in row}
            count = len(present & set(keys))
            if count >= least and present & needs and (best is None or count > best[1]):
                best = (r, count)
        if best is None:
            return None
        r = best[0]
        columns = self.columns_of(r, keys)
        nxt = r + 1
        if nxt < len(self.grid):
            above = self.grid[r]
            own = [cell for c, cell in enumerate(self.grid[nxt]) if c >= len(above) or cell.key is not above[c].key]
            if own and all(_blank(c.value) or label_key(c.value) in keys for c in own) \
                    and any(not _blank(c.value) for c in own):
                columns.update(self.columns_of(nxt, keys, below_of=r))
                r = nxt
        return r, columns

    def columns_of(self, r: int, keys: Sequence[str], below_of: int | None = None) -> dict[str, list[int]]:
        columns: dict[str, list[int]] = {}
        for c, cell in enumerate(self.grid[r]):
            if below_of is not None and c < len(self.grid[below_of]) and cell.key is self.grid[below_of][c].key:
                continue
            key = label_key(cell.value)
            if key in keys:
                columns.setdefault(key, []).append(c)
        return columns

    def at(self, r: int, cols: Sequence[int], header: int) -> GridCell | None:
        """The cell of row ``r`` under the header's columns ``cols`` (not a cell merged down from the header)."""
        row = self.grid[r]
        for c in cols:
            if c < len(row) and not (c < len(self.grid[header]) and row[c].key is self.grid[header][c].key):
                return row[c]
        return None

    def funds(self) -> None:
        found = self.header_row(_FUND_HEADER, 2, _FUND_NEEDS)
        if found is None:
            self.fund_header = None
            for part in _AMOUNTS:
                self.missing(f"funds.total.{part}", LABELS[part][0])
            self.missing("budget_weight", "分值", "（项目资金部分）")
            self.missing("budget_score", "得分", "（项目资金部分）")
            return
        head, columns = found
        self.fund_header = head
        rows: dict[str, int] = {}
        for lab in self.labels:
            if lab.key in FUND_ROWS_BY_LABEL and lab.row > head:
                rows.setdefault(FUND_ROWS_BY_LABEL[lab.key], lab.row)
        if "total" not in rows:  # no 年度资金总额 label: the first row under the header with an amount
            for r in range(head + 1, len(self.grid)):
                if any(self.at(r, columns.get(p, []), head) and not _blank(self.at(r, columns[p], head).value)
                       for p in _AMOUNTS if p in columns):
                    rows["total"] = r
                    break
        for fund in ("total", "fiscal", "carryover", "other"):
            if fund not in rows:
                continue
            r = rows[fund]
            for part in _AMOUNTS:
                cell = self.at(r, columns[part], head) if part in columns else None
                if cell is not None:
                    self.put(f"funds.{fund}.{part}", cell)
        for part in _AMOUNTS:
            if part not in columns:
                self.missing(f"funds.total.{part}", LABELS[part][0])
            elif "total" not in rows:
                self.missing(f"funds.total.{part}", "年度资金总额", "这一行")
        for part, path in (("weight", "budget_weight"), ("score", "budget_score")):
            cell = self.at(rows["total"], columns[part], head) if part in columns and "total" in rows else None
            if cell is None:
                self.missing(path, LABELS[part][0], "（项目资金部分）")
            else:
                self.put(path, cell)

    def indicators(self) -> list[dict[str, object]]:
        found = self.header_row(INDICATOR_COLUMNS, 2, _INDICATOR_NEEDS)
        self.indicator_header = found
        if found is None:
            self.missing("indicators", "绩效指标", "的表头（一级指标、二级指标、三级指标……）")
            return []
        head, columns = found
        self.indicator_columns = columns
        for part in _PARTS:
            if part not in columns:
                self.missing("indicators", LABELS[part][0], "这一栏（绩效指标表头）")
        first = self.grid[found[0]]
        self.origins["indicators"] = next((c.where for c in first if label_key(c.value) in INDICATOR_COLUMNS),
                                         first[0].where if first else "")
        rows: list[dict[str, object]] = []
        for r in range(head + 1, len(self.grid)):
            row = self.grid[r]
            if any(label_key(cell.value) in STOP_KEYS for cell in row) or \
                    any(inline_pairs(cell.value) for cell in row):
                break
            got: dict[str, GridCell] = {}
            own = False
            for part, cols in columns.items():
                cell = self.at(r, cols, head)
                if cell is None:
                    continue
                got[part] = cell
                above = self.grid[r - 1][cols[0]] if cols[0] < len(self.grid[r - 1]) else None
                if not _blank(cell.value) and (above is None or above.key is not cell.key):
                    own = True
            if own:
                rows.append(self.indicator(len(rows), got))
        return rows

    def indicator(self, index: int, got: dict[str, GridCell]) -> dict[str, object]:
        values: dict[str, object] = {}
        for part in _PARTS:
            cell = got.get(part)
            if cell is None:
                continue
            value = None if _blank(cell.value) else cell.value
            if part in ("weight", "score"):
                value = plain_number(value)
            values[part] = value
            self.origins[f"indicators[{index}].{part}"] = cell.where
        nature = _text(got["nature"].value) if "nature" in got else ""
        unit = _text(got["unit"].value) if "unit" in got else ""
        target = values.get("target")
        if (nature or unit) and not _blank(target):
            prefix = nature if nature and all(ch in _COMPARATORS for ch in nature) else ""
            text = _as_text(target).strip()
            values["target"] = f"{prefix}{text}{unit if unit and not text.endswith(unit) else ''}"
        actual = plain_number(values.get("actual"))
        if unit and isinstance(actual, (int, float)) and not isinstance(actual, bool):
            values["actual"] = f"{_as_text(actual)}{unit}"  # a bare number in the unit's column
        return values


def _as_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _nest(values: dict[str, object], indicators: list[dict[str, object]]) -> dict[str, object]:
    data: dict[str, object] = {"funds": {}}
    for path, value in values.items():
        if path.startswith("funds."):
            _, fund, part = path.split(".")
            data["funds"].setdefault(fund, {})[part] = value  # type: ignore[union-attr]
        else:
            data[path] = value
    funds = data["funds"]
    for fund in list(funds):  # type: ignore[union-attr]
        if all(value is None for value in funds[fund].values()):  # type: ignore[index]
            funds[fund] = None  # type: ignore[index]  # a blank 其中 row is no row, as in a JSON form
    data["indicators"] = indicators
    return data


def is_form_like(grid: Grid) -> bool:
    """Whether the grid holds a fund block or an indicator table by their column labels."""
    reader = _Reader(grid, (), "")
    return reader.header_row(INDICATOR_COLUMNS, 3, _INDICATOR_NEEDS) is not None or \
        reader.header_row(_FUND_HEADER, 2, _FUND_NEEDS) is not None


def read_labelled(grid: Grid, lines: Sequence[tuple[str, str]] = (), *, source: str) -> LabelledForm:
    """The form in ``grid`` read by its labels; ``lines`` are text outside the grid (text, where), e.g. a
    Word document's title and signature paragraphs; ``source`` names the grid in messages (``Word 表格``).

    Raises :class:`NotAForm` when the grid has neither a fund block nor an indicator table.
    """
    if not is_form_like(grid):
        raise NotAForm(source)
    reader = _Reader(grid, lines, source)
    indicators = reader.indicators()
    reader.funds()
    reader.header()
    reader.goals()
    from xltools.core.validation import from_data  # pydantic: a Word form's values are user data

    form = from_data(Form, _nest(reader.values, indicators))
    findings = tuple(f.at_cell(reader.origins.get(f.field)) for f in reader.findings)
    return LabelledForm(form, reader.origins, findings)

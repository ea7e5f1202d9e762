"""The district run's result model: each file's fate, its project and findings (small and picklable).

Workers send a :class:`FileResult` back per file; the summary writer, the ``--json`` report and the
add-in read them. No I/O here.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Literal

from xltools.core import Policy
from xltools.core.parse import normalize_text
from xltools.district.units import unit_sort_key

__all__ = ["Fate", "FATE_TEXT", "PROBLEM_FATES", "USED_FATES", "IndicatorRow", "ProjectRow", "FileResult", "UnitRow",
           "UnitSums", "unit_rows", "drift_counts", "grade_names", "grade_shown", "fate_label", "dumps_value",
           "loads_value", "Packed", "SHEET",
           "SHEETS", "GROUPS", "part_key", "part_index"]

Fate = Literal["ok", "tampered", "other-layout", "wrong-year", "duplicate", "superseded", "not-template", "unknown-version",
               "unreadable", "encrypted", "too-large", "skipped", "internal-error"]

#: Fates whose project enters 汇总: a form of ours (tampered or not) and a form of another layout read by its
#: labels (其他格式: summarised, listed under its own fate, never passed off as a template's form).
USED_FATES = ("ok", "tampered", "other-layout")

#: The Chinese name of every fate, as 文件清单 shows it.
FATE_TEXT: dict[str, str] = {
    "ok": "正常",
    "tampered": "模板被改动",
    "other-layout": "其他格式",
    "wrong-year": "年度不符",
    "duplicate": "重复文件",
    "superseded": "已被新版本取代",
    "not-template": "非本模板",
    "unknown-version": "未知模板版本",
    "unreadable": "无法读取",
    "encrypted": "已加密",
    "too-large": "文件过大",
    "skipped": "已跳过",
    "internal-error": "内部错误",
}

#: Fates that make a run exit 1 (something to look at), besides error findings.
PROBLEM_FATES = ("tampered", "other-layout", "wrong-year", "duplicate", "superseded", "not-template", "unknown-version", "unreadable",
                 "encrypted", "too-large", "internal-error")

#: Sheet names of the summary workbook, by role, in the workbook's order (the one table of them).
SHEET = {"projects": "汇总", "units": "按单位", "charts": "图表", "details": "项目信息", "indicators": "指标明细",
         "findings": "问题清单", "files": "文件清单"}
SHEETS = tuple(SHEET.values())

#: Level-1 indicator groups whose subtotals 汇总 shows.
GROUPS = ("产出指标", "效益指标", "满意度指标")


def _default(value: object) -> object:
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, dt.time):
        return {"h": value.isoformat()}
    return str(value)  # anything else a cell could give, as its text


def _hook(obj: dict) -> object:
    if len(obj) == 1:
        if "d" in obj:
            return dt.date.fromisoformat(obj["d"])
        if "t" in obj:
            return dt.datetime.fromisoformat(obj["t"])
        if "h" in obj:
            return dt.time.fromisoformat(obj["h"])
    return obj


_ENCODER = json.JSONEncoder(ensure_ascii=False, default=_default, separators=(",", ":"))  # as json.dumps, made once


def dumps_value(value: object) -> str:
    """JSON of result values, dates tagged (``{"d": "2025-01-20"}``); the results store's format."""
    return _ENCODER.encode(value)


_DECODER = json.JSONDecoder(object_hook=_hook)  # json.loads with a hook builds a decoder every call


def loads_value(text: str | bytes) -> object:
    """The inverse of :func:`dumps_value` (data only: nothing is executed or unpickled)."""
    if isinstance(text, (bytes, bytearray)):  # as json.loads reads bytes
        return _DECODER.decode(text.decode(json.detect_encoding(text), "surrogatepass"))
    if text.startswith("\ufeff"):
        return json.loads(text)  # json.loads's own error
    return _DECODER.decode(text)


class Packed(Sequence):
    """A list kept as its JSON text until first used (most sheets never look at a file's details or findings)."""

    __slots__ = ("_text", "_items")

    def __init__(self, text: str | None) -> None:
        self._text, self._items = text, None

    def _list(self) -> list:
        if self._items is None:
            self._items = [tuple(x) if isinstance(x, list) else x for x in loads_value(self._text)] if self._text else []
            self._text = None
        return self._items

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        return self._list()[index]

    def __len__(self) -> int:
        return len(self._list())

    def __iter__(self) -> Iterator:
        return iter(self._list())

    def __eq__(self, other: object) -> bool:
        return list(self._list()) == list(other) if isinstance(other, (list, tuple, Sequence)) else NotImplemented


@dataclass(slots=True)
class IndicatorRow:
    """One indicator of a project, as 指标明细 shows it (values as typed)."""

    level1: object
    level2: object
    name: object
    target: object
    actual: object
    weight: object
    self_score: object
    review_score: float | None
    deviation: object


_INDICATOR_FIELDS = tuple(f.name for f in fields(IndicatorRow))
#: A row's values in field order, one C-level call (not nine getattr in a comprehension).
_INDICATOR_VALUES = attrgetter(*_INDICATOR_FIELDS)


@dataclass(slots=True)
class ProjectRow:
    """One project's header, amounts and scores (small and picklable)."""

    year: str
    unit: str
    department: str
    name: str
    lead: str
    initial_budget: float | None
    annual_budget: float | None
    executed: float | None
    execution_rate: float | None
    budget_score: float
    subtotals: dict[str, float]
    self_total: float | None
    review_total: float | None  # None: not scored (weights-absent)
    grade: str | None  # None: not graded (未评级) or not scored (未评分)
    filled_on: dt.date | None
    packed_indicators: bytes = b""
    #: The form's remaining fields as typed, in :data:`DETAIL_HEADERS` order (sheet 项目信息).
    details: tuple[object, ...] = ()

    @property
    def indicators(self) -> list[IndicatorRow]:
        """The project's indicators (kept packed: a district has tens of thousands of them)."""
        return [IndicatorRow(*row) for row in self.indicator_tuples()]

    def indicator_tuples(self) -> list[tuple[object, ...]]:
        """The indicators as tuples in :class:`IndicatorRow` field order."""
        return list(map(tuple, loads_value(self.packed_indicators))) if self.packed_indicators else []  # type: ignore[call-overload]

    @staticmethod
    def pack(indicators: Sequence[IndicatorRow]) -> bytes:
        """What :attr:`packed_indicators` holds: JSON (:func:`dumps_value`), so the results store keeps
        it as it is and decodes it only when a sheet needs the indicators."""
        return dumps_value(list(map(_INDICATOR_VALUES, indicators))).encode()  # tuples encode as JSON arrays

    @property
    def year_value(self) -> int | str:
        """年度 as the summary shows it: a number where it is one (other text as typed)."""
        return int(self.year) if self.year.isdigit() and len(self.year) == 4 else self.year

    @property
    def key(self) -> tuple[str, str, str]:
        """The duplicate key (实施单位, 项目名称, 年度), compared after normalising the texts as typed
        (full-width and half-width characters, runs of blanks)."""
        return (normalize_text(self.unit), normalize_text(self.name), self.year)


def part_key(sha256: str, number: int) -> str:
    """The results store's key of project ``number`` (from 1) of a list workbook whose bytes hash to ``sha256``
    (``<sha256>#3``): one file, many results, each reused or compared on its own."""
    return f"{sha256}#{number}"


def part_index(key: str) -> int:
    """Which project of its file a result is, from 0 (:func:`part_key`; a whole file's key: 0)."""
    _, _, number = key.partition("#")
    return int(number) - 1 if number.isdigit() else 0


@dataclass(slots=True)
class FileResult:
    """What happened to one input file (findings as (sheet, cell, code, severity, message))."""

    path: str
    fate: str
    reason: str = ""
    size: int = 0
    mtime: float = 0.0
    sha256: str = ""
    project: ProjectRow | None = None
    findings: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    #: For fate ``internal-error`` (a bug of ours, not a bad file): the traceback, for the --json report.
    traceback: str = ""
    #: Taken from the results store (the file's bytes were judged in an earlier run), not read this run.
    reused: bool = False
    #: The project's own risk facts (:func:`xltools.district.review.risk_facts`), computed with the verdict.
    risk: dict | None = None
    #: The format the reader seam found in the file (``xlsx``, ``xls``, ``ods`` …); empty when not read.
    format: str = ""
    #: Where the file was read (``path`` is how the summary names it); what 来源文件 links to.
    source: str = ""
    #: For one project of a list workbook: what follows the file's name in ``path`` (``（第3–8行）``).
    part: str = ""
    #: A list workbook's projects, one result each (``part`` set, ``sha256`` a :func:`part_key`); the
    #: file's own result then carries no project: the store keeps the parts, not the file.
    parts: list[FileResult] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f[3] == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f[3] == "warning")

    @property
    def modified(self) -> dt.datetime | None:
        """The file's modification time for 文件清单; none when not a date Excel can show (years 1–9999)."""
        try:
            return dt.datetime.fromtimestamp(self.mtime).replace(microsecond=0) if self.mtime else None
        except (OverflowError, ValueError, OSError):
            return None

    @property
    def used(self) -> bool:
        """Whether the project enters 汇总 (read, and not replaced by another file)."""
        return self.project is not None and self.fate in USED_FATES


def fate_label(fate: str, errors: int) -> str:
    """How the fate table names a file: 正常 is split into 正常、无错误 and 正常、有错误."""
    if fate == "ok":
        return "正常、有错误" if errors else "正常、无错误"
    return FATE_TEXT[fate]


@dataclass(slots=True)
class UnitRow:
    """One implementing unit's aggregates (按单位)."""

    unit: str
    projects: int
    annual_budget: float
    executed: float
    execution_rate: float | None
    mean_total: float | None  # None: no project of the unit is scored
    min_total: float | None
    grades: dict[str, int]
    #: Drift findings from the approved targets (目标偏离), and those of them that lower or remove a target.
    drift: int = 0
    serious_drift: int = 0


def grade_shown(p: ProjectRow) -> str:
    """A project's grade as the summary shows it: 未评分 without a reviewed total, 未评级 without a grade."""
    if p.review_total is None:
        return "未评分"
    return p.grade or "未评级"


def grade_names(policy: Policy) -> list[str]:
    return [*policy.grade_thresholds, policy.lowest_grade]


class UnitSums:
    """Running sums per 实施单位 (one pass: the projects stream from the results store, in any order)."""

    def __init__(self, policy: Policy) -> None:
        self.names = grade_names(policy)
        self.sums: dict[str, list] = {}

    def add(self, p: ProjectRow, drift: tuple[int, int] = (0, 0)) -> None:
        """Count ``p`` (``drift``: its drift findings, and those that lower or remove a target)."""
        key = normalize_text(p.unit)
        acc = self.sums.get(key)
        if acc is None:
            acc = self.sums[key] = [0, 0.0, 0.0, 0.0, math.inf, dict.fromkeys(self.names, 0), p.unit, 0, 0, 0]
        acc[8] += drift[0]
        acc[9] += drift[1]
        acc[0] += 1
        acc[1] += p.annual_budget or 0.0
        acc[2] += p.executed or 0.0
        if p.review_total is not None:  # an unscored form (未评分) enters neither the mean nor the minimum
            acc[3] += p.review_total
            acc[4] = min(acc[4], p.review_total)
            acc[7] += 1
        if p.grade in acc[5]:
            acc[5][p.grade] += 1

    def rows(self) -> list[UnitRow]:
        """The units' aggregates in the district's unit order (units.py)."""
        out = []
        for key in sorted(self.sums, key=unit_sort_key):
            count, budget, executed, total, lowest, grades, unit, scored, drift, serious = self.sums[key]
            out.append(UnitRow(unit, count, budget, executed, executed / budget if budget > 0 else None,
                               total / scored if scored else None, lowest if scored else None, grades, drift,
                               serious))
        return out


#: Drift codes that lower or remove an approved target (counted apart in 按单位; as core.drift.SERIOUS_DRIFT).
SERIOUS_DRIFT_CODES = ("target-lowered", "indicator-removed")


def drift_counts(result: FileResult) -> tuple[int, int]:
    """A file's drift findings (kept with its risk facts) and how many of them lower or remove a target."""
    rows = (result.risk or {}).get("drift") or ()
    return len(rows), sum(1 for row in rows if row[0] in SERIOUS_DRIFT_CODES)


def unit_rows(projects: Iterable[ProjectRow], policy: Policy) -> list[UnitRow]:
    """Aggregate projects by 实施单位 (rate of the sums, not the mean of rates), in the district's unit order.

    Grouped by the unit's normalised name, shown as first typed (:class:`UnitSums`)."""
    sums = UnitSums(policy)
    for p in projects:
        sums.add(p)
    return sums.rows()

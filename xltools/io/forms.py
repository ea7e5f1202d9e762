"""Load a form from a file: a JSON form or a filled workbook (.xlsx/.xlsm).

Every failure to read is a :class:`FormReadError` with a Chinese message naming the file;
the CLI maps it to exit code 2. A workbook comes back with its identity (template version
and layout) and its cells as the bounded reader saw them, ready for
:func:`xltools.form.verdict.judge`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from xltools.core import Form, Policy
from xltools.core.errors import UserError, os_reason, validation_reasons
from xltools.core.model import field_titles
from xltools.core.scoring import with_formula_values as formula_values
from xltools.form.identify import MAX_ROWS, Identity, NotTemplate, identify
from xltools.form.verdict import read_form
from xltools.io.files import FileTooLargeError, SpecialFileError, read_regular
from xltools.io.xlsxread import WorkbookData, WorkbookReadError, read_workbook

__all__ = ["FormReadError", "LoadedForm", "load_form", "load_json_form", "load_workbook", "WORKBOOK_SUFFIXES",
           "with_formula_values", "FORMULA_FIELDS"]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
#: A JSON form is a few kilobytes; anything over this is not one.
JSON_MAX_BYTES = 5 * 1024 * 1024

#: Form fields that are formulas in the template (the workbook holds their last computed value).
FORMULA_FIELDS = ("budget_score", "total_score")


class FormReadError(UserError):
    """A file could not be read as a form; ``fate`` is the file's fate in a district run."""

    def __init__(self, path: Path | str, reason: str, fate: str = "unreadable") -> None:
        super().__init__(reason, file=path)
        self.path = str(path)
        self.reason = reason
        self.fate = fate

    def __str__(self) -> str:
        return f"无法读取 {self.path}：{self.reason}"


@dataclass(frozen=True)
class LoadedForm:
    """A form read from a file; for a workbook also what it was read from and as what."""

    path: str
    form: Form
    book: WorkbookData | None = None
    identity: Identity | None = None


def load_json_form(path: Path) -> LoadedForm:
    """Read one form in the JSON exchange format."""
    try:
        text = read_regular(path, JSON_MAX_BYTES)[0].decode("utf-8-sig")
    except OSError as exc:
        raise FormReadError(path, f"无法读取文件：{os_reason(exc)}") from exc
    except (SpecialFileError, FileTooLargeError) as exc:
        raise FormReadError(path, exc.message, "too-large" if isinstance(exc, FileTooLargeError) else "unreadable") \
            from exc
    except UnicodeDecodeError as exc:
        raise FormReadError(path, "不是 UTF-8 编码的文本文件；请另存为 UTF-8 编码的 JSON") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormReadError(path, f"不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列附近有语法错误）") from exc
    except RecursionError as exc:
        raise FormReadError(path, "JSON 嵌套层次太深，不是自评表") from exc
    except ValueError as exc:  # an integer of thousands of digits (Python's int conversion limit)
        raise FormReadError(path, "JSON 中有位数过多的数字（上千位），不是自评表") from exc
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:  # "\ud800": a lone surrogate, no character at all
        raise FormReadError(path, "JSON 中有无效的 Unicode 字符（孤立的代理项，如 \\ud800）；请删除后重新保存") from exc
    huge = list(_huge_numbers(data, ()))
    if huge:
        reasons = validation_reasons([{"loc": loc, "type": "number_too_large"} for loc in huge], field_titles())
        raise FormReadError(path, f"JSON 内容不符合自评表格式：{reasons}")
    try:
        form = Form.model_validate(data)
    except RecursionError as exc:
        raise FormReadError(path, "JSON 嵌套层次太深，不是自评表") from exc
    except ValidationError as exc:
        reasons = validation_reasons(exc.errors(), field_titles())
        raise FormReadError(path, f"JSON 内容不符合自评表格式：{reasons}") from exc
    rows = sum(1 for ind in form.indicators if not ind.is_empty())
    if rows > MAX_ROWS:
        raise FormReadError(path, f"「绩效指标」有 {rows} 条，多于自评表最多的 {MAX_ROWS} 行；请删减或合并指标后重试")
    return LoadedForm(str(path), form)


def _huge_numbers(value: object, loc: tuple[object, ...]) -> Iterator[tuple[object, ...]]:
    """Where ``value`` (parsed JSON) holds an integer too large for any amount or year (no float holds it)."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            float(value)
        except OverflowError:
            yield loc
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _huge_numbers(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _huge_numbers(item, (*loc, index))


def load_workbook(path: Path | str, **read_options: object) -> tuple[WorkbookData, Identity]:
    """A workbook read by the bounded reader and identified as a form of ours, or :class:`FormReadError`."""
    try:
        book = read_workbook(path, **read_options)  # type: ignore[arg-type]
    except WorkbookReadError as exc:
        raise FormReadError(path, exc.reason, "unreadable" if exc.fate == "not-excel" else exc.fate) from exc
    try:
        return book, identify(book)
    except NotTemplate as exc:
        raise FormReadError(path, exc.reason, exc.fate) from exc


def load_form(path: Path | str) -> LoadedForm:
    """Read a form from a JSON file or a filled workbook (.xlsx/.xlsm)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return load_json_form(path)
    if suffix in WORKBOOK_SUFFIXES:
        book, identity = load_workbook(path)
        return LoadedForm(str(path), read_form(book, identity), book, identity)
    raise FormReadError(path, "不支持的文件类型（只接受 .json、.xlsx、.xlsm）")


def with_formula_values(loaded: LoadedForm) -> tuple[Form, list[str]]:
    """The form with the formula fields the workbook holds no value for computed by the core.

    A workbook written by ``xltools fill`` (openpyxl) carries formulas without cached results
    until a spreadsheet program opens and saves it; its 预算执行得分 and 总分 then read as blank.
    They are computed here as the template's own formulas would show them (with the workbook's
    policy): the same values whether or not the workbook was re-saved. Returns the form and the
    fields that were computed (empty for a JSON form or a workbook that holds the values).
    """
    form = loaded.form
    if loaded.book is None:
        return form, []
    policy = (loaded.identity.policy if loaded.identity else None) or Policy()
    shown = formula_values(form, policy)  # the one computation, shared with the verdict
    marked = loaded.identity.layout.marked_formulas(form) if loaded.identity else frozenset()
    if marked:  # the sheet shows a text marker there (template 1.1): no number is made up
        shown = shown.model_copy(update={name: getattr(form, name) for name in marked})
    return shown, [name for name in FORMULA_FIELDS if getattr(form, name) != getattr(shown, name)]

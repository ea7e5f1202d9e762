"""Load a form from a file: a JSON form, or any file the reader seam (:mod:`xltools.io.seam`) reads.

Every failure to read is a :class:`FormReadError` with a Chinese message naming the file;
the CLI maps it to exit code 2. A workbook comes back with its format, its identity (template
version and layout), its cells as the reader saw them and the reader's findings; a form read
without a template layout (a Word table …) with where each field came from. :func:`judge_loaded`
runs the one verdict (:func:`xltools.form.verdict.judge` / ``judge_form``) on either.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from xltools.core import Finding, Form, Policy
from xltools.core.policy import DEFAULT_POLICY
from xltools.core.errors import UserError, os_reason, validation_reasons
from xltools.core.model import field_titles
from xltools.core.scoring import with_formula_values as formula_values
from xltools.form.book import BookView
from xltools.form.identify import Identity, NotTemplate, UnknownVersion, identify, too_many_rows
from xltools.form.verdict import Verdict, judge, judge_form, read_form
from xltools.io.files import FileTooLargeError, SpecialFileError, read_regular
from xltools.io.seam import ReadError, ReadOptions, read_source

if TYPE_CHECKING:
    from xltools.core.targets import Targets

__all__ = ["FormReadError", "LoadedForm", "load_form", "load_forms", "load_json_form", "load_workbook", "judge_loaded",
           "WORKBOOK_SUFFIXES", "with_formula_values", "FORMULA_FIELDS"]

#: Workbooks that keep their own kind when written again (the annotated copy of an .xlsm is an .xlsm).
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
    """A form read from a file; for a workbook also what it was read from and as what.

    ``format`` is the content's format (``json``, ``xlsx``, ``xls``, ``ods`` …: what the file holds,
    not its name); ``findings`` the reader's (``format-legacy`` …), judged with the form;
    ``notes`` Chinese lines about the format for the user; :meth:`origin` where a field was read.
    """

    path: str
    form: Form
    book: BookView | None = None
    identity: Identity | None = None
    format: str = "json"
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()
    origins: Mapping[str, str] = field(default_factory=dict)
    #: Not a template of ours: what it was read as (``其他格式（按栏目名称读取…）``, a list's project), else ``""``.
    other: str = ""

    def origin(self, path: str) -> str | None:
        """Where the field ``path`` (``project_name``, ``indicators[2].actual``) was read: ``自评表!B4`` for
        a workbook of a template version, the reader's position (``表1 第4行 第2列``) for other sources."""
        if path in self.origins:
            return self.origins[path]
        return self.identity.layout.cell_of(path) if self.identity is not None else None


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
    from xltools.core.validation import ValidationError, from_data  # pydantic: a JSON form is user data

    try:
        form = from_data(Form, data)
    except RecursionError as exc:
        raise FormReadError(path, "JSON 嵌套层次太深，不是自评表") from exc
    except ValidationError as exc:
        reasons = validation_reasons(exc.errors(), field_titles())
        raise FormReadError(path, f"JSON 内容不符合自评表格式：{reasons}") from exc
    return LoadedForm(str(path), _fitting(path, form))


def _fitting(path: Path | str, form: Form) -> Form:
    """``form``, when the template's layout can hold it (:func:`too_many_rows`), else
    :class:`FormReadError` naming the field (a JSON form or another reader's form, e.g. of a document)."""
    reason = too_many_rows(form)
    if reason is not None:
        raise FormReadError(path, reason)
    return form


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


def _load(path: Path | str, options: ReadOptions) -> list[LoadedForm]:
    """Every form in a file read through the seam: one for a template's workbook or a Word form, one per
    project for a workbook of another layout or a list (:func:`xltools.io.labelbook.read_other`)."""
    try:
        source = read_source(path, options=options)
    except ReadError as exc:
        raise FormReadError(path, exc.reason, exc.fate) from exc
    common = {"format": source.format, "findings": source.findings, "notes": source.notes, "origins": source.origins}
    if source.book is None:
        assert source.form is not None, "a Source holds a book or a form"
        return [LoadedForm(str(path), _fitting(path, source.form), **common)]  # type: ignore[arg-type]
    try:
        identity = identify(source.book)
    except UnknownVersion as exc:
        raise FormReadError(path, exc.reason, exc.fate) from exc
    except NotTemplate as exc:  # no template of ours: another layout or a list, read by its labels
        from xltools.form.labelform import NotAForm
        from xltools.io.labelbook import read_other

        try:
            others = read_other(source.book)
        except NotAForm:
            raise FormReadError(path, exc.reason, exc.fate) from exc
        return [LoadedForm(f"{path}{other.suffix}", _fitting(path, other.form),
                           format=source.format,
                           findings=(*source.findings, *other.findings), notes=(*source.notes, other.what),
                           origins=other.origins, other=other.what) for other in others]
    return [LoadedForm(str(path), read_form(source.book, identity), source.book, identity,  # type: ignore[arg-type]
                       **common)]


def load_workbook(path: Path | str, options: ReadOptions = ReadOptions()) -> LoadedForm:
    """A file read through the seam (whatever its format) and, for a workbook, identified as a form of ours
    (or, when it is none, read by its labels as a form of another layout); :class:`FormReadError` when it
    cannot be read, is no form, or is a list of many projects (:func:`load_forms` reads those)."""
    loaded = _load(path, options)
    if len(loaded) > 1:
        raise FormReadError(path, f"这是 {len(loaded)} 个项目的清单（一行一条指标），不是一份自评表；请用 xltools check "
                                  "检查（每个项目分别给出结果；区里汇总时也按项目分别检查），或按模板每个项目填一份",
                             "not-template")
    return loaded[0]


def load_forms(path: Path | str) -> list[LoadedForm]:
    """Every form in a file: one for a JSON form, a template's workbook, a Word form or another layout, one
    per project for a list workbook (each named ``path（第3–8行）``)."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return [load_json_form(path)]
    return _load(path, ReadOptions())


def load_form(path: Path | str) -> LoadedForm:
    """Read a form from a JSON file (by its ``.json`` name) or from any file the seam reads (by its content)."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return load_json_form(path)
    return load_workbook(path)


def judge_loaded(loaded: LoadedForm, policy: Policy | None = None, *, today: dt.date | None = None,
                 targets: Targets | None = None) -> Verdict:
    """The one verdict on a loaded form (the same whichever door loaded it), with the reader's findings;
    ``targets``: the run's 绩效目标表 (drift from the approved targets)."""
    if loaded.book is not None:
        return judge(loaded.book, policy, today=today, identity=loaded.identity, reading=loaded.findings,
                     targets=targets)
    return judge_form(loaded.form, policy, today=today, reading=loaded.findings, origins=loaded.origins or None,
                      targets=targets)


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
    policy = (loaded.identity.policy if loaded.identity else None) or DEFAULT_POLICY
    shown = formula_values(form, policy)  # the one computation, shared with the verdict
    marked = loaded.identity.layout.marked_formulas(form) if loaded.identity else frozenset()
    if marked:  # the sheet shows a text marker there (template 1.1): no number is made up
        shown = replace(shown, **{name: getattr(form, name) for name in marked})
    return shown, [name for name in FORMULA_FIELDS if getattr(form, name) != getattr(shown, name)]

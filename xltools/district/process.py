"""One file of a district run (runs in a worker process): read → the one verdict → a small result.

:func:`process_file` never raises for a bad file: every failure becomes the file's fate with a
Chinese reason. A file that takes longer than :data:`FILE_SECONDS` is ``unreadable``; an exception
that is a bug of ours (not a bad file) is fate ``internal-error`` with its traceback, so bugs are
never disguised as unreadable files. The verdict is :func:`xltools.form.verdict.judge`, the same
as ``xltools check``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import multiprocessing.connection
import os
import re
import signal
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from operator import attrgetter

from xltools.core import Finding, Form, Policy
from xltools.core.errors import os_reason
from xltools.core.policy import DEFAULT_POLICY
from xltools.core.drift import SERIOUS_DRIFT
from xltools.core.parse import memoise_text, normalize_text, parse_date, parse_number
from xltools.core.targets import Targets
from xltools.district.results import SHEETS as SUMMARY_SHEETS
from xltools.district.results import FileResult, IndicatorRow, ProjectRow, part_key
from xltools.district.review import FLAGS, risk_facts
from xltools.form.identify import NotTemplate, UnknownVersion, too_many_rows
from xltools.form.labelform import NotAForm
from xltools.form.layout import META_SHEET, SHEET
from xltools.form.layout_v1_2 import TARGETS_SHEET
from xltools.form.verdict import Verdict, judge, judge_form
from xltools.io.archives import read_member, split_task
from xltools.io.files import FileTooLargeError, SpecialFileError, read_regular
from xltools.io.labelbook import OtherForm, read_other
from xltools.io.reader import Content
from xltools.io.seam import ReadError, ReadOptions, Source, read_content
from xltools.io.xlsxread import Limits

__all__ = ["process_file", "judge_book", "project_row", "indicator_rows", "use_targets", "LIMITS", "FILE_SECONDS", "watch_parent", "PARENT_POLL_SECONDS"]

LIMITS = Limits()
#: What a district run reads of each workbook (the seam's readers read no more than this).
OPTIONS = ReadOptions(sheets=(SHEET, META_SHEET, TARGETS_SHEET), shared=(META_SHEET,), cells_only=True, limits=LIMITS)
#: Seconds one file may take to be read and judged (a form takes milliseconds); over it, the file is
#: ``unreadable`` with the reason, and the run goes on.
FILE_SECONDS = 60.0


class _OverTime(BaseException):
    """Raised by the timer inside a file's processing (a BaseException: nothing on the way swallows it)."""


@contextmanager
def _time_budget(seconds: float) -> Iterator[None]:
    """Interrupt the body after ``seconds`` (a real-time timer; only in a process's main thread)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise _OverTime

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


#: How often a worker looks whether the process that started it is still there.
PARENT_POLL_SECONDS = 0.5


def watch_parent() -> None:
    """In a worker process: end it as soon as the process that started it is gone, whatever ended that one
    (SIGKILL, the out-of-memory killer, a crash): no worker outlives its run, blocked on a pipe nobody writes.

    A daemon thread waits on the parent's sentinel (a handle on Windows; on POSIX a pipe that siblings
    may also hold, so also) and looks every :data:`PARENT_POLL_SECONDS` whether the process was given
    a new parent."""
    parent = multiprocessing.parent_process()
    sentinel = parent.sentinel if parent is not None else None
    ppid = os.getppid()

    def watch() -> None:
        while True:
            if sentinel is not None:
                if multiprocessing.connection.wait([sentinel], timeout=PARENT_POLL_SECONDS):
                    break
            else:
                time.sleep(PARENT_POLL_SECONDS)
            if os.getppid() != ppid:
                break
        os._exit(1)

    threading.Thread(target=watch, name="xltools-watch-parent", daemon=True).start()


_YEAR = re.compile(r"(19|20)\d{2}")


@memoise_text
def _year_key(value: object) -> str:
    """The year a 年度 cell names (``2024``), else its text."""
    text = normalize_text(value)
    match = _YEAR.search(text)
    return match.group(0) if match else text


def _finding_row(finding: Finding) -> tuple[str, str, str, str, str]:
    sheet, _, cell = (finding.cell or "").rpartition("!")
    return (sheet, cell, finding.code, finding.severity, finding.message)


_UNTRUSTED_DATE = frozenset({"date-invalid", "date-in-future"})


def _wan(value: object, policy: Policy) -> float | None:
    """An amount as typed, in 万元 (a form in 元 under ``money_unit = "元"`` is divided by 10,000)."""
    amount = parse_number(value).value
    return None if amount is None else amount * policy.money_factor


def indicator_rows(verdict: Verdict) -> list[IndicatorRow]:
    """The judged form's indicators as 指标明细 shows them (empty rows left out), with their reviewed scores."""
    indicators = verdict.form.indicators  # the sheet scores each row that is not empty, in order
    return [IndicatorRow(ind.level1, ind.level2, ind.name, ind.target, ind.actual, ind.weight, ind.score,
                         item.score, ind.deviation)
            for item in verdict.evaluation.sheet.indicators for ind in (indicators[item.index],)]


def project_row(verdict: Verdict, policy: Policy, indicators: list[IndicatorRow] | None = None) -> ProjectRow:
    """The summary's view of one judged form (``indicators``: its :func:`indicator_rows` when already made)."""
    form, sheet = verdict.form, verdict.evaluation.sheet
    total = form.fund("total")
    self_total = verdict.self_total  # the cached value of the 总分 formula, else what the formula computes
    if indicators is None:
        indicators = indicator_rows(verdict)
    filled_on = parse_date(form.filled_on)
    return ProjectRow(
        year=_year_key(form.year),
        unit=_text(form.implementing_unit),
        department=_text(form.department),
        name=_text(form.project_name),
        lead=_text(form.project_lead),
        initial_budget=_wan(total.initial_budget, policy),  # in 万元 whatever the form's money_unit
        annual_budget=_wan(total.annual_budget, policy),
        executed=_wan(total.executed, policy),
        execution_rate=sheet.execution_rate,
        budget_score=sheet.budget_score,
        subtotals=dict(sheet.subtotals),
        self_total=self_total,
        review_total=sheet.total,
        grade=sheet.grade,
        # a 填写日期 the checker flags (invalid, or after the day of the check) never decides which of two
        # versions of a project is the newer one
        filled_on=None if not _UNTRUSTED_DATE.isdisjoint(f.code for f in verdict.evaluation.findings) else filled_on,
        packed_indicators=ProjectRow.pack(indicators),
        details=_details(form, policy, filled_on),
    )


def _text(value: object) -> str:
    """A text cell as typed (full-width characters, punctuation and line breaks kept; only the blanks
    around it dropped); a number as the number's text."""
    if type(value) is str:  # most cells
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _as_typed(value: object) -> object:
    """A number when the cell holds one (or text that reads as one), else the text as typed."""
    number = parse_number(value)
    return number.value if number.value is not None else (_text(value) or None)


_AMOUNTS = attrgetter("initial_budget", "annual_budget", "executed")  # a fund row's amounts, in 项目信息's order


def _details(form: Form, policy: Policy, filled_on: dt.date | None) -> tuple[object, ...]:
    """The fields of sheet 项目信息, in ``summary_sheets.DETAIL_HEADERS`` order (amounts in 万元 whatever the form's
    ``money_unit``; a text that is no number as typed; ``filled_on``: the form's 填写日期 parsed)."""
    factor = policy.money_factor
    amounts = [number * factor if (number := parse_number(value).value) is not None
               else _text(value) or None  # parsed once: _wan, or _as_typed of a text that is no number
               for key in ("fiscal", "carryover", "other") for value in _AMOUNTS(form.fund(key))]
    return (_text(form.lead_phone), *amounts, _as_typed(form.budget_weight),
            _text(form.goal_expected), _text(form.goal_actual), _text(form.filled_by),
            _text(form.filler_phone), filled_on or _text(form.filled_on) or None)


#: The run's approved targets (``combine --targets``): set once per process by :func:`use_targets` (a worker's
#: initializer), so a district's 绩效目标表 is sent to each worker once, not with every chunk of files.
_TARGETS: Targets | None = None


def use_targets(targets: Targets | None) -> None:
    """Compare the forms this process judges with ``targets`` (``None``: no targets)."""
    global _TARGETS
    _TARGETS = targets


def _drift_facts(verdict: Verdict, facts: dict) -> None:
    """The form's drift from its approved targets, kept with its risk facts (the summary's sheet 目标偏离 and
    the review read them from the results store): rows (code, severity, cell, 指标, 批复值, 填报值); a
    lowered target or a removed indicator raises the project (flag ``target-drift``)."""
    if not verdict.drift:
        return
    facts["drift"] = [(f.code, f.severity, (f.cell or "").rpartition("!")[2], getattr(f, "indicator", ""),
                       getattr(f, "approved", ""), getattr(f, "reported", "")) for f in verdict.drift]
    serious = Counter(f.code for f in verdict.drift if f.code in SERIOUS_DRIFT)
    if serious:
        what = "、".join(f"{_DRIFT_TEXT[code]} {n} 处" for code, n in sorted(serious.items()))
        facts["hits"] = [*facts["hits"], ["target-drift", FLAGS["target-drift"].template.format(what=what)]]


_DRIFT_TEXT = {"target-lowered": "指标值低于批复", "indicator-removed": "批复的指标被删去"}


def process_file(task: tuple[str, str] | str, policy: Policy | None = None,
                 today: dt.date | None = None, seconds: float | None = None) -> FileResult:
    """Read and judge one workbook (``path`` or ``(path, shown name)``); never raises for a bad file.

    ``seconds`` is the time budget of the file (default :data:`FILE_SECONDS`); the forms are compared with
    the targets of :func:`use_targets`."""
    path, shown = (task, task) if isinstance(task, str) else task
    result = FileResult(shown, "ok")
    budget = FILE_SECONDS if seconds is None else seconds
    try:
        with _time_budget(budget):
            _process(path, result, policy, today or dt.date.today())
    except _OverTime:
        result.fate, result.project, result.findings = "unreadable", None, []
        result.reason = (f"读取和检查用时超过 {budget:g} 秒的上限，已停止（文件过于复杂或是特意构造的）；"
                         "请用 Excel 打开检查后重新保存")
    except (MemoryError, RecursionError):
        result.fate, result.project, result.findings = "unreadable", None, []
        result.reason = "文件内容过于复杂（嵌套过深或过大），无法读取；请用 Excel 打开检查后重新保存"
    except Exception:  # noqa: BLE001 - a bug of ours: listed as such (not as a bad file), the run goes on
        result.fate, result.project, result.findings = "internal-error", None, []
        result.reason = "程序内部错误（不是文件的问题）；请把 --json 报告中该文件的 traceback 发给开发人员"
        result.traceback = traceback.format_exc()
    return result


def _other_layout(path: str, data: bytes) -> tuple[tuple[Finding, ...], list[OtherForm]]:
    """A workbook that is no template of ours, read again whole (all sheets, merged ranges) by its labels:
    the seam's findings and its forms (one, or one per project of a list; none: not a form at all)."""
    try:
        source = read_content(Content(path, data), ReadOptions(limits=LIMITS))
        return source.findings, read_other(source.book) if source.book is not None else []
    except (ReadError, NotAForm):
        return (), []


def _read_member(path: str, result: FileResult) -> bytes | None:
    """The bytes of an archive's member (``path`` from :func:`xltools.io.archives.member_task`); ``None`` with
    the file's fate set when it cannot be read."""
    archive, raw = split_task(path)  # type: ignore[misc]
    try:
        data = read_member(archive, raw, LIMITS)
    except ReadError as exc:
        result.fate, result.reason = exc.fate, exc.reason
        return None
    result.size, result.mtime = len(data), _mtime(archive)
    return data


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


def _process(path: str, result: FileResult, policy: Policy | None, today: dt.date) -> None:
    if split_task(path) is not None:
        member = _read_member(path, result)
        if member is None:
            return
        result.sha256 = hashlib.sha256(member).hexdigest()
        _judge(path, member, result, policy, today)
        return
    try:
        data, status = read_regular(path, LIMITS.max_file_bytes)
    except FileTooLargeError as exc:
        result.size = exc.size
        result.fate, result.reason = "too-large", exc.message
        return
    except SpecialFileError as exc:
        result.fate, result.reason = "unreadable", exc.message
        return
    except OSError as exc:
        result.fate, result.reason = "unreadable", f"无法打开文件：{os_reason(exc)}"
        return
    result.size, result.mtime = status.st_size, status.st_mtime
    result.sha256 = hashlib.sha256(data).hexdigest()
    _judge(path, data, result, policy, today)


def _too_big(form: Form, result: FileResult) -> bool:
    """Whether ``form`` has more indicators than the layout holds (then ``result`` says so, as check does)."""
    reason = too_many_rows(form)
    if reason is not None:
        result.fate, result.reason = "unreadable", reason
    return reason is not None


def _judge(path: str, data: bytes, result: FileResult, policy: Policy | None, today: dt.date) -> None:
    """The one verdict on the bytes of ``path`` through the reader seam, into ``result``."""
    try:
        source = read_content(Content(result.path, data), OPTIONS)
    except ReadError as exc:
        result.fate, result.reason = exc.fate, exc.reason
        return
    judge_book(source, result, policy, today, data)


def judge_book(source: Source, result: FileResult, policy: Policy | None, today: dt.date,
               data: bytes | None = None) -> None:
    """The one verdict on what the reader seam read of a file (``data``: the file's bytes, read again whole when
    it is no template of ours), into ``result``: everything a worker does after reading."""
    book = None
    try:
        result.format = source.format
        book = source.book
        if book is not None:
            verdict = judge(book, policy, today=today, reading=source.findings, targets=_TARGETS)
        else:
            assert source.form is not None, "a Source holds a book or a form"
            if _too_big(source.form, result):
                return
            verdict = judge_form(source.form, policy, today=today, reading=source.findings,
                                 origins=source.origins or None, targets=_TARGETS)
            result.fate, result.reason = "other-layout", "；".join(source.notes)  # a Word form: no template
        if verdict.blank:
            result.fate, result.reason = "skipped", "空白模板，没有填写任何内容"
            return
        rows = indicator_rows(verdict)
        project = project_row(verdict, verdict.policy or DEFAULT_POLICY, rows)
    except ReadError as exc:
        result.fate, result.reason = exc.fate, exc.reason
        return
    except NotTemplate as exc:
        if book is not None and set(SUMMARY_SHEETS) <= set(book.sheet_names):
            result.fate, result.reason = "skipped", "这是 xltools 生成的汇总表，不是填报文件"
            return
        reading, others = ((), []) if isinstance(exc, UnknownVersion) or data is None \
            else _other_layout(result.path, data)
        if not others:
            result.fate, result.reason = exc.fate, exc.reason
        elif len(others) == 1:  # one form; a list of one project is named by its rows, as check names it
            result.path, result.part = result.path + others[0].suffix, others[0].suffix
            _judge_other(others[0], reading, result, policy, today)
        else:
            _split_list(others, reading, result, policy, today)
        return
    _record(verdict, project, result, rows)
    if verdict.tampered:
        result.fate = "tampered"
        result.reason = "工作簿与模板不一致（见「问题清单」中 tamper- 开头的问题）；数据仍已汇总，请核实"


def _record(verdict: Verdict, project: ProjectRow, result: FileResult,
            rows: list[IndicatorRow] | None = None) -> None:
    """The judged project, its risk facts and findings into ``result`` (``rows``: its indicator rows as made)."""
    result.project = project
    result.risk = risk_facts(project, rows)  # the rows as made, not decoded again from the packed project
    _drift_facts(verdict, result.risk)
    result.findings = [_finding_row(f) for f in verdict.findings]


def _judge_other(other: OtherForm, reading: tuple[Finding, ...], result: FileResult, policy: Policy | None,
                 today: dt.date) -> None:
    """The one verdict on a form of another layout (or one project of a list), as ``check`` gives it: fate
    其他格式 (never a template's tamper verdict), or why it is not summarised."""
    if _too_big(other.form, result):
        return
    verdict = judge_form(other.form, policy, today=today, reading=(*reading, *other.findings),
                         origins=other.origins or None, targets=_TARGETS)
    if verdict.blank:
        result.fate, result.reason = "skipped", "空白的自评表（其他格式），没有填写任何内容"
        return
    result.fate, result.reason = "other-layout", other.what
    rows = indicator_rows(verdict)
    _record(verdict, project_row(verdict, verdict.policy or DEFAULT_POLICY, rows), result, rows)


def _split_list(others: list[OtherForm], reading: tuple[Finding, ...], result: FileResult, policy: Policy | None,
                today: dt.date) -> None:
    """A list workbook's projects, each judged on its own into one of ``result.parts`` (named by the list's rows,
    keyed by :func:`part_key` so that the store keeps, reuses and compares each project apart)."""
    result.fate = "other-layout"
    result.reason = f"这是 {len(others)} 个项目的清单（一行一条指标），每个项目分别检查和汇总"
    for number, other in enumerate(others, start=1):
        part = FileResult(f"{result.path}{other.suffix}", "ok", size=result.size, mtime=result.mtime,
                          sha256=part_key(result.sha256, number) if result.sha256 else "", format=result.format,
                          part=other.suffix)
        _judge_other(other, reading, part, policy, today)
        result.parts.append(part)

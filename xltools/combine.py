"""Shell: ``xltools combine`` — every street office's workbooks into one district summary.

:func:`combine` finds the workbooks under the inputs, reads each one in a
worker process (fast reader → template identity → form → evaluation → tamper
check), sends back a small :class:`~xltools.summary.FileResult`, resolves
duplicates and writes the summary workbook atomically. The CLI and the Excel
add-in both call it. Input files are only ever opened for reading.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from .core import Finding, Form, Policy, evaluate, sheet_total, with_formula_values
from .core.findings import shorten
from .core.parse import normalize_text, parse_date, parse_number
from .display import pad
from .errors import UserError
from .fileio import OutputExistsError, atomic_output, read_policy, write_atomic
from .layout import META_SHEET, SHEET, Layout
from .summary import FATE_TEXT, FileResult, IndicatorRow, ProjectRow, write_summary
from .summary import SHEETS as SUMMARY_SHEETS
from .tamper import NotTemplate, check_tamper, identify, template_policy
from .xlsxread import Limits, WorkbookReadError, read_workbook

__all__ = ["CombineError", "CombineReport", "combine", "discover", "process_file", "resolve_duplicates",
           "InputFile", "register_cli", "EXIT_OK", "EXIT_PROBLEMS", "EXIT_FAILED"]

#: Exit codes of ``xltools combine``.
EXIT_OK, EXIT_PROBLEMS, EXIT_FAILED = 0, 1, 2

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
LIMITS = Limits()
_PROBLEM_FATES = ("tampered", "duplicate", "superseded", "not-template", "unreadable", "encrypted", "too-large")

Progress = Callable[[int, int, FileResult], None]


class CombineError(UserError):
    """The run cannot start or finish (bad arguments, output exists); message in Chinese."""


# --- finding the files -------------------------------------------------------------

def _skip_reason(path: Path) -> str | None:
    """Why a file is not read, or ``None`` for a workbook to read."""
    name, suffix = path.name, path.suffix.lower()
    if name.startswith("~$"):
        return "Excel 锁定文件（有人打开该工作簿时自动生成），不是填报文件"
    if name.startswith("."):
        return "隐藏文件"
    if name.startswith("~") or name.endswith("~") or suffix in (".tmp", ".temp", ".bak", ".wbk"):
        return "临时或备份文件"
    if suffix in EXCEL_SUFFIXES:
        return None
    if suffix in (".xls", ".et", ".ods", ".csv", ".xlsb"):
        return f"{suffix} 格式不能汇总；请用本模板（.xlsx）填写后重新提交"
    return "不是 Excel 工作簿（只汇总 .xlsx、.xlsm）"


@dataclass(frozen=True)
class InputFile:
    """One file found under the inputs: where it is, how the summary names it, why it is skipped."""

    path: Path
    shown: str
    skip: str | None


def discover(inputs: Iterable[Path | str], output: Path | None = None) -> list[InputFile]:
    """Every file under ``inputs`` (folders recursively; hidden folders not entered), sorted, with the
    reason it is skipped (``None`` = read it). The output file and its temporary files are left out.

    A file in a folder is shown as ``folder/sub/file.xlsx`` (relative to the folder's parent)."""
    found: dict[Path, str] = {}
    out = output.resolve() if output else None

    def add(resolved: Path, shown: str) -> None:
        if out is not None and (resolved == out or (resolved.parent == out.parent
                                                    and resolved.name.startswith(f".~{out.stem}."))):
            return
        found.setdefault(resolved, shown)

    for item in inputs:
        root = Path(item)
        if root.is_dir():
            base = root.resolve()
            # walking the resolved folder, every folder path below it is real (os.walk does not enter
            # linked folders), so only files that are links need resolving
            for folder, dirs, files in os.walk(base):
                dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__MACOSX")))
                shown_folder = (Path(base.name) / Path(folder).relative_to(base)).as_posix()
                for name in files:
                    path = Path(folder, name)
                    add(path.resolve() if os.path.islink(path) else path, f"{shown_folder}/{name}")
        elif root.is_file():
            add(root.resolve(), str(root))
        else:
            raise CombineError(f"找不到输入文件或文件夹：{root}")
    if len(set(found.values())) < len(found):  # two folders of the same name: show full paths
        found = {path: str(path) for path in found}
    return sorted((InputFile(path, shown, _skip_reason(path)) for path, shown in found.items()),
                  key=lambda f: f.shown)


# --- one file (runs in a worker process) ---------------------------------------------

def _year_key(value: object) -> str:
    text = normalize_text(value)
    match = re.search(r"(19|20)\d{2}", text)
    return match.group(0) if match else text


def _finding_row(finding: Finding) -> tuple[str, str, str, str, str]:
    sheet, _, cell = (finding.cell or "").rpartition("!")
    return (sheet, cell, finding.code, finding.severity, finding.message)


def project_row(form: Form, layout: Layout, policy: Policy, today: dt.date) -> tuple[ProjectRow, list[Finding]]:
    """The summary's view of one form and the evaluation's findings (placed at cells)."""
    evaluation = evaluate(form, policy, today=today)
    sheet = evaluation.sheet
    total = form.fund("total")
    # 自评总分: the cached value of the 总分 formula when the file has one, else what the formula computes
    self_total = form.total_score if isinstance(form.total_score, (int, float)) else sheet_total(form, policy)
    reviewed = {item.index: item.score for item in sheet.indicators}
    indicators = [
        IndicatorRow(ind.level1, ind.level2, ind.name, ind.target, ind.actual, ind.weight, ind.score,
                     reviewed.get(i), ind.deviation)
        for i, ind in enumerate(form.indicators) if not ind.is_empty()
    ]
    row = ProjectRow(
        year=_year_key(form.year),
        unit=normalize_text(form.implementing_unit),
        department=normalize_text(form.department),
        name=normalize_text(form.project_name),
        lead=normalize_text(form.project_lead),
        initial_budget=parse_number(total.initial_budget).value,
        annual_budget=parse_number(total.annual_budget).value,
        executed=parse_number(total.executed).value,
        execution_rate=sheet.execution_rate,
        budget_score=sheet.budget_score,
        subtotals=dict(sheet.subtotals),
        self_total=self_total,
        review_total=sheet.total,
        grade=sheet.grade,
        filled_on=parse_date(form.filled_on),
        packed_indicators=ProjectRow.pack(indicators),
        details=_details(form),
    )
    findings = [f.at_cell(f.cell or layout.cell_of(f.field)) for f in evaluation.findings]
    return row, findings


def _as_typed(value: object) -> object:
    """A number when the cell holds one (or text that reads as one), else the text as typed."""
    number = parse_number(value)
    return number.value if number.value is not None else (normalize_text(value) or None)


def _details(form: Form) -> tuple[object, ...]:
    """The fields of sheet 项目信息, in ``summary.DETAIL_HEADERS`` order."""
    amounts = [_as_typed(getattr(form.fund(key), part)) for key in ("fiscal", "carryover", "other")
               for part in ("initial_budget", "annual_budget", "executed")]
    filled_on = parse_date(form.filled_on)
    return (normalize_text(form.lead_phone), *amounts, _as_typed(form.budget_weight),
            normalize_text(form.goal_expected), normalize_text(form.goal_actual), normalize_text(form.filled_by),
            normalize_text(form.filler_phone), filled_on or normalize_text(form.filled_on) or None)


def process_file(task: tuple[str, str] | str, policy: Policy | None = None,
                 today: dt.date | None = None) -> FileResult:
    """Read, identify, evaluate and tamper-check one workbook (``path`` or ``(path, shown name)``);
    never raises for a bad file."""
    path, shown = (task, task) if isinstance(task, str) else task
    today = today or dt.date.today()
    result = FileResult(shown, "ok")
    try:
        stat = os.stat(path)
        result.size, result.mtime = stat.st_size, stat.st_mtime
        if stat.st_size > LIMITS.max_file_bytes:
            result.fate, result.reason = "too-large", (f"文件 {stat.st_size / 1048576:.1f} MB，超过 "
                                                       f"{LIMITS.max_file_bytes / 1048576:.0f} MB 上限")
            return result
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        result.fate, result.reason = "unreadable", f"无法打开文件：{exc.strerror or exc}"
        return result
    result.sha256 = hashlib.sha256(data).hexdigest()
    try:
        book = read_workbook(data, sheets=(SHEET, META_SHEET), shared=(META_SHEET,), cells_only=True,
                             limits=LIMITS)
        identity = identify(book)
        built = template_policy(identity.meta)
        tamper = check_tamper(book, identity, built)
        form = with_formula_values(identity.layout.form_from_cells(book.sheets[SHEET].value), built or Policy())
        if _blank(form):
            result.fate, result.reason = "skipped", "空白模板，没有填写任何内容"
            return result
        project, findings = project_row(form, identity.layout, policy or built or Policy(), today)
    except WorkbookReadError as exc:
        result.fate = {"not-excel": "unreadable"}.get(exc.fate, exc.fate)
        result.reason = exc.reason
        return result
    except NotTemplate as exc:
        if set(SUMMARY_SHEETS) <= set(book.sheet_names):
            result.fate, result.reason = "skipped", "这是 xltools 生成的汇总表，不是填报文件"
        else:
            result.fate, result.reason = "not-template", exc.reason
        return result
    except Exception as exc:  # noqa: BLE001 - one odd file must not end a district-wide run
        result.fate, result.reason = "unreadable", f"读取时出错（{type(exc).__name__}：{shorten(exc, 80)}）"
        return result
    result.project = project
    result.findings = [_finding_row(f) for f in (*tamper, *findings)]
    if tamper:
        result.fate = "tampered"
        result.reason = "工作簿与模板不一致（见「问题清单」中 tamper- 开头的问题）；数据仍已汇总，请核实"
    return result


def _blank(form: Form) -> bool:
    """An unfilled template: no header text, no amounts, no indicators (the year and 分值 come preset)."""
    header = (form.project_name, form.implementing_unit, form.department, form.project_lead)
    return all(value is None for value in header) and form.funds.total is None and not form.indicators


# --- duplicates -------------------------------------------------------------------------

def resolve_duplicates(results: Sequence[FileResult]) -> None:
    """Mark byte-identical copies as duplicate and older versions of a project as superseded (in place).

    A project is (实施单位, 项目名称, 年度); the newest 填写日期 wins, then the newest file time.
    """
    first_by_hash: dict[str, FileResult] = {}
    for result in results:
        if not result.sha256 or result.fate == "skipped":
            continue
        kept = first_by_hash.setdefault(result.sha256, result)
        if kept is not result:
            result.fate = "duplicate"
            result.reason = f"与「{kept.path}」内容完全相同，未重复汇总"
    groups: dict[tuple[str, str, str], list[FileResult]] = {}
    for result in results:
        if result.used and result.project is not None and result.project.name:
            groups.setdefault(result.project.key, []).append(result)
    for items in groups.values():
        if len(items) < 2:
            continue
        items.sort(key=lambda r: (r.project.filled_on or dt.date.min, r.mtime, r.path),  # type: ignore[union-attr]
                   reverse=True)
        newest = items[0]
        date = newest.project.filled_on  # type: ignore[union-attr]
        for old in items[1:]:
            old.fate = "superseded"
            old.reason = (f"同一项目（实施单位、项目名称、年度相同）以更新的「{newest.path}」为准"
                          f"（填写日期 {date.isoformat() if date else '未填'}）")
        note = f"同一项目共 {len(items)} 个文件，采用本文件（填写日期最新）"
        newest.reason = f"{newest.reason}；{note}" if newest.reason else note


# --- the run ------------------------------------------------------------------------------

@dataclass
class CombineReport:
    """What a run did: every file's fate, the output and the time it took."""

    output: str
    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0
    jobs: int = 1

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(r.fate for r in self.files)
        return {fate: counted.get(fate, 0) for fate in FATE_TEXT}

    @property
    def projects(self) -> int:
        return sum(1 for r in self.files if r.used)

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.files if r.used)

    @property
    def warnings(self) -> int:
        return sum(r.warnings for r in self.files if r.used)

    @property
    def exit_code(self) -> int:
        if self.projects == 0:
            return EXIT_FAILED
        if self.errors or any(r.fate in _PROBLEM_FATES for r in self.files):
            return EXIT_PROBLEMS
        return EXIT_OK

    def as_json(self) -> dict[str, object]:
        """The ``--json`` report (keys documented in the README; keep them stable)."""
        return {
            "output": self.output,
            "exit_code": self.exit_code,
            "seconds": round(self.seconds, 3),
            "jobs": self.jobs,
            "projects": self.projects,
            "errors": self.errors,
            "warnings": self.warnings,
            "counts": self.counts,
            "files": [{
                "path": r.path, "fate": r.fate, "reason": r.reason,
                "unit": r.project.unit if r.project else None,
                "project": r.project.name if r.project else None,
                "year": r.project.year if r.project else None,
                "review_total": r.project.review_total if r.project else None,
                "errors": r.errors, "warnings": r.warnings, "sha256": r.sha256 or None,
            } for r in self.files],
        }


def _worker_init() -> None:
    """Garbage collection tuned for a worker that makes many short-lived objects.

    ``gc.freeze``: what a worker inherits (modules, validators, layouts) is never garbage, so it is kept
    out of the collector's scans. A higher first-generation threshold: nearly everything a file creates is
    freed by reference counting, so full scans every 700 allocations are wasted work; cycles are still
    collected, only less often.
    """
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def _run(paths: list[tuple[str, str]], jobs: int, policy: Policy | None) -> Iterator[FileResult]:
    """Results in input order, from ``jobs`` worker processes (in this process for one job or few files)."""
    work = partial(process_file, policy=policy, today=dt.date.today())
    if jobs <= 1 or len(paths) < 4:
        yield from map(work, paths)
        return
    chunk = max(1, min(32, len(paths) // (jobs * 8)))
    done = 0
    try:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init) as pool:
            for result in pool.map(work, paths, chunksize=chunk):
                done += 1
                yield result
    except BrokenProcessPool:  # a worker died (crash, out of memory): redo the rest one file per process
        for task in paths[done:]:
            yield _isolated(work, task)


def _isolated(work: Callable[[tuple[str, str]], FileResult], task: tuple[str, str]) -> FileResult:
    try:
        with ProcessPoolExecutor(max_workers=1) as pool:
            return pool.submit(work, task).result()
    except BrokenProcessPool:
        return FileResult(task[1], "unreadable", "读取该文件时处理进程意外退出（文件可能已损坏或过于复杂）；"
                                                 "请用 Excel 打开检查后重新保存")


def combine(inputs: Sequence[Path | str], output: Path | str, *, jobs: int | None = None,
            policy: Policy | None = None, force: bool = False, progress: Progress | None = None) -> CombineReport:
    """Combine every workbook under ``inputs`` into the summary ``output``.

    ``policy`` overrides the policy each template was built with; ``progress``
    is called after each file with (done, total, result). Raises
    :class:`CombineError` when nothing can be done (no input, output exists).
    """
    started = time.perf_counter()
    output = Path(output)
    if output.suffix.lower() != ".xlsx":
        raise CombineError(f"输出文件 {output} 应以 .xlsx 结尾")
    if output.exists() and not force:
        raise CombineError(f"输出文件 {output} 已存在；要覆盖请加 --force")
    found = discover(inputs, output)
    if not found:
        raise CombineError("输入中没有任何文件")
    jobs = max(1, jobs or os.cpu_count() or 1)
    results: dict[str, FileResult] = {}
    for item in found:
        if item.skip is not None:
            results[item.shown] = FileResult(item.shown, "skipped", item.skip)
    todo = [(str(item.path), item.shown) for item in found if item.skip is None]
    total = len(found)
    done = len(results)
    for result in _run(todo, jobs, policy):
        results[result.path] = result
        done += 1
        if progress:
            progress(done, total, result)
    files = [results[item.shown] for item in found]
    resolve_duplicates(files)
    try:
        with atomic_output(output, force=force) as tmp:
            write_summary(tmp, files, policy or Policy())
    except OutputExistsError as exc:
        raise CombineError(f"输出文件 {output} 已存在；要覆盖请加 --force") from exc
    return CombineReport(str(output), files, time.perf_counter() - started, jobs)


# --- command line ---------------------------------------------------------------------------

class _Bar:
    """A one-line progress bar on a terminal's stderr."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, done: int, total: int, result: FileResult) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        width = 30
        filled = int(width * done / max(total, 1))
        sys.stderr.write(f"\r汇总中 [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _print_table(report: CombineReport) -> None:
    counts = report.counts
    problems = sum(counts[f] for f in _PROBLEM_FATES)
    print(f"汇总文件：{report.output}")
    print(f"{pad('文件状态', 16)}{'个数':>6}")
    for fate, text in FATE_TEXT.items():
        if counts[fate]:
            print(f"{pad(text, 16)}{counts[fate]:>8}")
    print(f"正常 {counts['ok']} 个，有问题 {problems} 个，跳过 {counts['skipped']} 个；"
          f"汇总项目 {report.projects} 个（错误 {report.errors} 个，警告 {report.warnings} 个）；"
          f"用时 {report.seconds:.1f} 秒（{report.jobs} 个进程）")


def cmd_combine(args: argparse.Namespace) -> int:
    policy = read_policy(args.policy) if args.policy else None
    if args.json and Path(args.json).exists() and not args.force:
        raise CombineError(f"报告文件 {args.json} 已存在；要覆盖请加 --force")
    progress = _Bar() if sys.stderr.isatty() else None
    report = combine(args.inputs, args.output, jobs=args.jobs, policy=policy, force=args.force,
                     progress=progress)
    _print_table(report)
    if args.json:
        text = json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n"
        write_atomic(Path(args.json), text.encode("utf-8"), force=True)  # refused up front without --force
    return report.exit_code


def register_cli(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "combine", help="把各街道的自评表汇总为一个汇总工作簿",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="汇总文件夹中所有已填写的自评表（.xlsx/.xlsm），生成汇总工作簿。",
        epilog=("退出码：0 = 已汇总，所有文件正常且没有错误；1 = 已汇总，但有错误、被改动、重复、"
                "旧版本或无法读取的文件；2 = 参数错误、输出已存在（未加 --force）或没有可汇总的项目。"))
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="文件或文件夹（递归查找）")
    p.add_argument("-o", "--output", required=True, metavar="SUMMARY.xlsx", help="汇总工作簿")
    p.add_argument("--jobs", type=int, default=None, metavar="N", help="并行进程数（默认：CPU 核数）")
    p.add_argument("--policy", metavar="FILE", help="评分规则 TOML 文件（默认用各模板自带的规则）")
    p.add_argument("--json", metavar="REPORT", help="另存一份 JSON 报告（供程序读取）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    p.set_defaults(func=cmd_combine)

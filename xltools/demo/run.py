"""Shell: ``xltools demo`` — the whole toolkit at work on realistic data for all of Chaoyang.

Generates the demo tree (:mod:`xltools.demodata`) as real workbooks under
``DIR/forms/<实施单位>/``, combines them into ``DIR/汇总.xlsx`` with the
combiner, writes the ground truth ``DIR/manifest.json``, compares what the
checker found with it and prints a short Chinese table. With LibreOffice
installed it also renders the summary and one filled form to PNG.

Written workbooks are byte-identical for the same seed: zip entry times and
the document's modified time are fixed (the form's 填写日期).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from openpyxl import Workbook, load_workbook

from xltools.core import Form, Policy, sheet_total
from xltools.core.errors import UserError
from xltools.core.targets import Targets
from xltools.core.text import pad
from xltools.core.validation import from_json
from xltools.demo.data import YEAR, DemoFile, DemoSet, generate
from xltools.demo.drift import OLD_LAYOUT, approved_of, plant_drift, targets_of
from xltools.demo.reports import DRAFTS_DIR, PUBLIC_DIR, REPORT_NAME, ReportOutputs, write_reports
from xltools.demo.reviewing import REVIEWED_NAME, ReviewPass, review_pass
from xltools.demo.score import CodeScore, compare
from xltools.district.combine import CombineReport, ReviewOptions, combine
from xltools.district.process import watch_parent
from xltools.district.results import FATE_TEXT, fate_label, grade_names, grade_shown
from xltools.district.store import STORE_NAME, Store
from xltools.district.verdicts import status_counts
from xltools.excel.fill import fill_workbook
from xltools.excel.prefill import write_prefilled
from xltools.excel.template import template_bytes
from xltools.form.layout import SHEET
from xltools.form.registry import current_layout
from xltools.io.engine import EngineError, cjk_font_missing, soffice_available, to_pdf, to_png
from xltools.io.files import write_atomic
from xltools.io.fill import fill_template
from xltools.io.targetsbook import read_targets, write_targets

__all__ = ["DemoError", "DemoRun", "build_demo", "sheet_only", "write_demo_files", "sample_form", "table", "with_drift",
           "SUMMARY_NAME", "MANIFEST_NAME", "FORMS_DIR", "TEMPLATE_NAME"]

SUMMARY_NAME = "汇总.xlsx"
SECOND_NAME = "汇总_第二轮.xlsx"
MANIFEST_NAME = "manifest.json"
FORMS_DIR = "forms"
SECOND_FORMS_DIR = "forms_第二轮"
TEMPLATE_NAME = "朝阳区项目支出绩效自评表.xlsx"
IMAGES_DIR = "images"
EXPECT_NAME = "应报送项目名单.xlsx"
TARGETS_NAME = "绩效目标表.xlsx"
RETURNS_DIR = "退回"
_OUTPUTS = (FORMS_DIR, SECOND_FORMS_DIR, SUMMARY_NAME, SECOND_NAME, MANIFEST_NAME, TEMPLATE_NAME, IMAGES_DIR, EXPECT_NAME,
            RETURNS_DIR, STORE_NAME, TARGETS_NAME, REVIEWED_NAME, REPORT_NAME, DRAFTS_DIR, PUBLIC_DIR)
#: Projects the demo's list of expected projects names that never report (so 未报送 has rows).
_NEVER_REPORTED = ("社区微更新示范项目", "智慧社区平台运维")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_STAMP = dt.datetime(YEAR + 1, 1, 2, 9, 0, 0)


class DemoError(UserError):
    """The demo cannot run (folder not empty, bad arguments); message in Chinese."""


@dataclass
class DemoRun:
    """What one demo run made and found."""

    directory: Path
    demo: DemoSet
    report: CombineReport
    scores: dict[str, CodeScore]
    seconds: dict[str, float] = field(default_factory=dict)
    images: list[Path] = field(default_factory=list)
    render_note: str = ""
    #: The second round: files the demo fixed and resubmitted, and the run over the folder then.
    fixed: list[str] = field(default_factory=list)
    second: CombineReport | None = None
    #: The reviewer's pass between the rounds and the second round's 复核状态 counts.
    reviewed: ReviewPass | None = None
    statuses: dict[str, int] = field(default_factory=dict)
    #: The district report of the last round, three projects' drafts and (rendered) their public PDFs.
    reports: ReportOutputs = field(default_factory=ReportOutputs)

    @property
    def ground_truth_ok(self) -> bool:
        return all(s.hit == s.expected and s.correct == s.reported for s in self.scores.values())


# --- writing the files --------------------------------------------------------------------------

def _normalised(data: bytes, stamp: dt.datetime) -> bytes:
    """The same workbook with fixed zip entry times and a fixed document modified time."""
    text = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + text + rb"\g<2>", body)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, body)
    return out.getvalue()


def _stamp(form: Form | None) -> dt.datetime:
    filled = form.filled_on if form is not None else None
    return dt.datetime.combine(filled, dt.time(9, 0)) if isinstance(filled, dt.date) else _STAMP


def _write(path: Path, data: bytes, when: dt.datetime) -> None:
    """Atomic write, then the file time set to ``when`` (the day the form was filled)."""
    write_atomic(path, data, force=True)
    os.utime(path, (when.timestamp(), when.timestamp()))


def _filled_bytes(form: Form, template: Path, item: DemoFile | None = None) -> bytes:
    """The workbook of ``form``: prefilled from its approved targets (template 1.2, approved cells locked) for a
    file of the demo year, on last year's blank form for a file retyped there, else on ``template``."""
    with tempfile.TemporaryDirectory(prefix="xltools-demo-") as tmp:
        out = Path(tmp) / "form.xlsx"
        if item is not None and item.layout == OLD_LAYOUT:
            fill_template(form, out, template_bytes(year=YEAR, version=OLD_LAYOUT))
        elif item is not None and form.year == YEAR:
            write_prefilled(form, approved_of(item), out, year=YEAR)
        else:
            fill_workbook(form, out, template=template)
        return out.read_bytes()


def _tampered(data: bytes, form: Form) -> bytes:
    """What a user does to get rid of the lock: protection off, the 总分 formula typed over with a number."""
    book = load_workbook(io.BytesIO(data))
    ws = book[SHEET]
    ws.protection.sheet = False
    book.security = None
    total_cell = current_layout().spot("total_score").cell
    ws[total_cell] = sheet_total(form, Policy())
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _foreign(rows: list[list[object]]) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = "联系人"
    for row in rows:
        ws.append(row)
    book.properties.created = _STAMP
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _make(item: DemoFile, template: Path) -> bytes:
    if item.action in ("fill", "corrupt", "tamper"):
        assert item.form is not None
        data = _normalised(_filled_bytes(item.form, template, item), _stamp(item.form))
        if item.action == "corrupt":
            return data[: len(data) * 3 // 5]
        if item.action == "tamper":
            return _normalised(_tampered(data, item.form), _stamp(item.form))
        return data
    if item.action == "lock":
        return bytes(item.payload)  # type: ignore[arg-type]
    if item.action == "foreign":
        return _normalised(_foreign(item.payload), _STAMP)  # type: ignore[arg-type]
    if item.action == "text":
        return str(item.payload).encode("utf-8")
    raise ValueError(f"unknown demo action {item.action}")


def _write_one(task: tuple[DemoFile, str, str]) -> str:
    item, root, template = task
    _write(Path(root) / item.path, _make(item, Path(template)), _stamp(item.form))
    return item.path


def write_demo_files(demo: DemoSet, root: Path, template: Path, *, jobs: int = 1) -> None:
    """Write every file of ``demo`` under ``root`` (copies after their sources)."""
    originals = [f for f in demo.files if f.action != "copy"]
    tasks = [(f, str(root), str(template)) for f in originals]
    if jobs > 1 and len(tasks) > 8:
        with ProcessPoolExecutor(max_workers=jobs, initializer=watch_parent) as pool:
            list(pool.map(_write_one, tasks, chunksize=max(1, len(tasks) // (jobs * 4))))
    else:
        for task in tasks:
            _write_one(task)
    for item in demo.files:
        if item.action == "copy":
            assert item.source is not None
            _write(root / item.path, (root / item.source).read_bytes(), _stamp(item.form))


# --- the run ----------------------------------------------------------------------------------------

def _prepare(directory: Path, force: bool) -> None:
    if directory.exists() and not directory.is_dir():
        raise DemoError(f"{directory} 不是文件夹")
    if directory.is_dir() and any(directory.iterdir()):
        if not force:
            raise DemoError(f"文件夹 {directory} 不是空的；要覆盖其中的演示数据请加 --force")
        links = [directory / name for name in _OUTPUTS if (directory / name).is_symlink()]
        if links:  # the demo never makes a link: what it points at is someone else's, never removed or written
            raise DemoError(f"{links[0]} 是指向 {os.readlink(links[0])} 的链接，不是演示生成的数据；"
                            "--force 只覆盖演示自己的文件，不会删除或写入链接所指的位置。请换一个文件夹（--dir）")
        for name in _OUTPUTS:
            target = directory / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    directory.mkdir(parents=True, exist_ok=True)


def _seed_form() -> Form:
    from importlib.resources import files

    text = (files("xltools") / "data" / "seed_2020.json").read_text(encoding="utf-8")
    return from_json(Form, text)


def sample_form(demo: DemoSet) -> DemoFile:
    """The form the demo renders: the first clean generated one that explains a shortfall (偏差原因)."""
    clean = [f for f in demo.files if f.action == "fill" and f.fate == "ok" and f.expected is not None
             and not f.mistakes]
    explained = [f for f in clean if any(ind.deviation for ind in f.form.indicators)]  # type: ignore[union-attr]
    return (explained or clean)[0]


def _render(directory: Path, demo: DemoSet) -> tuple[list[Path], str]:
    """PNG of the summary's first page and of the seed form (one soffice call); a note when impossible."""
    if not soffice_available():
        return [], "未安装 LibreOffice，跳过渲染 PNG"
    if cjk_font_missing():
        return [], ("未安装中文字体，跳过渲染 PNG（否则图中的汉字都是方框）："
                    "请安装中文字体，例如 apt-get install fonts-wqy-zenhei 或 fonts-noto-cjk，再运行 make demo")
    sample = sample_form(demo)
    images = directory / IMAGES_DIR
    try:
        with tempfile.TemporaryDirectory(prefix="xltools-render-") as tmp:
            review = sheet_only(directory / SUMMARY_NAME, "复核重点", Path(tmp) / "复核重点.xlsx")
            pdfs = to_pdf([directory / SUMMARY_NAME, directory / sample.path, review], tmp)
            out = [to_png(pdfs[0], images / "汇总.png", pages=1)]
            out.append(to_png(pdfs[1], images / "样表.png", pages=1))
            out.append(to_png(pdfs[2], images / "复核重点.png", pages=1))
    except EngineError as exc:
        return [], f"渲染失败：{exc}"
    return out, ""


def sheet_only(source: Path, sheet: str, out: Path) -> Path:
    """A copy of a workbook with only ``sheet`` (to print that sheet's first page)."""
    book = load_workbook(source)
    for name in book.sheetnames:
        if name != sheet:
            del book[name]
    book.save(out)
    return out


def _write_expected(directory: Path, demo: DemoSet) -> Path:
    """The list of projects that must report: every generated project but the last, and two that never do."""
    projects = list(dict.fromkeys((str(f.form.implementing_unit), str(f.form.project_name))
                                  for f in demo.files if f.form is not None and f.form.year == YEAR
                                  and f.fate in ("ok", "tampered", "superseded")))
    book = Workbook()
    ws = book.active
    ws.title = "应报送项目"
    ws.append(["序号", "实施单位", "项目名称"])
    rows = projects[:-1] + [(projects[i][0], name) for i, name in enumerate(_NEVER_REPORTED)]
    for number, (unit, name) in enumerate(rows, start=1):
        ws.append([number, unit, name])
    book.properties.created = _STAMP
    buffer = io.BytesIO()
    book.save(buffer)
    target = directory / EXPECT_NAME
    _write(target, _normalised(buffer.getvalue(), _STAMP), _STAMP)
    return target


def with_drift(demo: DemoSet) -> DemoSet:
    """The demo with its planted drift (forms retyped on last year's blank form, each with one change)."""
    return DemoSet(demo.seed, demo.scale, tuple(plant_drift(demo.seed, list(demo.files))))


def _write_targets(directory: Path, demo: DemoSet) -> Targets:
    """The district's 绩效目标表 (every project of the demo year as approved), written and read back."""
    target = directory / TARGETS_NAME
    write_targets(target, targets_of(demo.files), force=True)
    os.utime(target, (_STAMP.timestamp(), _STAMP.timestamp()))
    return read_targets(target).targets


def _fixable(demo: DemoSet) -> list[DemoFile]:
    """The forms the second round resubmits fixed: every other one with a mistake."""
    return sorted((f for f in demo.files if f.fixed is not None), key=lambda f: f.path)[::2]


def _fix_some(directory: Path, demo: DemoSet, template: Path) -> list[str]:
    """The second round's folder: the forms again, every other one with a mistake resubmitted without it,
    two weeks later (the first round's folder stays as the manifest describes it)."""
    second = directory / SECOND_FORMS_DIR
    shutil.copytree(directory / FORMS_DIR, second)
    fixable = _fixable(demo)
    for item in fixable:
        assert item.fixed is not None
        filled = item.fixed.filled_on if isinstance(item.fixed.filled_on, dt.date) else _STAMP.date()
        form = replace(item.fixed, filled_on=filled + dt.timedelta(days=14))
        target = second / Path(item.path).relative_to(FORMS_DIR)
        _write(target, _normalised(_filled_bytes(form, template), _stamp(form)), _stamp(form))
    return [f.path for f in fixable]


def build_demo(directory: Path | str, *, scale: int = 200, seed: int = 2024, force: bool = False,
               jobs: int | None = None, render: bool = True) -> DemoRun:
    """Generate, write, check, combine and compare; returns what happened."""
    directory = Path(directory)
    if scale < 20:
        raise DemoError("--scale 至少为 20")
    _prepare(directory, force)
    jobs = max(1, jobs or os.cpu_count() or 1)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    demo = with_drift(generate(seed=seed, scale=scale, seed_form=_seed_form()))
    template = directory / TEMPLATE_NAME
    _write(template, _normalised(template_bytes(year=YEAR), _STAMP), _STAMP)
    write_demo_files(demo, directory, template, jobs=jobs)
    seconds["生成"] = time.perf_counter() - started
    expect = _write_expected(directory, demo)
    targets = _write_targets(directory, demo)
    mark = time.perf_counter()
    review = ReviewOptions(sample=max(10, scale // 10), seed=seed, expect=expect, returns=directory / RETURNS_DIR)
    report = combine([directory / FORMS_DIR], directory / SUMMARY_NAME, jobs=jobs, force=True,
                     round_label="第一轮", review=review, targets=targets)
    seconds["检查汇总"] = time.perf_counter() - mark
    manifest = demo.manifest()
    found = {r.path: [(code, f"{sheet}!{cell}" if sheet else cell or None) for sheet, cell, code, _, _ in r.findings]
             for r in report.files}
    scores = compare(manifest, found)
    manifest["combined"] = {r.path: r.fate for r in report.files}
    text = json.dumps(manifest, ensure_ascii=False, indent=1, default=str) + "\n"
    _write(directory / MANIFEST_NAME, text.encode("utf-8"), _STAMP)
    run = DemoRun(directory, demo, report, scores, seconds)
    mark = time.perf_counter()  # a reviewer's pass over the first summary, then the units resubmit
    run.reviewed = review_pass(directory / SUMMARY_NAME, directory / STORE_NAME, directory / REVIEWED_NAME,
                               {f.path for f in _fixable(demo)})
    run.fixed = _fix_some(directory, demo, template)
    run.second = combine([directory / SECOND_FORMS_DIR], directory / SECOND_NAME, jobs=jobs, force=True,
                         round_label="第二轮", review=ReviewOptions(expect=expect), targets=targets)
    with Store(directory / STORE_NAME) as store:
        run.statuses = status_counts(store, run.second.round_id)
    seconds["第二轮"] = time.perf_counter() - mark
    mark = time.perf_counter()
    run.reports = write_reports(directory, demo, directory / SECOND_NAME, render=render)
    seconds["报告"] = time.perf_counter() - mark
    if render:
        mark = time.perf_counter()
        run.images, run.render_note = _render(directory, demo)
        if run.images:
            seconds["渲染"] = time.perf_counter() - mark
    seconds["合计"] = time.perf_counter() - started
    return run


# --- the table -------------------------------------------------------------------------------------

def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}" if value in (0, 1) else f"{value:.1%}"


def table(run: DemoRun) -> str:
    """The short Chinese table ``xltools demo`` prints."""
    report, demo = run.report, run.demo
    used = [r.project for r in report.files if r.used and r.project is not None]
    budget = sum(p.annual_budget or 0.0 for p in used)
    executed = sum(p.executed or 0.0 for p in used)
    grades = Counter(grade_shown(p) for p in used)
    fates = Counter(r.fate for r in report.files)
    expected_fates = {f.path: f.fate for f in demo.files}
    fate_ok = sum(1 for r in report.files if expected_fates.get(r.path) == r.fate)
    units = len({p.unit for p in used})
    lines = [
        f"朝阳区项目支出绩效自评 · 演示数据（随机种子 {demo.seed}，{demo.scale} 个项目）",
        f"  文件     {len(report.files)} 个：" + "，".join(
            f"{label} {n}" for k in FATE_TEXT if fates[k] for label, n in (
                ((fate_label(k, 0), fates[k] - report.ok_with_errors), (fate_label(k, 1), report.ok_with_errors))
                if k == "ok" else ((FATE_TEXT[k], fates[k]),)) if n),
        f"           文件去向与标准答案一致 {fate_ok}/{len(report.files)}",
        f"  项目     {len(used)} 个，{units} 个实施单位",
        f"  全区预算 {budget:,.4f} 万元，执行 {executed:,.4f} 万元，执行率 "
        f"{executed / budget:.2%}" if budget else "  全区预算 —",
        "  等级     " + "，".join(f"{g} {grades.get(g, 0)}" for g in grade_names(Policy()))
        + "".join(f"，{g} {grades[g]}" for g in ("未评级", "未评分") if grades.get(g)),
        "  问题（按代码）：",
        f"    {pad('代码', 28)}{pad('级别', 6)}{'个数':>6}{'预期':>6}{'召回率':>8}{'精确率':>8}",
    ]
    counts = Counter((f[2], f[3]) for r in report.files for f in r.findings)
    for (code, severity), n in sorted(counts.items(), key=lambda item: (item[0][1], -item[1], item[0][0])):
        score = run.scores.get(code)
        level = "错误" if severity == "error" else "警告"
        expected = str(score.expected) if score and score.expected else "—"
        lines.append(f"    {pad(code, 28)}{pad(level, 6)}{n:>8}{expected:>8}"
                     f"{_pct(score.recall if score else None):>10}{_pct(score.precision if score else None):>10}")
    lines.append("    （召回率、精确率只对照有标准答案的文件：真实样表与被改动的文件不计）")
    verdict = "全部一致" if run.ground_truth_ok else "有不一致，请查看 manifest.json"
    lines.append(f"  标准答案 {verdict}")
    extras = report.extras
    lines.append(f"  复核重点 {extras.get('flagged', 0)} 个项目有风险标记；抽查名单 {len(extras.get('sample', []))} 个；"
                 f"未报送 {extras.get('missing', 0)} 个，不在名单上 {extras.get('unexpected', 0)} 个")
    lines.append(f"  退回     {extras.get('returned', 0)} 份有错误的表（{extras.get('returned_units', 0)} 个实施单位）"
                 f" → {run.directory / RETURNS_DIR}")
    if run.reviewed is not None:
        reviewed = run.reviewed
        lines.append(f"  复核     {REVIEWED_NAME}：通过 {reviewed.count('通过')}，退回修改 {reviewed.count('退回修改')}，"
                     f"整改 {reviewed.count('整改')}（已导入结果库，同 xltools review import）")
    if run.second is not None:
        second = run.second
        lines.append(f"  第二轮   改正后重交 {len(run.fixed)} 份：读取 {second.read} 个，沿用上次结果 {second.reused} 个；"
                     f"错误 {report.errors} → {second.errors} 个；「变化」{second.extras.get('changes', 0)} 个项目")
        if run.statuses:
            lines.append("           复核状态：" + "，".join(f"{k} {n}" for k, n in run.statuses.items() if n))
        lines.append(f"           {run.directory / SECOND_NAME}")
    lines.append(f"  汇总     {run.directory / SUMMARY_NAME}")
    lines.append(f"  标准答案 {run.directory / MANIFEST_NAME}")
    reports = run.reports
    if reports.report is not None:
        lines.append(f"  汇总分析 {reports.report}")
    if reports.drafts:
        lines.append(f"  报告草稿 {len(reports.drafts)} 份 → {run.directory / DRAFTS_DIR}")
    if reports.pdfs:
        lines.append(f"  公开版   {len(reports.pdfs)} 份 PDF → {run.directory / PUBLIC_DIR}")
    for note in reports.notes:
        lines.append(f"  报告     {note}")
    for image in [*run.images, *reports.images]:
        lines.append(f"  图片     {image}")
    if run.render_note:
        lines.append(f"  图片     {run.render_note}")
    lines.append("  用时     " + "，".join(f"{k} {v:.1f} 秒" for k, v in run.seconds.items()))
    return "\n".join(lines)

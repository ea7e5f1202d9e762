"""Shell: the demo's reports — the district's 自评汇总分析, three projects' 自评报告 drafts and their public PDFs.

:func:`write_reports` runs what ``xltools report`` and ``xltools publish`` run, on the demo's files: the
district report from the last round's summary, a draft per chosen project from its workbook as read through
the reader seam, and (with LibreOffice and a Chinese font) the public version of each as PDF (phone numbers
masked), in one ``soffice`` call, plus a PNG of the first page of the report, of a draft and of a PDF.
What cannot be made on this machine (no matplotlib, no Chinese font, no LibreOffice) is said in a note.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from xltools.demo.data import DemoFile, DemoSet
from xltools.io.engine import EngineError, cjk_font_missing, soffice_available, to_pdf, to_png
from xltools.io.files import write_atomic

__all__ = ["REPORT_NAME", "DRAFTS_DIR", "PUBLIC_DIR", "ReportOutputs", "report_forms", "write_reports", "district_report"]

REPORT_NAME = "自评汇总分析.docx"
DRAFTS_DIR = "报告草稿"
PUBLIC_DIR = "公开"
#: How many projects get a draft and a public PDF.
COUNT = 3


@dataclass
class ReportOutputs:
    """What :func:`write_reports` wrote, and why anything is missing."""

    report: Path | None = None
    drafts: list[Path] = field(default_factory=list)
    pdfs: list[Path] = field(default_factory=list)
    images: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def report_forms(demo: DemoSet, count: int = COUNT) -> list[DemoFile]:
    """The demo's examples: generated forms of the year, clean ones first (those explaining a shortfall before
    others), of different 实施单位 where there are enough."""
    forms = [f for f in demo.files if f.action == "fill" and f.fate == "ok" and f.form is not None]
    forms.sort(key=lambda f: (bool(f.mistakes) or f.expected is None,
                              not any(i.deviation for i in f.form.indicators), f.path))  # type: ignore[union-attr]
    chosen: list[DemoFile] = []
    for item in forms:
        if all(item.form.implementing_unit != c.form.implementing_unit for c in chosen):  # type: ignore[union-attr]
            chosen.append(item)
        if len(chosen) == count:
            return chosen
    return chosen + [f for f in forms if f not in chosen][:count - len(chosen)]


def district_report(summary: Path, target: Path) -> str:
    """Write the district report of ``summary`` to ``target``; ``""``, or why it could not be written."""
    from xltools.core.errors import UserError
    from xltools.district.analysis import read_summary
    from xltools.district.district_report import Charts, report_bytes
    from xltools.io.fonts import NO_CJK_FONT, cjk_font_file

    try:
        import matplotlib  # noqa: F401  (is it installed: the report extra)
    except ImportError:
        return "未安装 matplotlib，跳过自评汇总分析（pip install \"xltools-chaoyang[report]\"）"
    font = cjk_font_file()
    if font is None:
        return f"跳过自评汇总分析：{NO_CJK_FONT}"
    from xltools.district.charts import grade_chart, rate_chart

    try:
        facts = read_summary(summary)
    except UserError as exc:
        return f"跳过自评汇总分析：{exc}"
    charts = Charts(grade_chart(facts.units(), facts.grade_names, font), rate_chart(facts.rate_bands(), font))
    write_atomic(target, report_bytes(facts, charts), force=True)
    return ""


def write_reports(directory: Path, demo: DemoSet, summary: Path, *, render: bool) -> ReportOutputs:
    """The report of ``summary``, drafts of :func:`report_forms` and, with ``render``, their public PDFs and PNGs."""
    from xltools.excel.publish import masked, public_workbook
    from xltools.io.draft import draft_bytes
    from xltools.io.forms import judge_loaded, load_form, with_formula_values

    out = ReportOutputs()
    note = district_report(summary, directory / REPORT_NAME)
    if note:
        out.notes.append(note)
    else:
        out.report = directory / REPORT_NAME
    publics = []
    for item in report_forms(demo):
        loaded = load_form(str(directory / item.path))
        form, _ = with_formula_values(loaded)
        name = f"{Path(item.path).parent.name}_{Path(item.path).stem}"  # file names repeat across units
        draft = directory / DRAFTS_DIR / f"{name}.docx"
        write_atomic(draft, draft_bytes(form, judge_loaded(loaded)), force=True)
        out.drafts.append(draft)
        publics.append((name, public_workbook(masked(form))))
    if not render:
        return out
    if not soffice_available() or cjk_font_missing():
        out.notes.append("未安装 LibreOffice 或中文字体，跳过公开版 PDF 和报告的图片")
        return out
    try:
        with tempfile.TemporaryDirectory(prefix="xltools-demo-reports-") as tmp:
            books = []
            for name, data in publics:
                books.append(Path(tmp) / f"公开_{name}.xlsx")  # one soffice call: names distinct from the drafts
                books[-1].write_bytes(data)
            pictured = [p for p in (out.report, out.drafts[0] if out.drafts else None) if p is not None]
            pdfs = to_pdf([*books, *pictured], Path(tmp) / "pdf")
            for (name, _), pdf in zip(publics, pdfs):
                target = directory / PUBLIC_DIR / f"{name}.pdf"
                write_atomic(target, pdf.read_bytes(), force=True)
                out.pdfs.append(target)
            images = directory / "images"
            shown = {"公开版.png": pdfs[0] if publics else None}
            for source, pdf in zip(pictured, pdfs[len(publics):]):
                shown["自评汇总分析.png" if source == out.report else "自评报告草稿.png"] = pdf
            out.images = [to_png(pdf, images / name, pages=1) for name, pdf in shown.items() if pdf is not None]
    except EngineError as exc:
        out.notes.append(f"公开版 PDF 渲染失败：{exc}")
    return out

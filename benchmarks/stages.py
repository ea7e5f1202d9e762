"""Where one combine's CPU goes, stage by stage, without a profiler (used by bench_combine.py and
profile_combine.py; a benchmark, not the product).

Runs, file by file in this process, the steps :func:`xltools.district.process.process_file` runs,
each timed with ``time.process_time`` — the reader's own steps too, through its internal ``_Reader``
(kept in step with xltools/io/xlsxread.py by hand) — then stores the results as combine does and
writes the summary:

=========  ===========================================================================================
open       the file's bytes, SHA-256, the zip directory and its limits, workbook.xml and its relations
inflate    decompressing the parts of the file's own the reader reads (shared strings, the form sheet); the
           parts every form of a template shares (styles, 模板信息) are known by their stored bytes, in their stages
strings    the shared strings (LibreOffice-saved files keep a form's texts there)
styles     the locked and date styles (cached per process by the part's digest)
sheet      the form sheet's and 模板信息's cells
form       identify (template id, version, policy) and the form built from the cells
tamper     the approved targets a prefilled form carries, the tamper check (metadata, formulas, locked
           cells, protection)
scoring    formula values as the sheet shows them, then the scores
rules      the validation rules, the findings placed at their cells, the drift from approved targets
row        the summary's project row, the project's risk facts and its findings' rows
           (the stages up to here run under the workers' garbage collection, combine.worker_gc)
store      adding the results to the results store 64 at a time as combine does, the year, duplicates, commit
summary    the summary workbook as combine writes it: review sheets, 汇总, and the four long sheets rendered
           from the store (combine's second process; here run in this process, so its CPU counts) and spliced in
=========  ===========================================================================================
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import io
import tempfile
import time
import zipfile
from functools import cache
from pathlib import Path

STAGES = ("open", "inflate", "strings", "styles", "sheet", "form", "tamper", "scoring", "rules", "row",
          "store", "summary")
READER = ("open", "inflate", "strings", "styles", "sheet")


@cache
def _staged_reader() -> type:
    """The reader with the parts of a file's own inflated up front (so inflating is timed on its own)."""
    from xltools.io import xlsxread

    class Reader(xlsxread._Reader):
        inflated: dict[str, bytes | None]

        def part(self, name: str) -> bytes | None:
            return self.inflated[name] if name in self.inflated else super().part(name)

    return Reader


def read_staged(path: Path, spent: dict[str, float]):  # noqa: ANN201 - xltools.io.xlsxread.WorkbookData
    """Read one file's form sheet and 模板信息 as a combine worker does (cells only), through the reader's own
    steps, adding each reader stage's CPU seconds to ``spent`` (kept in step with xltools/io/xlsxread.py by hand)."""
    from xltools.district.process import LIMITS
    from xltools.form.layout import META_SHEET, SHEET
    from xltools.io import xlsxread
    from xltools.io.files import read_regular

    tick = time.process_time
    wanted, shared = {SHEET, META_SHEET}, {META_SHEET}
    t0 = tick()
    data = read_regular(str(path), LIMITS.max_file_bytes)[0]
    hashlib.sha256(data).hexdigest()
    reader = _staged_reader()(zipfile.ZipFile(io.BytesIO(data)), LIMITS, data)
    reader.inflated = {}
    workbook = reader.shared_xml("xl/workbook.xml")
    targets = reader._relationships("xl/_rels/workbook.xml.rels")
    t1 = tick()
    sheet_parts = [targets.get(node.get(f"{xlsxread._REL_NS}id", ""), "")
                   for node in workbook.iter(f"{xlsxread._NS}sheet") if node.get("name") in wanted - shared]
    for name in ("xl/sharedStrings.xml", *sheet_parts):
        reader.inflated[name] = xlsxread._Reader.part(reader, name)
    t2 = tick()
    strings = reader._shared_strings()
    t3 = tick()
    reader._styles()
    t4 = tick()
    reader._shared_strings = lambda: strings  # read once, above
    book = reader.read(wanted, shared, cells_only=True)
    t5 = tick()
    for stage, seconds in zip(READER, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
        spent[stage] += seconds
    return book


def forget() -> None:
    """Empty every per-process cache of the reader (parts, styles, rows, cells, strings): a form read next is read
    as the first of a run reads it."""
    from xltools.io import xlsxread, xlsxsheet, xlsxstrings

    for kept in (xlsxread._PART_CACHE, xlsxread._STYLE_CACHE, getattr(xlsxread, "_INFLATED", {}),
                 xlsxstrings._ITEMS):
        kept.clear()
    if hasattr(xlsxsheet, "forget"):
        xlsxsheet.forget()
    else:  # the reader before its cells' cache (to compare with it)
        xlsxsheet._ROWS.clear()
        xlsxsheet._CHECKED.clear()


def clock_reader(paths: list[Path]) -> dict[str, float]:
    """CPU seconds of each reader stage (open … sheet) over ``paths``."""
    from xltools.district.combine import worker_gc

    spent = dict.fromkeys(READER, 0.0)
    threshold = gc.get_threshold()
    worker_gc()  # as in the workers
    try:
        for path in paths:
            read_staged(path, spent)
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
    return spent


def clock(paths: list[Path]) -> dict[str, float]:
    """CPU seconds of each stage over ``paths`` (every stage's sum over the files)."""
    from xltools.core import Evaluation
    from xltools.core.rules import validate
    from xltools.core.scoring import score_form
    from xltools.district.combine import worker_gc
    from xltools.district.process import _finding_row, indicator_rows, process_file, project_row
    from xltools.district.review import risk_facts
    from xltools.form.identify import identify
    from xltools.form.registry import released_policy
    from xltools.form.tamper import check_tamper
    from xltools.form.approved import embedded_targets
    from xltools.form.verdict import Verdict, _drift, _placed, as_shown, read_form

    spent = dict.fromkeys(STAGES, 0.0)
    tick = time.process_time
    today = dt.date.today()
    threshold = gc.get_threshold()
    worker_gc()  # the workers' garbage collection (the main process's stages below run under the default)
    for path in paths:
        book = read_staged(path, spent)
        t5 = tick()
        identity = identify(book)
        district = released_policy(identity.version)
        form = read_form(book, identity)
        t6 = tick()
        own = embedded_targets(book, identity)
        tamper = [*check_tamper(book, identity, district, own.approved_cells), *own.problems]
        t7 = tick()
        layout = identity.layout
        shown, self_total = as_shown(form, layout, identity.policy or district, district)
        sheet = score_form(shown, district)
        t8 = tick()
        findings = validate(shown, district, today=today, sheet=sheet)
        evaluation = _placed(Evaluation(shown, sheet, findings), layout)
        verdict = Verdict(form, evaluation, layout, identity,
                          tuple(f.at_cell(f.cell or layout.cell_of(f.field)) for f in tamper), district, (),
                          _drift(form, None, district, layout, own.project), self_total)
        t9 = tick()
        rows = indicator_rows(verdict)
        risk_facts(project_row(verdict, district, rows), rows)
        [_finding_row(f) for f in verdict.findings]
        t10 = tick()
        for stage, seconds in zip(STAGES[len(READER):], (t6 - t5, t7 - t6, t8 - t7, t9 - t8, t10 - t9)):
            spent[stage] += seconds
    gc.unfreeze()
    gc.set_threshold(*threshold)
    results = [process_file((str(p), str(p)), today=today) for p in paths]
    store, summary = clock_main(results, today)
    spent["store"], spent["summary"] = store, summary
    return spent


def clock_main(results: list, today: dt.date, split: dict[str, float] | None = None,
               keep: Path | None = None, sources: list[str] | None = None) -> tuple[float, float]:
    """CPU seconds of combine's main-process stages over ``results``: ``store`` (added 64 at a time with a commit
    every 500 files, as combine's loop does, then the year, duplicates and the commit) and ``summary`` (the review
    sheets worked out, 汇总 and the review sheets written, and 项目信息, 指标明细, 问题清单 and 文件清单 rendered from the
    store and spliced in — the renderer run in this process, so the CPU a real combine spends in its second process
    is counted). The same functions combine calls, with no sample, expected list or returns. ``split`` receives the
    renderer's share as ``render``; ``keep``, a path the summary is written to (else a temporary file); ``sources``, each result's
    file as combine stores it (else its shown path)."""
    from xltools.core.policy import DEFAULT_POLICY
    from xltools.district.combine import _Rows, _write_summary
    from xltools.district import sheetparts
    from xltools.district.sheetparts import SheetParts
    from xltools.district.review_options import ReviewOptions
    from xltools.district.sheets_review import review_sheets
    from xltools.district.store import Store

    tick = time.process_time
    with tempfile.TemporaryDirectory() as tmp:
        started = tick()
        with Store(Path(tmp) / "store.sqlite") as db:
            round_id, _ = db.begin_round(None, str(Path(tmp) / "summary.xlsx"), "bench")
            stored: list = []
            for seq, result in enumerate(results):
                stored.append((seq, result, sources[seq] if sources else result.path))
                if len(stored) >= 64 or (seq + 1) % 500 == 0:
                    db.add_many(round_id, stored, "bench", today)
                    stored.clear()
                if (seq + 1) % 500 == 0:
                    db.commit()
            db.add_many(round_id, stored, "bench", today)
            year = db.common_year(round_id)
            if year:
                db.mark_wrong_year(round_id, year)
            db.resolve_duplicates(round_id)
            db.commit()
            store = tick() - started
            started = tick()
            scratch = Path(tmp) / "parts"
            scratch.mkdir()
            output = keep or Path(tmp) / "summary.xlsx"
            rendering = _clocked(sheetparts, "render_parts")  # the renderer's share, for ``split``
            with rendering, SheetParts(Path(tmp) / "store.sqlite", round_id, str(scratch), parallel=False) as parts:
                policy = DEFAULT_POLICY
                sheets = review_sheets(db, round_id, ReviewOptions(), policy)
                _write_summary(output, _Rows(db, round_id, used=False), policy, parts,
                               used=_Rows(db, round_id, used=True, header=True), extra=sheets.write,
                               link_base=output.parent,
                               review=sheets.review)
            if sheets.review is not None:
                sheets.review.settle()
            summary = tick() - started
    if split is not None:
        split["render"] = rendering.seconds
    return store, summary


class _clocked:  # noqa: N801 - used as a context manager
    """Within ``with``, the module's function ``name`` counts the CPU seconds of its calls (``seconds``)."""

    def __init__(self, module: object, name: str) -> None:
        self.module, self.name, self.seconds = module, name, 0.0
        self.function = getattr(module, name)

    def __enter__(self) -> _clocked:
        def clocked(*args: object, **kwargs: object) -> object:
            started = time.process_time()
            try:
                return self.function(*args, **kwargs)
            finally:
                self.seconds += time.process_time() - started

        setattr(self.module, self.name, clocked)
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(self.module, self.name, self.function)


def table(spent: dict[str, float], n: int) -> list[str]:
    """The stage table: ms per file of each stage, the reader's and the judging's subtotals, the sum."""
    lines = [f"  {'stage':10} {'ms/file':>8} {'share':>6}"]
    total = sum(spent.values())
    for stage in STAGES:
        lines.append(f"  {stage:10} {1000 * spent[stage] / n:8.3f} {spent[stage] / total:6.0%}")
    reader = sum(spent[s] for s in READER)
    judging = sum(spent[s] for s in STAGES if s not in READER)
    lines.append(f"  {'reader':10} {1000 * reader / n:8.3f}   (open … sheet)")
    lines.append(f"  {'after it':10} {1000 * judging / n:8.3f}   (form … summary)")
    lines.append(f"  {'sum':10} {1000 * total / n:8.3f}")
    return lines

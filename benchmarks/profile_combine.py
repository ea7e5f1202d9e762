"""Where combine's time goes, on the mixed corpus (a script that prints figures, not a test).

    .venv/bin/python benchmarks/profile_combine.py [--n 2000] [--workdir DIR] [--top 25] [--pstats FILE]

Builds the corpus of bench_combine.py (half the files saved again by LibreOffice), runs
:func:`xltools.district.combine.combine` with ``jobs=1`` — everything in this process, so cProfile sees
the workers' work too — first without the profiler (the true time), then under cProfile (timed by CPU time), and prints the
time of each stage (inclusive times of the stage's entry functions, scaled from the profiled run to the
true one: cProfile's overhead falls mostly on code that makes many small Python calls, so the shares are
indicative) and the top functions by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import build_bases, generate_tree  # noqa: E402

# stage: (file suffix, function name) of its entry points; inclusive times are summed
STAGES = {
    "discover (walk the inputs)": [("district/discover.py", "discover")],
    "reader (xlsxread.read_workbook)": [("io/xlsxread.py", "read_workbook")],
    "identify": [("form/identify.py", "identify")],
    "tamper check": [("form/tamper.py", "check_tamper")],
    "form from cells": [("form/verdict.py", "read_form")],
    "evaluation (score + rules)": [("core/__init__.py", "evaluate")],
    "  of which scoring": [("core/scoring.py", "score_form")],
    "  of which validation rules": [("core/rules.py", "validate")],
    "summary's project row": [("district/process.py", "project_row")],
    "whole files in a worker (process_file)": [("district/process.py", "process_file")],
    "duplicates": [("district/duplicates.py", "resolve_duplicates")],
    "summary workbook (write_summary)": [("district/summary.py", "write_summary")],
    "  of which deflate (zlib compress)": [("~", "<method 'compress' of 'zlib.Compress' objects>"),
                                           ("~", "<method 'flush' of 'zlib.Compress' objects>")],
    "  of which XlsxWriter packaging (_store_workbook)": [("xlsxwriter/workbook.py", "_store_workbook")],
}


def stage_times(stats: pstats.Stats) -> dict[str, float]:
    found: dict[str, float] = {}
    for stage, entries in STAGES.items():
        total = 0.0
        for (file, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            if any(file.endswith(suffix) and func == name for suffix, name in entries):
                total += ct
        found[stage] = total
    return found


def clock_stages(paths: list[Path], output: Path) -> None:
    """CPU time of each stage of a worker's job and of the summary, without a profiler.

    Runs the steps :func:`xltools.district.process.process_file` runs, one by one, each timed with
    ``time.process_time`` (kept in step with process.py by hand: a benchmark, not the product).
    """
    import datetime as dt
    import hashlib
    import zipfile
    import zlib

    from xltools.core import Policy
    from xltools.core.rules import validate
    from xltools.core.scoring import score_form
    from xltools.district.process import LIMITS, process_file, project_row
    from xltools.district.review import risk_facts
    from xltools.district.summary import write_summary
    from xltools.form.identify import identify
    from xltools.form.layout import META_SHEET, SHEET
    from xltools.form.tamper import check_tamper
    from xltools.form.verdict import judge, read_form
    from xltools.io.xlsxread import read_workbook

    clock = time.process_time
    today, policy = dt.date.today(), Policy()
    spent = dict.fromkeys(("open + sha256", "reader", "identify", "tamper check", "form from cells", "scoring",
                           "validation rules", "summary's project row + risk facts"), 0.0)
    reader_by_writer = {"libreoffice": [0.0, 0], "xltools": [0.0, 0]}
    for path in paths:
        writer = ("libreoffice", "xltools")[int(path.stem) % 2]  # corpus.generate_tree alternates them
        t0 = clock()
        data = path.read_bytes()
        hashlib.sha256(data).hexdigest()
        t1 = clock()
        book = read_workbook(data, sheets=(SHEET, META_SHEET), shared=(META_SHEET,), cells_only=True, limits=LIMITS)
        t2 = clock()
        identity = identify(book)
        t3 = clock()
        check_tamper(book, identity)
        t4 = clock()
        form = read_form(book, identity)
        t5 = clock()
        sheet = score_form(form, identity.policy or policy)
        t6 = clock()
        validate(form, identity.policy or policy, today=today, sheet=sheet)
        t7 = clock()
        verdict = judge(book, today=today, identity=identity)
        t8 = clock()
        risk_facts(project_row(verdict, identity.policy or policy))
        t9 = clock()
        reader_by_writer[writer][0] += t2 - t1
        reader_by_writer[writer][1] += 1
        for stage, seconds in zip(spent, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6, t9 - t8)):
            spent[stage] += seconds
    results = [process_file((str(p), str(p))) for p in paths]
    started = clock()
    write_summary(output, results, policy)
    spent["summary workbook (main process)"] = clock() - started
    n = len(paths)
    print(f"\nStages timed one by one (CPU, no profiler), {n} files:")
    for stage, seconds in spent.items():
        print(f"  {stage:34} {seconds:6.2f} s {1000 * seconds / n:7.3f} ms/file")
    print(f"  {'sum':34} {sum(spent.values()):6.2f} s {1000 * sum(spent.values()) / n:7.3f} ms/file")
    print("  reader by writer: " + ", ".join(f"{w} {1000 * t / max(k, 1):.3f} ms/file ({k} files)"
                                            for w, (t, k) in reader_by_writer.items()))
    with zipfile.ZipFile(output) as archive:
        parts = [archive.read(info) for info in archive.infolist()]
    print(f"Summary deflate ({sum(map(len, parts)) / 1e6:.1f} MB of XML), what each zlib level would cost:")
    for level in (6, 1):
        started = clock()
        size = 0
        for part in parts:
            packer = zlib.compressobj(level, zlib.DEFLATED, -15)
            size += len(packer.compress(part)) + len(packer.flush())
        print(f"  level {level}{' (zipfile default)' if level == 6 else ''}: {clock() - started:.3f} s CPU, "
              f"{size / 1e6:.2f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--generated", type=int, default=100)
    parser.add_argument("--resaved", type=int, default=200)
    parser.add_argument("--workdir", type=Path, help="where to generate (kept, and its bases reused)")
    parser.add_argument("--top", type=int, default=25, help="functions listed by own time (default 25)")
    parser.add_argument("--pstats", type=Path, help="also save the profile (for snakeviz, pstats)")
    parser.add_argument("--no-cprofile", action="store_true", help="only the stage clock")
    args = parser.parse_args()

    from xltools.district.combine import combine

    work = args.workdir or Path(tempfile.mkdtemp(prefix="profile-combine-"))
    try:
        bases = build_bases(work / "bases", args.generated, args.resaved)
        folder = work / f"profile-n{args.n}"
        shutil.rmtree(folder, ignore_errors=True)
        counts = generate_tree(folder, args.n, bases)
        print(f"N = {args.n}: {counts}")
        output = work / "profile-summary.xlsx"
        for name in ("profile-store-1.sqlite", "profile-store-2.sqlite"):
            (work / name).unlink(missing_ok=True)
        started = time.process_time()
        report = combine([folder], output, jobs=1, force=True, store=work / "profile-store-1.sqlite")
        true_cpu = time.process_time() - started
        print(f"combine, one process, no profiler: {true_cpu:.2f} s CPU ({1000 * true_cpu / args.n:.2f} ms/file), "
              f"fates {({k: v for k, v in report.counts.items() if v})}")
        clock_stages(sorted(folder.rglob("*.xlsx")), work / "stages-summary.xlsx")
        if args.no_cprofile:
            return 0
        profiler = cProfile.Profile(time.process_time)  # CPU time: a loaded machine's waits do not count
        # a store of its own: with the first run's, every file would be reused and no worker's work seen
        profiler.runcall(combine, [folder], output, jobs=1, force=True, store=work / "profile-store-2.sqlite")
        stats = pstats.Stats(profiler)
        profiled = stats.total_tt  # type: ignore[attr-defined]
        if args.pstats:
            stats.dump_stats(str(args.pstats))
        scale = true_cpu / profiled
        print(f"under cProfile: {profiled:.2f} s (times below scaled by {scale:.2f} to the unprofiled run)\n")
        print(f"  {'stage':50} {'s':>7} {'ms/file':>8} {'share':>6}")
        for stage, seconds in stage_times(stats).items():
            print(f"  {stage:50} {seconds * scale:7.2f} {1000 * seconds * scale / args.n:8.3f} "
                  f"{seconds / profiled:6.0%}")
        print(f"\nTop {args.top} functions by own time (profiled seconds):")
        stats.sort_stats("tottime").print_stats(args.top)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

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

import stages  # noqa: E402
from corpus import build_bases, generate_tree  # noqa: E402

# stage: (file suffix, function name) of its entry points; inclusive times are summed
STAGES = {
    "discover (walk the inputs)": [("district/discover.py", "discover")],
    "reader (xlsxread.read_workbook)": [("io/xlsxread.py", "read_workbook")],
    "identify": [("form/identify.py", "identify")],
    "tamper check": [("form/tamper.py", "check_tamper")],
    "form from cells": [("form/verdict.py", "read_form")],
    "evaluation (score + rules)": [("core/evaluation.py", "evaluate")],
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
        paths = sorted(folder.rglob("*.xlsx"))
        print(f"\nStages timed one by one (CPU, no profiler; benchmarks/stages.py), {len(paths)} files:")
        print("\n".join(stages.table(stages.clock(paths), len(paths))))
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

"""The judging of distinct forms, the workers' part after reading (a script that prints figures, not a test).

    .venv/bin/python benchmarks/bench_judging.py [--workdir DIR] [--n 200] [--mode judge|read] [--passes 1]

Reads ``--n`` of the benchmark's distinct base forms (bench_combine.py's bases: half written by xltools, half
saved again by LibreOffice, no two alike) once, untimed, then judges every one of them ``--passes`` times as a
combine worker does after reading (:func:`xltools.district.process.judge_book`: identify, form, tamper,
scoring, rules, the summary's project row, risk facts, findings' rows), under the workers' garbage collection,
and prints the CPU ms a file of each pass. ``--mode read`` stops after reading: the difference of the two runs'
instruction counts is the judging's, free of the machine's load::

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python benchmarks/bench_judging.py --workdir DIR --mode judge   # minus --mode read

The first pass sees every text for the first time (per-process memos empty); later passes see the texts of
forms already judged, as a worker does once a district's recurring texts are known.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import build_bases  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, help="bench_combine.py's work folder (its bases are reused)")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--mode", choices=("judge", "read"), default="judge")
    parser.add_argument("--passes", type=int, default=1)
    parser.add_argument("--generated", type=int, default=100)
    parser.add_argument("--resaved", type=int, default=200)
    args = parser.parse_args()
    from xltools.district.combine import worker_gc
    from xltools.district.process import OPTIONS, judge_book
    from xltools.district.results import FileResult
    from xltools.io.reader import Content
    from xltools.io.seam import read_content

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-judging-"))
    bases = build_bases(work / "bases", args.generated, args.resaved, log=lambda _text: None)
    paths = [p for pair in zip(bases["libreoffice"], bases["xltools"]) for p, _unit, _name in pair]
    paths += [p for p, _u, _n in (bases["libreoffice"] + bases["xltools"]) if p not in paths]
    paths = paths[:args.n]
    sources = [read_content(Content(str(path), path.read_bytes()), OPTIONS) for path in paths]
    if args.mode == "read":
        return 0
    today = dt.date(2026, 12, 7)
    worker_gc()
    for number in range(1, args.passes + 1):
        started = time.process_time()
        for path, source in zip(paths, sources):
            judge_book(source, FileResult(str(path), "ok"), None, today)
        spent = time.process_time() - started
        print(f"pass {number}: {1000 * spent / len(sources):.3f} CPU ms a file ({len(sources)} distinct forms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

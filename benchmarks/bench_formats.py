"""Per-file cost of each input format in ``xltools combine`` (a script, not a test; ``make bench`` runs it).

    .venv/bin/python benchmarks/bench_formats.py            # N = 200 forms, 3 alternating runs

Corpus: N distinct filled forms (benchmarks/corpus.py: half saved again by LibreOffice, half written by
xltools), and the SAME forms saved by LibreOffice as .xls and as .ods (one batched ``soffice`` call each).

Phases, each a full ``combine`` (empty results store, summary written) in its own fresh process on the same
P processes (``--jobs``, default: all cores), run ``--repeat`` times alternating so a slow spell of a shared
machine hits all of them; medians reported:

* ``xlsx``        — the .xlsx folder with this checkout's code;
* ``xlsx before`` — the .xlsx folder with the code of ``--base`` (default ``main``; exported with
  ``git archive``), to show the .xlsx path is no slower than before the reader seam;
* ``xls``, ``ods`` — the legacy folders (python-calamine through the seam).

Figures: CPU ms per file (user + system of the phase process and every worker: RUSAGE_SELF + CHILDREN) and
wall ms per file. Targets (issue 25): .xls and .ods within 3× of .xlsx; .xlsx no slower than before.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEGACY_MAX = 3.0

# --- a phase (its own process) ---------------------------------------------------------------------


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def phase_main(folder: Path, jobs: int, code: Path) -> None:
    sys.path.insert(0, str(code))
    cpu_before = _cpu(resource.getrusage(resource.RUSAGE_SELF))
    started = time.perf_counter()
    from xltools.district.combine import combine

    output = folder.parent / f"summary-{folder.name}.xlsx"
    store = folder.parent / f"store-{folder.name}.sqlite"
    store.unlink(missing_ok=True)
    report = combine([folder], output, jobs=jobs, force=True, store=store)
    wall = time.perf_counter() - started
    cpu = _cpu(resource.getrusage(resource.RUSAGE_SELF)) - cpu_before + _cpu(resource.getrusage(resource.RUSAGE_CHILDREN))
    import xltools

    print(json.dumps({"wall": wall, "cpu": cpu, "projects": report.projects, "code": str(Path(xltools.__file__).parent),
                      "counts": {k: v for k, v in report.counts.items() if v}}, ensure_ascii=False))


def run_phase(folder: Path, jobs: int, code: Path) -> dict[str, object]:
    command = [sys.executable, __file__, "--phase", "--dir", str(folder), "--jobs", str(jobs), "--code", str(code)]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(command, capture_output=True, text=True, cwd=code, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"phase {folder.name} ({code}) failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- driver ----------------------------------------------------------------------------------------

def _base_code(work: Path, ref: str) -> Path:
    """The package of ``ref`` (a git revision of this repository), exported to ``work/base``."""
    target = work / "base"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref, "xltools", "macros"], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    (target / "xltools" / "macros").mkdir(exist_ok=True)
    compileall.compile_dir(target / "xltools", quiet=1)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="number of forms (default 200)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes (default: CPU count)")
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs; medians reported (default 3)")
    parser.add_argument("--base", default="main", help="git revision whose .xlsx path is compared (default main)")
    parser.add_argument("--workdir", type=Path, help="where to generate (kept; default: a temporary folder)")
    parser.add_argument("--phase", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--code", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        phase_main(args.dir, args.jobs, args.code)
        return 0

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from corpus import build_bases, files_of, generate_tree

    from xltools.io.engine import convert

    compileall.compile_dir(ROOT / "xltools", quiet=1)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-formats-"))
    work.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"CPU {os.cpu_count()}, load average {load:.2f} at start, Python {sys.version.split()[0]}, "
          f"{args.jobs} processes for every phase, N = {args.n}, work folder {work}")
    try:
        bases = build_bases(work / "bases", max(10, args.n // 4), max(10, args.n // 4))
        folders = {"xlsx": work / "xlsx"}
        if folders["xlsx"].exists():
            shutil.rmtree(folders["xlsx"])
        generate_tree(folders["xlsx"], args.n, bases)
        sources = files_of(folders["xlsx"])
        for fmt in ("xls", "ods"):
            folders[fmt] = work / fmt
            if args.workdir is not None and len(list(folders[fmt].rglob(f"*.{fmt}"))) == len(sources):
                print(f"  reusing the {len(sources)} .{fmt} files in {folders[fmt]} (the corpus is generated the same)")
                continue
            shutil.rmtree(folders[fmt], ignore_errors=True)
            flat = work / f"{fmt}-flat"
            shutil.rmtree(flat, ignore_errors=True)
            started = time.perf_counter()
            named = work / "named"  # unique stems for the one soffice call
            shutil.rmtree(named, ignore_errors=True)
            named.mkdir()
            for i, path in enumerate(sources):
                shutil.copy(path, named / f"{i:05d}.xlsx")
            convert(sorted(named.iterdir()), flat, fmt, timeout=3600)
            for i, path in enumerate(sources):
                target = folders[fmt] / path.parent.name / f"{i:05d}.{fmt}"
                target.parent.mkdir(parents=True, exist_ok=True)
                (flat / f"{i:05d}.{fmt}").rename(target)
            print(f"  {len(sources)} forms saved as .{fmt} by LibreOffice in {time.perf_counter() - started:.0f} s")
        base = _base_code(work, args.base)
        print(f"  'xlsx before' runs the package of {args.base} exported by git archive to {base}")
        phases = {"xlsx": (folders["xlsx"], ROOT), "xlsx before": (folders["xlsx"], base),
                  "xls": (folders["xls"], ROOT), "ods": (folders["ods"], ROOT)}
        runs: dict[str, list[dict[str, object]]] = {name: [] for name in phases}
        for _ in range(args.repeat):
            for name, (folder, code) in phases.items():
                runs[name].append(run_phase(folder, args.jobs, code))
        n = len(sources)
        table = {name: {key: statistics.median(float(r[key]) for r in rs) * 1000 / n for key in ("cpu", "wall")}
                 for name, rs in runs.items()}
        print(f"\nper file, median of {args.repeat} alternating runs, {args.jobs} processes, N = {n}:")
        print(f"  {'format':<12} {'CPU ms':>8} {'wall ms':>8}  projects  fates")
        for name, figures in table.items():
            first = runs[name][0]
            print(f"  {name:<12} {figures['cpu']:8.2f} {figures['wall']:8.2f}  {first['projects']:>8}  {first['counts']}")
        xlsx = table["xlsx"]["cpu"]
        for fmt in ("xls", "ods"):
            ratio = table[fmt]["cpu"] / xlsx
            print(f"  .{fmt} / .xlsx CPU: {ratio:.2f}× (target ≤ {LEGACY_MAX:g}×: {'met' if ratio <= LEGACY_MAX else 'NOT met'})")
        before = table["xlsx before"]["cpu"]
        print(f"  .xlsx now / before ({args.base}) CPU: {xlsx / before:.2f}× "
              f"(wall {table['xlsx']['wall'] / table['xlsx before']['wall']:.2f}×; ≤ 1 means no slower; a shared "
              "machine drifts a few %)")
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

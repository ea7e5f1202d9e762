"""Benchmark of ``xltools combine`` (a script, not a test).

    .venv/bin/python benchmarks/bench_combine.py                 # N = 2000 and 20000 (what `make bench` runs)
    .venv/bin/python benchmarks/bench_combine.py --n 500 --n 1000 --n 4000 --skip-openpyxl   # how it scales

For every N it generates N filled forms, then measures in the same run, each phase
in its own fresh process (so peak memory is that phase's alone); combine and calamine run
``--repeat`` times (default 3), alternating, and their median runs are reported:

* ``combine``  — :func:`xltools.district.combine.combine` on all cores (what ``xltools combine`` does);
* ``openpyxl`` — the naive loop: ``openpyxl.load_workbook`` of every file, every cell read;
* ``calamine`` — the raw-read floor: python-calamine reading every cell of every sheet of every file;
* ``rerun``    — combine again with the results store of the last full run, no file changed
  (an incremental run: every result reused, no workbook read).

The full runs start from an empty results store each time. With N = 2000 and 20000 (the default) it
also prints how the main process's peak RSS changes between them (it must stay flat: results stream
through the store, they are not kept in memory).

Generation: ``--distinct`` different forms of the demo data are filled with
:func:`xltools.excel.fill.fill_workbook` (the real template, the real writer); the N files are
copies whose project name gets a serial number written into the sheet XML, so every file is a
distinct project with distinct bytes (otherwise combine would rightly mark them duplicates).
Peak RSS is the phase's main process's VmHWM and ``ru_maxrss`` of its largest worker
(forked workers count the pages they share with the main process).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


# --- generation ---------------------------------------------------------------------------

def fill_bases(folder: Path, distinct: int) -> list[tuple[Path, str, str]]:
    """Fill ``distinct`` varied demo forms; returns (file, unit, project name)."""
    from xltools.demo.data import generate
    from xltools.excel.fill import fill_workbook

    demo = generate(seed=7, scale=max(distinct, 20))
    forms = [f for f in demo.files if f.action == "fill" and f.form is not None][:distinct]
    out = []
    for i, item in enumerate(forms):
        path = folder / f"base{i:04d}.xlsx"
        fill_workbook(item.form, path, force=True)
        out.append((path, str(item.form.implementing_unit), str(item.form.project_name)))
    return out


def variant(base: Path, name: str, serial: int) -> bytes:
    """``base`` with the project name numbered (same parts, same compression)."""
    needle = f"<t>{escape(name)}</t>".encode()
    replacement = f"<t>{escape(name)}（第{serial:05d}号）</t>".encode()
    buffer = tempfile.SpooledTemporaryFile()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        done = False
        for info in source.infolist():
            data = source.read(info)
            if not done and needle in data:
                data, done = data.replace(needle, replacement, 1), True
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    if not done:
        raise RuntimeError(f"project name not found in {base}")
    buffer.seek(0)
    return buffer.read()


def generate_tree(folder: Path, n: int, bases: list[tuple[Path, str, str]]) -> None:
    for i in range(n):
        base, unit, name = bases[i % len(bases)]
        target = folder / unit / f"{i:05d}.xlsx"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(variant(base, name, i))


# --- phases (each in its own process) --------------------------------------------------------------

def files_of(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.xlsx"))


def store_of(folder: Path) -> Path:
    return folder.parent / f"store-{folder.name}.sqlite"


def phase_combine(folder: Path, jobs: int | None) -> dict[str, object]:
    """A full run: a fresh results store, every workbook read."""
    from xltools.district.combine import combine

    output = folder.parent / f"summary-{folder.name}.xlsx"
    store = store_of(folder)
    store.unlink(missing_ok=True)
    report = combine([folder], output, jobs=jobs, force=True, store=store)
    return {"projects": report.projects, "counts": {k: v for k, v in report.counts.items() if v},
            "summary_mb": round(output.stat().st_size / 1e6, 2), "read": report.read}


def phase_rerun(folder: Path, jobs: int | None) -> dict[str, object]:
    """An incremental run: the store of the last full run, no file changed (none is read again)."""
    from xltools.district.combine import combine

    output = folder.parent / f"summary-{folder.name}-rerun.xlsx"
    report = combine([folder], output, jobs=jobs, force=True, store=store_of(folder))
    return {"projects": report.projects, "read": report.read, "reused": report.reused}


def phase_openpyxl(folder: Path, jobs: int | None) -> dict[str, object]:
    import openpyxl

    cells = 0
    for path in files_of(folder):
        book = openpyxl.load_workbook(path)
        for ws in book.worksheets:
            for row in ws.iter_rows(values_only=True):
                cells += sum(1 for v in row if v is not None)
        book.close()
    return {"cells": cells}


def phase_calamine(folder: Path, jobs: int | None) -> dict[str, object]:
    from python_calamine import CalamineWorkbook

    cells = 0
    for path in files_of(folder):
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            for row in book.get_sheet_by_name(name).to_python():
                cells += sum(1 for v in row if v not in (None, ""))
    return {"cells": cells}


PHASES = {"combine": phase_combine, "rerun": phase_rerun, "openpyxl": phase_openpyxl, "calamine": phase_calamine}


def run_phase(name: str, folder: Path, jobs: int | None) -> dict[str, object]:
    """Run one phase in a fresh interpreter; returns its time, peak RSS and details."""
    command = [sys.executable, __file__, "--phase", name, "--dir", str(folder)]
    if jobs:
        command += ["--jobs", str(jobs)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_run(runs: list[dict[str, object]]) -> dict[str, object]:
    """The run with the median time (the upper one of two)."""
    return sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss it does not include the parent before exec)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_main(name: str, folder: Path, jobs: int | None) -> None:
    started = time.perf_counter()
    details = PHASES[name](folder, jobs)
    seconds = time.perf_counter() - started
    self_mb = peak_rss_mb()
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rss_mb": round(self_mb, 1), "worker_rss_mb": round(child_mb, 1),
                      **details}, ensure_ascii=False))


# --- driver ---------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, action="append",
                        help="number of forms (repeatable; default 2000 and 20000: peak RSS must stay flat)")
    parser.add_argument("--distinct", type=int, default=80, help="distinct filled forms to vary (default 80)")
    parser.add_argument("--jobs", type=int, default=None, help="combine worker processes (default: CPU count)")
    parser.add_argument("--workdir", type=Path, help="where to generate (default: a temporary folder, removed)")
    parser.add_argument("--skip-openpyxl", action="store_true", help="do not run the (slow) naive openpyxl loop")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of combine and calamine, alternating; their medians are reported (default 3)")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        phase_main(args.phase, args.dir, args.jobs)
        return 0

    # Byte-compile xltools as pip does for an installed package (an editable install is not compiled,
    # and with PYTHONDONTWRITEBYTECODE set every run would compile it again: ~30 ms the baselines,
    # whose packages pip compiled on install, do not pay).
    compileall.compile_dir(ROOT / "xltools", quiet=1)
    sizes = args.n or [2000, 20000]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-combine-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"CPU {os.cpu_count()}, Python {sys.version.split()[0]}, work folder {work}")
    started = time.perf_counter()
    bases = fill_bases(work / "bases", args.distinct)
    print(f"filled {len(bases)} distinct forms in {time.perf_counter() - started:.1f} s")
    rows = []
    try:
        for n in sizes:
            folder = work / f"n{n}"
            if folder.exists():
                shutil.rmtree(folder)
            started = time.perf_counter()
            generate_tree(folder, n, bases)
            size_mb = sum(p.stat().st_size for p in files_of(folder)) / 1e6
            print(f"\nN = {n}: generated {n} files ({size_mb:.1f} MB) in {time.perf_counter() - started:.1f} s")
            result = {"combine": [], "calamine": []}
            for _ in range(max(1, args.repeat)):  # alternating, so a slow spell of the machine hits both
                for name in result:
                    result[name].append(run_phase(name, folder, args.jobs))
            runs = {name: sorted(r["seconds"] for r in rs) for name, rs in result.items()}
            result = {name: median_run(rs) for name, rs in result.items()}
            result["rerun"] = run_phase("rerun", folder, args.jobs)  # after the last full run: its store
            if not args.skip_openpyxl:
                result["openpyxl"] = run_phase("openpyxl", folder, args.jobs)
            for name, r in result.items():
                print(f"  {name:9} {r['seconds']:8.2f} s  {1000 * r['seconds'] / n:6.2f} ms/file  "
                      f"peak RSS main {r['rss_mb']:6.1f} MB, largest worker {r['worker_rss_mb']:6.1f} MB"
                      + (f"  {r['counts']}" if "counts" in r else ""))
            c = result["combine"]["seconds"]
            ratios = f"calamine floor / combine: combine = {c / result['calamine']['seconds']:.2f}× the floor"
            if "openpyxl" in result:
                ratios = f"openpyxl / combine = {result['openpyxl']['seconds'] / c:.1f}× faster; " + ratios
            print("  " + ratios)
            rerun = result["rerun"]
            print(f"  incremental rerun (nothing changed): {rerun['seconds']:.2f} s, read {rerun['read']}, "
                  f"reused {rerun['reused']} = {rerun['seconds'] / c:.0%} of the full run's {c:.2f} s")
            if args.repeat > 1:
                print("  runs (s): " + "; ".join(f"{name} " + " ".join(f"{t:.2f}" for t in ts)
                                                 for name, ts in runs.items()))
            rows.append((n, result))
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    print("\n    N   combine s  rerun s  openpyxl s  calamine s  speed-up  ×floor  combine RSS main/worker MB")
    for n, r in rows:
        c, o, f = r["combine"]["seconds"], r.get("openpyxl", {}).get("seconds"), r["calamine"]["seconds"]
        print(f"{n:5}  {c:10.2f}  {r['rerun']['seconds']:7.2f}  {'—' if o is None else f'{o:10.2f}':>10}  {f:10.2f}  "
              f"{'—' if o is None else f'{o / c:7.1f}×':>8}  {c / f:5.2f}×  "
              f"{r['combine']['rss_mb']:.0f} / {r['combine']['worker_rss_mb']:.0f}")
    if len(rows) > 1:
        (n0, first), (n1, last) = rows[0], rows[-1]
        a, b = first["combine"]["rss_mb"], last["combine"]["rss_mb"]
        print(f"peak RSS of the main process: {a:.0f} MB at N = {n0}, {b:.0f} MB at N = {n1} ({b / a - 1:+.0%}); "
              f"rerun {first['rerun']['rss_mb']:.0f} → {last['rerun']['rss_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

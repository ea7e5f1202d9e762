"""Benchmark of ``xltools combine`` against baselines on the same files (a script, not a test).

    .venv/bin/python benchmarks/bench_combine.py                  # N = 500 and 2000 (what `make bench` runs)
    .venv/bin/python benchmarks/bench_combine.py --n 2000 --n 20000 --skip-openpyxl  # memory flat in N?
    .venv/bin/python benchmarks/bench_combine.py --n 2000 --pairs-only --pairs 5     # issue 28's ratio alone

Corpus (benchmarks/corpus.py): for every N, N distinct filled forms, half of them (every other file)
saved again by LibreOffice and the rest written by xltools from the demo data of several seeds, so no
per-process cache sees only one writer.

Phases, each in its own fresh process (so its figures are its own); every phase reads the same files:

* ``combine``     — :func:`xltools.district.combine.combine` on P processes (``--jobs``, default: all
  cores) — what ``xltools combine`` does, summary workbook included;
* ``combine --targets`` — the same with the corpus's 绩效目标表 (one project per form, every tenth project's
  first target approved higher so some forms drift), read in the phase; it runs right before or after a
  ``combine`` run (in turns) and each pair gives one ratio: the median of ``--pairs`` ratios (default 5)
  is issue 28's figure;
* ``calamine ×P`` — the raw-read floor on the SAME P processes (a ProcessPoolExecutor, 32 files a chunk as
  combine chunked before its last chunks shrank): python-calamine decoding every cell of the sheets combine reads (the form sheet and
  模板信息: like with like — combine never reads template 1.1's hidden 检查明细 sheet, ~400 formulas);
* ``calamine ×1`` — the same floor in one process;
* ``calamine all`` — for reference, every cell of every sheet on P processes (the floor an "open the
  workbook" reader pays; run once, not a target's baseline);
* ``openpyxl ro`` — what a careful user writes: ``load_workbook(read_only=True)``, every cell of the
  form sheet, one process;
* ``openpyxl``    — the naive loop: ``load_workbook()`` (default mode), every cell of every sheet.

Figures: wall seconds of the phase (from its first import to its end) and CPU seconds (user + system
of the phase process plus every worker it waited for: RUSAGE_SELF + RUSAGE_CHILDREN), per file; peak
RSS of the phase's main process (VmHWM) and of its largest worker (``ru_maxrss`` of the children;
forked workers count the pages they share with the parent). combine and both calamine phases run
``--repeat`` times, alternating, so a slow spell of a shared machine hits all of them; the medians are
reported (each column its own median; peak RSS the largest). The openpyxl loops run once, the naive
one only up to ``--naive-up-to`` files (default 500: it costs ~60 ms of CPU a file); each is compared
with two more combine runs, one right before and one right after it (the CPU speed of a shared machine
drifts over minutes: seen here ±40 % within an hour).
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
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import stages  # noqa: E402
from corpus import build_bases, files_of, generate_tree  # noqa: E402

# Targets of issue 31 (printed beside the figures; not tests): the whole command against the floor run as a
# whole command on the same processes, the reader alone against calamine on one process, per file.
FLOOR_CPU_MAX = FLOOR_WALL_MAX = 3.0
READER_MAX = 2.0
OPENPYXL_RO_MIN, OPENPYXL_NAIVE_MIN = 10.0, 20.0
RSS_FLAT = 0.20
# Target of issue 28: combine --targets within 10 % of combine without it.
TARGETS_MAX = 1.10
#: Files the stage table is clocked on (one process, every stage timed file by file).
STAGE_FILES = 1000


# --- phases (each in its own process) ---------------------------------------------------------------

def _chunk(count: int, jobs: int) -> int:
    # the floor's chunks are those combine used until its last chunks shrank (xltools.district.workers.chunks:
    # 32 files, then fewer towards the end): the baseline stays the one every earlier figure was measured against
    return max(1, min(32, count // (jobs * 8)))


def store_of(folder: Path) -> Path:
    return folder.parent / f"store-{folder.name}.sqlite"


def phase_combine(folder: Path, jobs: int) -> dict[str, object]:
    """A full run: an empty results store, every workbook read."""
    from xltools.district.combine import combine

    output = folder.parent / f"summary-{folder.name}.xlsx"
    store = store_of(folder)
    store.unlink(missing_ok=True)
    report = combine([folder], output, jobs=jobs, force=True, store=store)
    return {"projects": report.projects, "counts": {k: v for k, v in report.counts.items() if v},
            "summary_mb": round(output.stat().st_size / 1e6, 2)}


def targets_of(folder: Path) -> Path:
    return folder.parent / f"targets-{folder.name}.xlsx"


def write_corpus_targets(folder: Path) -> int:
    """The 绩效目标表 of the corpus (not timed): every form's approved cells as typed, one row per indicator, every
    tenth project's first target approved higher (so some forms drift), written where phase_targets reads it."""
    from xltools.core.targets import TargetIndicator, TargetProject
    from xltools.io.forms import FormReadError, load_form
    from xltools.io.targetsbook import write_targets

    projects: dict[tuple[str, str], TargetProject] = {}
    for path in files_of(folder):
        try:
            form = load_form(path).form
        except FormReadError:
            continue
        indicators = [TargetIndicator(i.level1, i.level2, i.name, i.target, i.weight) for i in form.indicators]
        if len(projects) % 10 == 0 and indicators:
            indicators[0] = TargetIndicator(*[getattr(indicators[0], k) for k in ("level1", "level2", "name")],
                                            "≥999999", indicators[0].weight)
        project = TargetProject(None, form.implementing_unit, form.department, form.project_name,
                                form.fund("total").initial_budget, form.goal_expected, tuple(indicators))
        projects.setdefault((str(project.unit), str(project.name)), project)
    write_targets(targets_of(folder), list(projects.values()), force=True)
    return len(projects)


def phase_targets(folder: Path, jobs: int) -> dict[str, object]:
    """A full run as phase_combine, with the corpus's 绩效目标表, as ``xltools combine --targets`` runs it: the list
    read, every form compared with its project, the list of projects that must report (未报送), 目标偏离."""
    from xltools.district.combine import combine
    from xltools.io.targetsbook import read_targets

    output = folder.parent / f"summary-{folder.name}-targets.xlsx"
    store = folder.parent / f"store-{folder.name}-targets.sqlite"
    store.unlink(missing_ok=True)
    started = time.process_time()
    targets = read_targets(targets_of(folder)).targets
    read_cpu = time.process_time() - started
    report = combine([folder], output, jobs=jobs, force=True, store=store, targets=targets)
    return {"projects": report.projects, "drift": report.extras.get("drift", 0),
            "missing": report.extras.get("missing", 0), "read_cpu": read_cpu}


def phase_rerun(folder: Path, jobs: int) -> dict[str, object]:
    """An incremental run with the store the last full run left, nothing changed: no workbook is read."""
    from xltools.district.combine import combine

    report = combine([folder], folder.parent / f"summary-{folder.name}-rerun.xlsx", jobs=jobs, force=True,
                     store=store_of(folder))
    return {"read": report.read, "reused": report.reused}


def _calamine_cells(path: str, every_sheet: bool = False) -> int:
    from python_calamine import CalamineWorkbook

    from xltools.form.layout import META_SHEET, SHEET

    cells = 0
    book = CalamineWorkbook.from_path(path)
    for name in book.sheet_names if every_sheet else (SHEET, META_SHEET):
        for row in book.get_sheet_by_name(name).to_python():
            cells += sum(1 for v in row if v not in (None, ""))
    return cells


def _calamine_every_sheet(path: str) -> int:
    return _calamine_cells(path, every_sheet=True)


def phase_calamine(folder: Path, jobs: int, every_sheet: bool = False) -> dict[str, object]:
    import python_calamine  # noqa: F401 - imported before forking, as combine imports xltools

    import xltools.form.layout  # noqa: F401 - the sheet names, likewise

    paths = [str(p) for p in files_of(folder)]
    read = _calamine_every_sheet if every_sheet else _calamine_cells
    if jobs <= 1:
        return {"cells": sum(map(read, paths))}
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return {"cells": sum(pool.map(read, paths, chunksize=_chunk(len(paths), jobs)))}


def phase_calamine_all(folder: Path, jobs: int) -> dict[str, object]:
    return phase_calamine(folder, jobs, every_sheet=True)


def phase_openpyxl_ro(folder: Path, jobs: int) -> dict[str, object]:
    import openpyxl

    from xltools.form.layout import SHEET

    cells = 0
    for path in files_of(folder):
        book = openpyxl.load_workbook(path, read_only=True)
        for row in book[SHEET].iter_rows(values_only=True):
            cells += sum(1 for v in row if v is not None)
        book.close()
    return {"cells": cells}


def phase_openpyxl(folder: Path, jobs: int) -> dict[str, object]:
    import openpyxl

    cells = 0
    for path in files_of(folder):
        book = openpyxl.load_workbook(path)
        for ws in book.worksheets:
            for row in ws.iter_rows(values_only=True):
                cells += sum(1 for v in row if v is not None)
        book.close()
    return {"cells": cells}


# name: (function, runs on P processes?)
def phase_stages(folder: Path, jobs: int) -> dict[str, object]:
    """The stage table (benchmarks/stages.py) on the first :data:`STAGE_FILES` files, in one process."""
    import stages

    paths = files_of(folder)[:STAGE_FILES]
    return {"files": len(paths), "stages": stages.clock(paths)}


PHASES = {"combine": (phase_combine, True), "combine --targets": (phase_targets, True), "stages": (phase_stages, False), "rerun": (phase_rerun, True), "calamine ×P": (phase_calamine, True),
          "calamine ×1": (phase_calamine, False), "calamine all": (phase_calamine_all, True),
          "openpyxl ro": (phase_openpyxl_ro, False),
          "openpyxl": (phase_openpyxl, False)}


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss it does not include the parent before exec)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_main(name: str, folder: Path, jobs: int) -> None:
    function, parallel = PHASES[name]
    cpu_before = _cpu(resource.getrusage(resource.RUSAGE_SELF))
    started = time.perf_counter()
    details = function(folder, jobs if parallel else 1)
    wall = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = _cpu(resource.getrusage(resource.RUSAGE_SELF)) - cpu_before + _cpu(children)
    print(json.dumps({"wall": wall, "cpu": cpu, "procs": jobs if parallel else 1, "rss_mb": round(peak_rss_mb(), 1),
                      "worker_rss_mb": round(children.ru_maxrss / 1024, 1), **details}, ensure_ascii=False))


# --- driver ---------------------------------------------------------------------------------------

def run_phase(name: str, folder: Path, jobs: int) -> dict[str, object]:
    """Run one phase in a fresh interpreter; returns its figures."""
    command = [sys.executable, __file__, "--phase", name, "--dir", str(folder), "--jobs", str(jobs)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"phase {name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def medians(runs: list[dict[str, object]]) -> dict[str, object]:
    """Each figure's median over the runs (peak RSS: the largest); details of the first run."""
    merged = dict(runs[0])
    for key in ("wall", "cpu"):
        merged[key] = statistics.median(r[key] for r in runs)
    for key in ("rss_mb", "worker_rss_mb"):
        merged[key] = max(r[key] for r in runs)
    merged["runs"] = runs
    return merged


def targets_ratios(runs: dict[str, list[dict[str, object]]]) -> tuple[list[float], list[float]]:
    """CPU and wall of each ``combine --targets`` run over the ``combine`` run right beside it (the pair ran
    back to back, so a slow spell of a shared machine hits both sides of one ratio)."""
    pairs = list(zip(runs["combine"], runs["combine --targets"]))
    return ([t["cpu"] / c["cpu"] for c, t in pairs], [t["wall"] / c["wall"] for c, t in pairs])


def verdict(value: float, target: float, at_most: bool) -> str:
    met = value <= target if at_most else value >= target
    return f"({'≤' if at_most else '≥'} {target:g}× target: {'met' if met else 'MISSED'})"


def with_targets(n: int, args: argparse.Namespace) -> bool:
    """Whether the ``combine --targets`` phase runs for N (``--pairs 0`` or N over ``--targets-up-to``: not)."""
    return args.pairs > 0 and n <= args.targets_up_to


def measure_pairs(folder: Path, n: int, args: argparse.Namespace) -> dict[str, dict[str, object]]:
    """Only the back-to-back pairs of ``combine`` and ``combine --targets`` (``--pairs-only``): issue 28's ratio."""
    runs: dict[str, list[dict[str, object]]] = {"combine": [], "combine --targets": []}
    for repeat in range(args.pairs):
        for name in ("combine", "combine --targets")[:: 1 if repeat % 2 == 0 else -1]:
            runs[name].append(run_phase(name, folder, args.jobs))
            print(f"    pair {repeat + 1} {name}: wall {runs[name][-1]['wall']:.2f} s, CPU {runs[name][-1]['cpu']:.2f} s",
                  flush=True)
    result = {name: medians(rs) for name, rs in runs.items()}
    print_targets(result, runs)
    return result


def print_targets(result: dict[str, dict[str, object]], runs: dict[str, list[dict[str, object]]]) -> None:
    t = result["combine --targets"]
    cpu_pairs, wall_pairs = targets_ratios(runs)
    result["targets ratio"] = {"cpu": cpu_pairs, "wall": wall_pairs}
    print(f"  combine --targets ({t['drift']} drift findings, {t['missing']} 未报送): CPU "
          f"{statistics.median(cpu_pairs):.2f}×, wall {statistics.median(wall_pairs):.2f}× combine without it, median "
          f"of {len(cpu_pairs)} back-to-back pairs ({' '.join(f'{x:.2f}' for x in cpu_pairs)}) "
          f"{verdict(statistics.median(cpu_pairs), TARGETS_MAX, True)} (issue 28; the 绩效目标表 read in the run)")
    added = [pair_t["cpu"] - pair_c["cpu"] for pair_c, pair_t in zip(runs["combine"], runs["combine --targets"])]
    reads = [r["read_cpu"] for r in runs["combine --targets"]]
    print(f"    added CPU a run: median {statistics.median(added):+.2f} s ({' '.join(f'{x:+.2f}' for x in added)}), "
          f"of which reading the 绩效目标表 (main process) {statistics.median(reads):.2f} s; the rest is comparing the "
          f"forms (workers), 未报送 and 目标偏离 (main process)")


def measure(folder: Path, n: int, args: argparse.Namespace) -> dict[str, dict[str, object]]:
    if args.pairs_only:
        return measure_pairs(folder, n, args)
    targets = with_targets(n, args)
    timed = ["combine", "combine --targets", "calamine ×P", "calamine ×1"]
    if not targets:
        timed.remove("combine --targets")
    pair_size = 2 if targets else 1
    runs: dict[str, list[dict[str, object]]] = {name: [] for name in timed}
    for repeat in range(max(1, args.repeat)):  # alternating, so a slow spell of the machine hits all of them
        # combine and combine --targets run right after each other, in turns first: each pair is one ratio
        pair = timed[:pair_size] if repeat % 2 == 0 else timed[pair_size - 1::-1]
        for name in [*pair, *timed[pair_size:]]:
            runs[name].append(run_phase(name, folder, args.jobs))
    for repeat in range(max(1, args.repeat), args.pairs if targets else 0):  # more pairs for the --targets ratio
        for name in timed[:2] if repeat % 2 == 0 else timed[1::-1]:
            runs[name].append(run_phase(name, folder, args.jobs))
    result = {name: medians(rs) for name, rs in runs.items()}
    result["rerun"] = medians([run_phase("rerun", folder, args.jobs)])  # after the last full run: its store
    result["calamine all"] = medians([run_phase("calamine all", folder, args.jobs)])
    result["stages"] = medians([run_phase("stages", folder, args.jobs)])
    naive = args.skip_openpyxl or n > args.naive_up_to
    for name, skip in (("openpyxl ro", args.skip_openpyxl), ("openpyxl", naive)):
        if not skip:
            # a loop runs once, for minutes: combine runs right before and right after it, and the loop is
            # compared with their mean, so a slow (or fast) spell of a shared machine hits both sides
            before = run_phase("combine", folder, args.jobs)
            result[name] = medians([run_phase(name, folder, args.jobs)])
            after = run_phase("combine", folder, args.jobs)
            result[name]["beside"] = [before["cpu"], after["cpu"]]
    print(f"  {'phase':12} procs   wall s    CPU s   wall ms/file  CPU ms/file   peak RSS main / worker MB")
    for name, r in result.items():
        if name == "stages":
            continue
        print(f"  {name:12} {r['procs']:5} {r['wall']:8.2f} {r['cpu']:8.2f} {1000 * r['wall'] / n:14.2f} "
              f"{1000 * r['cpu'] / n:12.2f}   {r['rss_mb']:6.1f} / {r['worker_rss_mb']:6.1f}")
    c, f, f1 = result["combine"], result["calamine ×P"], result["calamine ×1"]
    print(f"  combine: {c['projects']} projects, fates {c['counts']}, summary {c['summary_mb']} MB")
    if targets:
        print_targets(result, runs)
    else:
        print(f"  combine --targets: left out ({'--pairs 0' if args.pairs <= 0 else f'N = {n} is over --targets-up-to {args.targets_up_to}: a district has a few thousand projects, and the 绩效目标表 of one project per form is over the list limits beyond that'})")
    again = result["rerun"]
    print(f"  incremental rerun (nothing changed): read {again['read']}, reused {again['reused']}, wall "
          f"{again['wall']:.2f} s = {again['wall'] / c['wall']:.0%} of the full run's {c['wall']:.2f} s")
    if len(runs["combine"]) > 1:
        print("  runs wall/CPU s: " + "; ".join(
            f"{name} " + " ".join(f"{x['wall']:.2f}/{x['cpu']:.2f}" for x in rs) for name, rs in runs.items()))
    print(f"  combine CPU per file = {c['cpu'] / f['cpu']:.2f}× the floor's on {c['procs']} processes "
          f"{verdict(c['cpu'] / f['cpu'], FLOOR_CPU_MAX, True)}, {c['cpu'] / f1['cpu']:.2f}× the floor's on one")
    print(f"  combine wall = {c['wall'] / f['wall']:.2f}× the floor's on {c['procs']} processes "
          f"{verdict(c['wall'] / f['wall'], FLOOR_WALL_MAX, True)}")
    staged = result["stages"]
    per_file = {stage: seconds / staged["files"] for stage, seconds in staged["stages"].items()}
    reader = sum(per_file[stage] for stage in stages.READER)
    print(f"  stages, CPU ms per file over {staged['files']} files in one process (benchmarks/stages.py):")
    print("    " + "  ".join(f"{stage} {1000 * seconds:.3f}" for stage, seconds in per_file.items()))
    print(f"  reader (open … sheet) {1000 * reader:.3f} ms/file = {reader / (f1['cpu'] / n):.2f}× calamine ×1's "
          f"{1000 * f1['cpu'] / n:.3f} {verdict(reader / (f1['cpu'] / n), READER_MAX, True)}; after it (form … "
          f"summary) {1000 * (sum(per_file.values()) - reader):.3f} ms/file")
    every = result["calamine all"]
    print(f"  for reference, against calamine reading every sheet (检查明细 too): CPU {c['cpu'] / every['cpu']:.2f}×, "
          f"wall {c['wall'] / every['wall']:.2f}× (not the target's baseline: combine does not read that sheet)")
    for name, target in (("openpyxl ro", OPENPYXL_RO_MIN), ("openpyxl", OPENPYXL_NAIVE_MIN)):
        if name in result:
            o = result[name]
            beside = statistics.mean(o["beside"])
            print(f"  {name} loop CPU = {o['cpu'] / beside:.1f}× combine's run right before and after it "
                  f"({', '.join(f'{1000 * x / n:.2f}' for x in o['beside'])} ms/file) "
                  f"{verdict(o['cpu'] / beside, target, False)}; {o['cpu'] / c['cpu']:.1f}× the median run's, "
                  f"its wall = {o['wall'] / c['wall']:.1f}× the median run's")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, action="append", help="number of forms (repeatable; default 500 and 2000)")
    parser.add_argument("--generated", type=int, default=100,
                        help="distinct forms written by xltools (default 100)")
    parser.add_argument("--resaved", type=int, default=200,
                        help="distinct forms saved again by LibreOffice (default 200; ~1.6 s per 20)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="processes of combine and of the calamine ×P floor (default: CPU count)")
    parser.add_argument("--workdir", type=Path,
                        help="where to generate (kept, and its bases reused; default: a temporary folder, removed)")
    parser.add_argument("--skip-openpyxl", action="store_true", help="run neither openpyxl loop")
    parser.add_argument("--naive-up-to", type=int, default=500, metavar="N",
                        help="run the (slow: ~60 ms CPU a file) naive openpyxl loop only for N up to this "
                             "(default 500; 0: never)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of combine and the calamine floors, alternating; medians reported (default 3)")
    parser.add_argument("--pairs", type=int, default=5,
                        help="back-to-back runs of combine and combine --targets, in turns first (default 5; at "
                             "least --repeat): the median of their ratios is issue 28's figure")
    parser.add_argument("--targets-up-to", type=int, default=5000, metavar="N",
                        help="run the combine --targets phase (and write its 绩效目标表) only for N up to this (default "
                             "5000: a district has a few thousand projects)")
    parser.add_argument("--pairs-only", action="store_true",
                        help="run only the --pairs back-to-back pairs of combine and combine --targets (issue 28's "
                             "ratio), nothing else")
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
    sizes = args.n or [500, 2000]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-combine-"))
    work.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"CPU {os.cpu_count()}, load average {load:.2f} at start, Python {sys.version.split()[0]}, "
          f"{args.jobs} processes for combine and calamine ×P, work folder {work}")
    bases = build_bases(work / "bases", args.generated, args.resaved)
    rows = []
    try:
        for n in sizes:
            folder = work / f"n{n}"
            if folder.exists():
                shutil.rmtree(folder)
            started = time.perf_counter()
            counts = generate_tree(folder, n, bases)
            projects = write_corpus_targets(folder) if with_targets(n, args) else 0
            size_mb = sum(p.stat().st_size for p in files_of(folder)) / 1e6
            print(f"\nN = {n}: {size_mb:.1f} MB, {counts} (copies of {len(bases['libreoffice'])} LibreOffice-saved "
                  f"and {len(bases['xltools'])} xltools-written forms), made in {time.perf_counter() - started:.1f} s; "
                  + (f"绩效目标表 of {projects} projects" if projects else "no 绩效目标表 (combine --targets left out)"))
            rows.append((n, measure(folder, n, args)))
            shutil.rmtree(folder)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    if not args.pairs_only:
        print_table(rows, args.jobs)
    return 0


def print_table(rows: list[tuple[int, dict[str, dict[str, object]]]], jobs: int) -> None:
    print(f"\nCPU ms per file (wall s in brackets); ×floor = combine / calamine on the same {jobs} processes; "
          "×ro, ×naive = openpyxl loop CPU / CPU of the combine runs right before and after it")
    print("(calamine ×P and ×1 read the form sheet and 模板信息, as combine does; calamine all reads every sheet)")
    print("     N  combine           calamine ×P       calamine ×1   ×floor CPU/wall  calamine all  openpyxl ro  ×ro  "
          "openpyxl    ×naive  RSS main/worker MB  --targets CPU/wall")

    def cell(r: dict[str, object] | None, n: int) -> str:
        return "—" if r is None else f"{1000 * r['cpu'] / n:.2f} ({r['wall']:.2f})"

    def times(r: dict[str, object] | None, c: dict[str, object]) -> str:  # against combine beside the loop
        return "—" if r is None else f"{r['cpu'] / statistics.mean(r['beside']):.1f}×"

    for n, r in rows:
        c, f = r["combine"], r["calamine ×P"]
        ro, naive = r.get("openpyxl ro"), r.get("openpyxl")
        print(f"{n:6}  {cell(c, n):16}  {cell(f, n):16}  {cell(r['calamine ×1'], n):12}  "
              f"{c['cpu'] / f['cpu']:5.2f}× / {c['wall'] / f['wall']:4.2f}×  {cell(r.get('calamine all'), n):12}  "
              f"{cell(ro, n):11}  "
              f"{times(ro, c):>4}  {cell(naive, n):10}  {times(naive, c):>6}  "
              f"{c['rss_mb']:.0f} / {c['worker_rss_mb']:.0f}        " + (
                  f"{statistics.median(r['targets ratio']['cpu']):.2f}× / {statistics.median(r['targets ratio']['wall']):.2f}×"
                  if "targets ratio" in r else "left out"))
    print("\nStage table: CPU ms per file, one process, the first "
          f"{STAGE_FILES} files of each N (benchmarks/stages.py; store and summary: combine's main process's work, "
          "summary with the renderer's share too, a second process in a real run, clocked here in the same one)")
    print("     N  " + "".join(f"{stage:>9}" for stage in stages.STAGES) + "   reader  after it")
    for n, r in rows:
        staged = r["stages"]
        per_file = {stage: 1000 * seconds / staged["files"] for stage, seconds in staged["stages"].items()}
        reader = sum(per_file[stage] for stage in stages.READER)
        print(f"{n:6}  " + "".join(f"{per_file[stage]:9.3f}" for stage in stages.STAGES)
              + f"  {reader:7.3f}  {sum(per_file.values()) - reader:8.3f}")
    by_n = {n: r["combine"]["rss_mb"] for n, r in rows}
    if 2000 in by_n and max(by_n) > 2000:
        growth = by_n[max(by_n)] / by_n[2000] - 1
        print(f"main-process peak RSS from N = 2000 to {max(by_n)}: {growth:+.0%} "
              f"(within ±{RSS_FLAT:.0%} target: {'met' if abs(growth) <= RSS_FLAT else 'MISSED'})")


if __name__ == "__main__":
    sys.exit(main())

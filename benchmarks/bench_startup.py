"""Start-up cost of the commands (a script that prints figures, not a test).

    .venv/bin/python benchmarks/bench_startup.py [--repeat 15]

Measures, in the same run and on the same machine, the CPU time (user + system, of the child process)
of ``python -c pass`` (the interpreter's own start), ``python -m xltools rules`` and
``python -m xltools check FORM.xlsx`` on a filled 1.0 form, and prints the medians and what each
command costs above the bare interpreter. ``check`` must not load xlwings, XlsxWriter, openpyxl or the
demo (tests/test_architecture.py asserts that; this prints what it costs).

``--instructions`` also runs each command once under valgrind's callgrind (``PYTHONHASHSEED=0``, bytecode
compiled) and prints its instruction count, which does not drift with the machine's load: compare two
versions by these counts (issue 31's target is CPU: ≤ 0.15 s for ``check``; at this machine's idle rate
~5.5 M instructions a millisecond).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORM = ROOT / "tests" / "fixtures" / "v1_0" / "clean.xlsx"


def _cpu(argv: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of ``argv`` as a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def _instructions(argv: list[str]) -> float | None:
    """Millions of instructions of one run of ``argv`` (callgrind), or None without valgrind."""
    import re
    import shutil

    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    done = subprocess.run([valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv], cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONHASHSEED": "0"})
    found = re.search(r"Collected : (\d+)", done.stderr)
    return int(found.group(1)) / 1e6 if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--instructions", action="store_true", help="also count instructions (callgrind)")
    args = parser.parse_args()
    python = sys.executable
    cases = {
        "python -c pass": [python, "-c", "pass"],
        "xltools rules": [python, "-m", "xltools", "rules"],
        "xltools check one.xlsx": [python, "-m", "xltools", "check", str(FORM)],
    }
    # byte-compiled first, as pip does for an installed package
    subprocess.run([python, "-m", "compileall", "-q", str(ROOT / "xltools")], check=True)
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(args.repeat):  # alternate, so a slow spell of the machine hits every case alike
        for name, argv in cases.items():
            subprocess.run(argv, stdout=subprocess.DEVNULL, cwd=ROOT)  # warm the file cache
            results[name].append(_cpu(argv))
    base_cpu = statistics.median(cpu for cpu, _ in results["python -c pass"])
    print(f"start-up, median of {args.repeat} runs (bytecode compiled, {os.cpu_count()} cores)")
    print(f"{'command':28}{'CPU ms':>10}{'wall ms':>10}{'CPU above python':>20}")
    for name, runs in results.items():
        cpu = statistics.median(c for c, _ in runs)
        wall = statistics.median(w for _, w in runs)
        print(f"{name:28}{cpu * 1000:>10.0f}{wall * 1000:>10.0f}{(cpu - base_cpu) * 1000:>17.0f} ms")
    check = statistics.median(cpu for cpu, _ in results["xltools check one.xlsx"])
    print(f"target (issue 31): xltools check one.xlsx ≤ 150 ms CPU — {check * 1000:.0f}: "
          f"{'met' if check <= 0.150 else 'MISSED'}")
    if args.instructions:
        print("instructions (callgrind, PYTHONHASHSEED=0, one run each)")
        for name, argv in cases.items():
            count = _instructions(argv)
            print(f"{name:28}{'valgrind not installed' if count is None else f'{count:10.1f} M'}")


if __name__ == "__main__":
    main()

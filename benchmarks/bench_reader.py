"""The reader's stage table on distinct forms (a script that prints figures, not a test).

    .venv/bin/python benchmarks/bench_reader.py [--workdir DIR] [--rounds 5]

The benchmark's corpus (bench_combine.py) copies each of its 300 distinct base forms ~7 times, so the
reader's per-process caches (rows, cells, shared-string items, shared parts) see more repeats there than in a
district's real forms. This times the reader's stages (benchmarks/stages.py: open … sheet) on the 300 bases
themselves (100 written by xltools, 200 saved again by LibreOffice), each read once a round, in a fixed shuffled
order: every round empties the caches, reads the first 100 untimed (a run's steady state: the template's labels,
formulas and shared parts known, the clerk's text not) and times the other 200 (``steady``); ``cold`` times all
300 from empty caches. Prints the minimum and the median of the rounds per stage, CPU ms a file.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import stages  # noqa: E402
from corpus import build_bases  # noqa: E402


def rounds(paths: list[Path], warm: int, count: int) -> list[dict[str, float]]:
    """Each round's ms a file per stage over ``paths[warm:]`` after ``paths[:warm]`` were read from empty caches."""
    out = []
    for _ in range(count):
        stages.forget()
        stages.clock_reader(paths[:warm])
        spent = stages.clock_reader(paths[warm:])
        out.append({stage: 1000 * seconds / len(paths[warm:]) for stage, seconds in spent.items()})
    return out


def line(name: str, runs: list[dict[str, float]]) -> str:
    def cell(stage: str | None) -> str:
        values = [sum(r.values()) if stage is None else r[stage] for r in runs]
        return f"{min(values):7.3f}/{statistics.median(values):<7.3f}"
    return f"  {name:22}" + "".join(cell(s) for s in stages.READER) + cell(None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, help="bench_combine.py's work folder (its bases are reused)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--generated", type=int, default=100)
    parser.add_argument("--resaved", type=int, default=200)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-reader-"))
    bases = build_bases(work / "bases", args.generated, args.resaved)
    paths = [path for kind in bases.values() for path, _unit, _name in kind]
    random.Random(31).shuffle(paths)
    stages.clock_reader(paths[:10])  # imports, compiled patterns
    print(f"reader stages, CPU ms a file (min/median of {args.rounds} rounds), {len(paths)} distinct forms")
    print(f"  {'':22}" + "".join(f"{s:>15}" for s in (*stages.READER, "reader")))
    warm = len(paths) // 3
    print(line(f"steady (last {len(paths) - warm})", rounds(paths, warm, args.rounds)))
    print(line(f"cold (all {len(paths)})", rounds(paths, 0, args.rounds)))
    for kind, entries in bases.items():
        only = [path for path, _unit, _name in entries]
        if only:
            print(line(f"steady, {kind} only", rounds(only, len(only) // 3, args.rounds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

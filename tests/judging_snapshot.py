"""What the one verdict makes of every file of the demo and of the benchmark corpus, as canonical JSON.

The differential test of issue 31 (tests/test_judging_snapshot.py) compares today's verdict with a
snapshot made from an export of main (first at d4f85bf, before any change of this branch: same verdicts as
28d7760 but for the seam's two new reasons; remade at 0621cfb when main's changes wrote the demo's files
differently — the 308 files both snapshots hold have the same verdicts in both; remade at the merge of
issues 25, 27 and 28, whose changes of the verdicts (new findings, reviewed totals held at the full score,
prefilled 1.2 demo forms) are meant and tested on their own; remade after issue 29's one severity per problem:
the 14 files that differ differ only in number-as-text, now an error as in the sheet; remade when template 1.3
became current: the demo's forms are written from it, every content key changed, and compared by name every
file has the verdict it had)::

    git archive 0621cfb xltools | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old .venv/bin/python tests/judging_snapshot.py make --work /tmp/snap \
        --out tests/fixtures/judging_snapshot.json.gz

``make`` writes the files (the demo's forms as ``xltools demo`` writes them, and the benchmark corpus's
bases: forms filled by xltools and forms saved again by LibreOffice) and judges each with
:func:`xltools.district.process.process_file` (what combine keeps: fate, reason, the project row with
its indicators, every finding, the risk facts), on a fixed day. A file is known by a digest of its
parts except ``docProps/`` (LibreOffice stamps the save time there), so the same form written again
finds its entry.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gzip
import hashlib
import json
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The day every verdict is computed for (findings such as date-in-future depend on it).
TODAY = dt.date(2027, 3, 1)


def content_key(path: Path) -> str:
    """sha256 over the zip's parts (name and bytes, in name order) except docProps/; of the bytes when
    the file is not a zip."""
    digest = hashlib.sha256()
    try:
        with zipfile.ZipFile(path) as archive:
            for name in sorted(archive.namelist()):
                if not name.startswith("docProps/"):
                    digest.update(name.encode() + b"\0" + archive.read(name) + b"\0")
    except zipfile.BadZipFile:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)  # every bit of a float
    return value


def judged(path: Path) -> dict[str, object]:
    """What combine keeps of one file, without its path, size, time or digest."""
    from xltools.district.process import process_file

    result = process_file((str(path), path.name), today=TODAY)
    out = {"fate": result.fate, "reason": result.reason, "findings": _plain(result.findings),
           "risk": _plain(result.risk), "project": None}
    if result.project is not None:
        project = _plain(result.project)
        assert isinstance(project, dict)
        project["packed_indicators"] = _plain(result.project.indicator_tuples())
        out["project"] = project
    return json.loads(json.dumps(out, ensure_ascii=False, sort_keys=True))


def demo_files(folder: Path) -> list[Path]:
    """The demo's workbooks as ``xltools demo`` writes them (default seed and scale)."""
    from xltools.demo.data import generate
    from xltools.demo.run import write_demo_files
    from xltools.excel.template import build_template

    template = folder / "template.xlsx"
    if not template.exists():
        build_template(template, force=True)
    forms = folder / "forms"
    if not forms.exists():
        write_demo_files(generate(), forms, template)
    return sorted(p for p in forms.rglob("*") if p.is_file())


def bench_files(folder: Path, generated: int, resaved: int) -> list[Path]:
    """The benchmark corpus's distinct forms (its trees copy these with a serial number in the name)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from corpus import build_bases

    bases = build_bases(folder, generated, resaved, log=lambda _: None)
    return sorted(path for pool in bases.values() for path, _unit, _name in pool)


#: The benchmark corpus's bases as ``make bench`` builds them, and the few the test suite builds.
FULL, SMALL = (100, 200), (6, 6)


def corpus_files(work: Path, full: bool) -> list[Path]:
    """The demo's files and the benchmark corpus's bases (all of them, or the small set)."""
    generated, resaved = FULL if full else SMALL
    return demo_files(work / "demo") + bench_files(work / f"bases-{generated}-{resaved}", generated, resaved)


def make(work: Path, out: Path) -> None:
    entries: dict[str, dict[str, object]] = {}
    files = corpus_files(work, full=True) + bench_files(work / "bases-{}-{}".format(*SMALL), *SMALL)
    for path in files:
        entries[content_key(path)] = {"name": str(path.relative_to(work)), "verdict": judged(path)}
    text = json.dumps(entries, ensure_ascii=False, sort_keys=True, indent=0)
    with gzip.open(out, "wt", encoding="utf-8") as stream:
        stream.write(text)
    print(f"{len(files)} files, {len(entries)} distinct, written to {out}")


def load(path: Path) -> dict[str, dict[str, object]]:
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return json.load(stream)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("make")
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    make(args.work, args.out.resolve())


if __name__ == "__main__":
    main()

"""The benchmark corpus (benchmarks/corpus.py): half saved again by LibreOffice, every file a distinct project."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

from xltools.core.parse import normalize_text
from xltools.district.process import process_file

from .lo import require_soffice

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from corpus import build_bases, files_of, generate_tree  # noqa: E402


def test_mixed_corpus_numbers_every_project_in_both_writers(tmp_path: Path) -> None:
    require_soffice()
    bases = build_bases(tmp_path / "bases", generated=2, resaved=2, seeds=(7, 11), log=lambda _: None)
    counts = generate_tree(tmp_path / "tree", 7, bases)
    assert counts == {"libreoffice": 4, "xltools": 3}  # every other file, LibreOffice first: at least half

    files = files_of(tmp_path / "tree")
    assert len(files) == 7
    for path in files:
        serial = int(path.stem)
        writer = ("libreoffice", "xltools")[serial % 2]
        pool = bases[writer]
        _, unit, name = pool[(serial // 2) % len(pool)]
        with zipfile.ZipFile(path) as archive:
            # LibreOffice keeps texts in the shared-strings table; xltools writes them inline
            assert ("xl/sharedStrings.xml" in archive.namelist()) == (writer == "libreoffice")
        result = process_file(str(path))
        assert result.fate == "ok", result.reason
        assert result.project is not None
        # names are kept as typed; compare what they say, not their width of brackets
        assert normalize_text(result.project.unit) == normalize_text(unit)
        assert normalize_text(result.project.name) == normalize_text(f"{name}（第{serial:05d}号）")

    # the corpus's 绩效目标表 (bench_combine's --targets phase): one project per form, and the only drift is the
    # one planted (every tenth project's first target approved higher), so the phase measures comparing, not
    # a flood of findings from forms read otherwise than the list
    from bench_combine import targets_of, write_corpus_targets

    from xltools.core.drift import DRIFT_CODES
    from xltools.district.combine import combine
    from xltools.io.targetsbook import read_targets

    assert write_corpus_targets(tmp_path / "tree") == 7
    targets = read_targets(targets_of(tmp_path / "tree")).targets
    assert [i.target for i in targets.projects[0].indicators][:1] == ["≥999999"]
    report = combine([tmp_path / "tree"], tmp_path / "s.xlsx", jobs=1, targets=targets)
    drift = [code for r in report.files for _, _, code, _, _ in r.findings if code in DRIFT_CODES]
    assert drift == ["target-lowered"] and report.extras["missing"] == 0


def test_the_targets_phase_is_left_out_over_its_bound_or_without_pairs() -> None:
    """bench_combine runs combine --targets (and writes its 绩效目标表) only for N up to --targets-up-to and with
    --pairs above 0: the lead's 20,000-file memory run has no list to read."""
    import argparse

    from bench_combine import with_targets

    def args(pairs: int, up_to: int) -> argparse.Namespace:
        return argparse.Namespace(pairs=pairs, targets_up_to=up_to)

    assert with_targets(2000, args(5, 5000))
    assert with_targets(5000, args(5, 5000))  # the bound itself still runs
    assert not with_targets(20000, args(5, 5000))
    assert not with_targets(2000, args(0, 5000))

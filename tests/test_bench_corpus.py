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

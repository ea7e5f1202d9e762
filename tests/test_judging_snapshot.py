"""Issue 31, half the judging: the cuts change no verdict.

tests/fixtures/judging_snapshot.json.gz holds what the code without this issue's changes (main at
d4f85bf, run from an export of that commit: see tests/judging_snapshot.py) made of every file of the demo and of the
benchmark corpus's bases; this test writes the same files again with today's code and compares each
file's fate, reason, project row, indicators, findings and risk facts. The suite uses the demo's files
and a small set of the corpus's bases; ``XLTOOLS_SNAPSHOT_FULL=1`` uses every base ``make bench`` builds
(300, ~2 minutes of LibreOffice).
"""

from __future__ import annotations

import os
from pathlib import Path

from .judging_snapshot import content_key, corpus_files, judged, load
from .lo import require_soffice

SNAPSHOT = Path(__file__).resolve().parent / "fixtures" / "judging_snapshot.json.gz"


def test_every_file_of_the_demo_and_the_corpus_gets_the_verdict_it_got_before(tmp_path: Path) -> None:
    require_soffice()
    before = load(SNAPSHOT)
    files = corpus_files(tmp_path, full=os.environ.get("XLTOOLS_SNAPSHOT_FULL") == "1")
    assert len(files) > 200
    missing, differ = [], []
    for path in files:
        entry = before.get(content_key(path))
        if entry is None:
            missing.append(str(path.relative_to(tmp_path)))
        elif judged(path) != entry["verdict"]:
            differ.append(f"{path.relative_to(tmp_path)} (snapshot: {entry['name']})")
    assert missing == [], f"written differently than when the snapshot was made: {missing[:5]}"
    assert differ == [], differ[:5]
    fates = {before[content_key(p)]["verdict"]["fate"] for p in files}  # type: ignore[index]
    assert {"ok", "unreadable"} <= fates  # the demo's broken files are among them


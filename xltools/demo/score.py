"""Scoring a checker against the demo's ground truth (recall and precision per finding code)."""

from __future__ import annotations

import collections
from dataclasses import dataclass

__all__ = ["CodeScore", "compare"]


@dataclass
class CodeScore:
    """Recall and precision of one finding code against the ground truth."""

    code: str
    expected: int = 0  # findings the manifest expects
    hit: int = 0  # of those, found with this code at the expected cell
    reported: int = 0  # findings with this code the checker reported on asserted files
    correct: int = 0  # of those, expected by the manifest

    @property
    def recall(self) -> float | None:
        return self.hit / self.expected if self.expected else None

    @property
    def precision(self) -> float | None:
        return self.correct / self.reported if self.reported else None


def compare(manifest: dict[str, object], found: dict[str, list[tuple[str, str | None]]]) -> dict[str, CodeScore]:
    """Score reported findings against the manifest, per code.

    ``found`` maps a manifest path to the (code, cell) pairs the checker
    reported for it. Files whose findings the manifest does not assert (the
    seed form, tampered and unreadable files) are left out; a file the checker
    never reported counts as finding nothing.
    """
    scores: dict[str, CodeScore] = {}
    for entry in manifest["files"]:  # type: ignore[union-attr]
        expected_list = entry["expected_findings"]
        if expected_list is None:
            continue
        expected = collections.Counter((e["code"], e["cell"]) for e in expected_list)
        reported = collections.Counter(found.get(entry["path"], []))
        for (code, cell), n in expected.items():
            score = scores.setdefault(code, CodeScore(code))
            score.expected += n
            score.hit += min(n, reported.get((code, cell), 0))
        for (code, cell), n in reported.items():
            score = scores.setdefault(code, CodeScore(code))
            score.reported += n
            score.correct += min(n, expected.get((code, cell), 0))
    return dict(sorted(scores.items()))

"""The reviewers' verdicts (复核得分, 复核意见, 处理, 复核人, 复核日期) in the results store, and what they make of
each project of a round: its status (待复核 / 已通过 / 已退回 / 已修改 / 未修改) and its final score.

Tables (added to a store of schema version 1 when first needed, like the ``format`` columns):

- ``review_books(round, token, total_weight, made)``: a summary written with reviewer columns; ``token`` is also
  in the summary's very hidden sheet 复核校验, so ``review import`` knows which round (and which store) it
  belongs to; ``total_weight`` is the top of 复核得分.
- ``review_sheets(round, sheet, first_col, columns)``: where a sheet's reviewer columns start (0-based) and how
  many columns the sheet has.
- ``review_rows(round, sheet, row, path, digest)``: every row of those sheets as written (0-based; row 0 is the
  header): the project's file (``path``, ``''`` for the header and the 全区合计 row) and the digest of the row's
  locked cells (:func:`row_digest`; ``''`` for a row whose locked cells hold formulas and are not compared).
- ``verdicts(round, path, unit, name, year, sha256, config, score, opinion, action, reviewer, reviewed_on,
  imported)``: what a reviewer wrote for a project of a round (the file the reviewed summary showed);
  imported again, a project's verdict is replaced.

The status of a project in round R comes from its latest verdict on a round up to R (same 实施单位, 项目名称,
年度): none → 待复核; 通过 → 已通过 (待复核 again when the form's content changed since); 退回修改 or 整改 →
已退回 while the very file reviewed is still the one summarised, 未修改 when a new file came back with the same
content, 已修改 when its content changed. The final score is the reviewer's 复核得分 while the content is the
one reviewed, else the form's 复核总分.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from xltools.district.store import Store

__all__ = ["ACTIONS", "STATUSES", "PENDING", "PASSED", "RETURNED", "CHANGED", "UNCHANGED", "RETURN_ACTIONS",
           "Outcome", "Status", "Verdict", "ReviewBook", "outcomes", "status_counts", "verdicts_of_round", "row_digest",
           "cell_text", "ensure_tables", "save_verdicts"]

#: The 处理 a reviewer may choose (the data validation list of the 处理 column).
ACTIONS = ("通过", "退回修改", "整改")
#: 处理 that send the form back to its unit.
RETURN_ACTIONS = ("退回修改", "整改")
PENDING, PASSED, RETURNED, CHANGED, UNCHANGED = "待复核", "已通过", "已退回", "已修改", "未修改"
STATUSES = (PENDING, PASSED, RETURNED, CHANGED, UNCHANGED)

_TABLES = """
CREATE TABLE IF NOT EXISTS review_books (round INTEGER PRIMARY KEY, token TEXT NOT NULL, total_weight REAL NOT NULL,
    made TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS review_sheets (round INTEGER NOT NULL, sheet TEXT NOT NULL, first_col INTEGER NOT NULL,
    columns INTEGER NOT NULL, PRIMARY KEY (round, sheet));
CREATE TABLE IF NOT EXISTS review_rows (round INTEGER NOT NULL, sheet TEXT NOT NULL, row INTEGER NOT NULL,
    path TEXT NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (round, sheet, row));
CREATE TABLE IF NOT EXISTS verdicts (round INTEGER NOT NULL, path TEXT NOT NULL, unit TEXT, name TEXT, year TEXT,
    sha256 TEXT NOT NULL, config TEXT NOT NULL, score REAL, opinion TEXT NOT NULL, action TEXT NOT NULL,
    reviewer TEXT NOT NULL, reviewed_on TEXT, imported TEXT NOT NULL, PRIMARY KEY (round, path));
CREATE INDEX IF NOT EXISTS verdicts_key ON verdicts (unit, name, year);
"""


def ensure_tables(store: Store) -> None:
    """The reviewer tables, in a store made before them."""
    store.db.executescript(_TABLES)


# --- the locked cells' digest ------------------------------------------------------------------------

_LINK = re.compile(r'^=\s*HYPERLINK\(.*,\s*"((?:[^"]|"")*)"\s*\)\s*$', re.IGNORECASE | re.DOTALL)


def cell_text(value: object) -> str:
    """A cell's value as the digest compares it, the same whether XlsxWriter wrote it or openpyxl or LibreOffice
    saved it again: numbers to 6 decimals, blanks as empty, a HYPERLINK formula as the text it shows."""
    kind = type(value)  # the summary's usual cells first: a text that is no formula, a number
    if kind is str and not value.startswith("="):  # type: ignore[attr-defined]
        return value  # type: ignore[return-value]
    if kind is float or kind is int:
        return f"{float(value):.6f}"  # type: ignore[arg-type]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return f"{float(value):.6f}"
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()[:10]
    text = getattr(value, "text", None)  # a Link as the summary writes it
    if isinstance(text, str) and hasattr(value, "target"):
        return text
    text = str(value)
    match = _LINK.match(text)
    return match.group(1).replace('""', '"') if match else text


def row_digest(values: Iterable[object]) -> str:
    """The digest of a row's locked cells (trailing blanks ignored)."""
    # most cells, without a call: a text (no formula), a number (as cell_text writes it), a blank
    texts = [v if (kind := type(v)) is str and v[:1] != "=" else f"{v:.6f}" if kind is float or kind is int else
             "" if v is None else cell_text(v) for v in values]
    while texts and texts[-1] == "":
        texts.pop()
    return hashlib.sha256("\x1f".join(texts).encode("utf-8")).hexdigest()[:24]


# --- writing a summary with reviewer columns ---------------------------------------------------------

class ReviewBook:
    """One summary's reviewer columns as it is written: its token, the rows' digests (straight into the store)
    and every project's status (from the verdicts on earlier rounds)."""

    def __init__(self, store: Store, round_id: int, total_weight: float) -> None:
        ensure_tables(store)
        self.store, self.round_id, self.total_weight = store, round_id, total_weight
        self.token = secrets.token_hex(16)
        made = dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")
        store.db.execute("INSERT OR REPLACE INTO review_books VALUES (?, ?, ?, ?)",
                         (round_id, self.token, total_weight, made))
        for table in ("review_sheets", "review_rows"):
            store.db.execute(f"DELETE FROM {table} WHERE round=?", (round_id,))
        # the rows' digests go to a temporary table until :meth:`settle`: the summary is written while another process
        # reads the store, so this connection keeps its changes to the store small (no page of them spilled)
        store.db.execute("DROP TABLE IF EXISTS temp.review_rows_new")
        store.db.execute("CREATE TEMP TABLE review_rows_new AS SELECT * FROM review_rows WHERE 0")
        self._pending: list[tuple[int, str, int, str, str]] = []
        self._counts: dict[str, int] | None = None  # set when the outcomes are worked out (once)
        self._reviewed = False  # whether any project of the round has a verdict

    def _work_out(self) -> None:
        """Every project's outcome, once: the counts kept, the outcomes of projects with a verdict in the temporary
        table ``temp.outcomes`` (nothing per project is held here: a district has tens of thousands)."""
        db = self.store.db
        db.execute("DROP TABLE IF EXISTS temp.outcomes")
        db.execute("CREATE TEMP TABLE outcomes (path TEXT PRIMARY KEY, status TEXT NOT NULL, final REAL)")
        counts = dict.fromkeys(STATUSES, 0)
        if db.execute("SELECT 1 FROM verdicts WHERE round <= ? LIMIT 1", (self.round_id,)).fetchone() is None:
            # no verdict on this round or an earlier one: every project is 待复核 (no outcome worked out one by one)
            counts[PENDING] = db.execute("SELECT COUNT(*) FROM files WHERE round=? AND fate IN "
                                         "('ok','tampered','other-layout')", (self.round_id,)).fetchone()[0]
            self._counts = counts
            return
        rows: list[tuple[str, str, float | None]] = []
        for outcome in _iter_outcomes(self.store, self.round_id):
            counts[outcome.status] += 1
            if outcome.verdict is not None:
                rows.append((outcome.path, outcome.status, outcome.final))
                if len(rows) >= 1000:
                    db.executemany("INSERT OR REPLACE INTO temp.outcomes VALUES (?, ?, ?)", rows)
                    rows.clear()
                self._reviewed = True
        db.executemany("INSERT OR REPLACE INTO temp.outcomes VALUES (?, ?, ?)", rows)
        self._counts = counts

    def outcome(self, path: str) -> Status | None:
        """The status and final score of the round's project summarised from ``path``; ``None`` for a project
        without a verdict (待复核, its final score its own 复核总分)."""
        if self._counts is None:
            self._work_out()
        if not self._reviewed:
            return None
        row = self.store.db.execute("SELECT status, final FROM temp.outcomes WHERE path=?", (path,)).fetchone()
        return Status(*row) if row is not None else None

    def counts(self) -> dict[str, int]:
        """How many of the round's projects have each status (:func:`status_counts`)."""
        if self._counts is None:
            self._work_out()
        assert self._counts is not None
        return dict(self._counts)

    def sheet(self, name: str, first_col: int, columns: int) -> None:
        self.store.db.execute("INSERT OR REPLACE INTO review_sheets VALUES (?, ?, ?, ?)",
                              (self.round_id, name, first_col, columns))

    def record(self, sheet: str, row: int, path: str, locked: Sequence[object] | None) -> None:
        """A written row: its file and its locked cells (``None``: formulas, not compared)."""
        self._pending.append((self.round_id, sheet, row, path, row_digest(locked) if locked is not None else ""))
        if len(self._pending) >= 1000:
            self.flush()

    def flush(self) -> None:
        self.store.db.executemany("INSERT INTO temp.review_rows_new VALUES (?, ?, ?, ?, ?)", self._pending)
        self._pending.clear()

    def settle(self) -> None:
        """The rows written so far into the store (``review_rows``), once the summary is written."""
        self.flush()
        self.store.db.execute("INSERT OR REPLACE INTO review_rows SELECT * FROM temp.review_rows_new")
        self.store.db.execute("DELETE FROM temp.review_rows_new")


# --- what the verdicts make of a round ----------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    """What a reviewer wrote for one project of a reviewed round."""

    round: int
    path: str
    unit: str
    name: str
    year: str
    score: float | None
    opinion: str
    action: str  # one of ACTIONS, or "" (not decided)
    reviewer: str
    reviewed_on: dt.date | None


class Status(NamedTuple):
    """A project's 复核状态 and 最终得分 (what the summary's reviewer columns show)."""

    status: str  # one of STATUSES
    final: float | None


@dataclass(frozen=True)
class Outcome:
    """A summarised project of a round with its reviewer outcome."""

    path: str
    unit: str
    name: str
    year: str
    review_total: float | None  # the form's own 复核总分
    status: str  # one of STATUSES
    final: float | None  # the reviewer's 复核得分 where it applies, else review_total
    verdict: Verdict | None  # the latest verdict on the project (possibly on an earlier version of the form)

    @property
    def opinion(self) -> str:
        return self.verdict.opinion if self.verdict is not None else ""

    @property
    def returned(self) -> bool:
        """Sent back and not yet changed (the 退回 package names it with the reviewer's opinion)."""
        return self.status in (RETURNED, UNCHANGED)


_VERDICT_COLUMNS = "v.round, v.path, v.unit, v.name, v.year, v.score, v.opinion, v.action, v.reviewer, v.reviewed_on"


def _verdict(row: Sequence) -> Verdict:
    *head, on = row
    return Verdict(*head, dt.date.fromisoformat(on) if on else None)  # type: ignore[arg-type]


def verdicts_of_round(store: Store, round_id: int) -> list[Verdict]:
    """The verdicts imported for the summary of round ``round_id`` (by unit, name, path)."""
    ensure_tables(store)
    return [_verdict(row) for row in store.db.execute(
        f"SELECT {_VERDICT_COLUMNS} FROM verdicts v WHERE v.round=? ORDER BY v.unit, v.name, v.path", (round_id,))]


def _iter_outcomes(store: Store, round_id: int) -> Iterator[Outcome]:
    rows = store.db.execute(
        f"SELECT f.path, f.unit, f.name, f.year, f.review_total, f.sha256, f.config, v.sha256, v.config, "
        f"{_VERDICT_COLUMNS} FROM files f LEFT JOIN verdicts v ON v.rowid = (SELECT w.rowid FROM verdicts w "
        "WHERE w.unit IS f.unit AND w.name IS f.name AND w.year IS f.year AND w.round <= f.round "
        "ORDER BY w.round DESC, w.imported DESC LIMIT 1) "
        "WHERE f.round=? AND f.fate IN ('ok','tampered','other-layout') ORDER BY f.unit, f.name, f.path",
        (round_id,))
    for path, unit, name, year, total, sha, config, v_sha, v_config, *verdict in rows:
        if verdict[0] is None:
            yield Outcome(path, unit, name, year, total, PENDING, total, None)
            continue
        seen = _verdict(verdict)
        same_file = v_sha == sha
        same = same_file or store.same_content((v_sha, v_config), (sha, config))
        if seen.action == "通过":
            status = PASSED if same else PENDING
        elif seen.action in RETURN_ACTIONS:
            status = RETURNED if same_file else UNCHANGED if same else CHANGED
        else:
            status = PENDING
        final = seen.score if same and seen.score is not None else total
        yield Outcome(path, unit, name, year, total, status, final, seen)


def outcomes(store: Store, round_id: int) -> list[Outcome]:
    """Every summarised project of round ``round_id`` with its status and final score (by unit, name, path).

    The store API for reports: ``status_counts`` for the totals, :attr:`Outcome.verdict` for the reviewer's
    own words."""
    ensure_tables(store)
    return list(_iter_outcomes(store, round_id))


def status_counts(store: Store, round_id: int) -> dict[str, int]:
    """How many projects of the round have each status (every status present, zeros included)."""
    counts = dict.fromkeys(STATUSES, 0)
    for outcome in outcomes(store, round_id):
        counts[outcome.status] += 1
    return counts


def save_verdicts(store: Store, round_id: int, verdicts: Sequence[Verdict]) -> None:
    """Store a reviewed summary's verdicts (a project's earlier verdict on the same round is replaced)."""
    ensure_tables(store)
    imported = dt.datetime.now().isoformat(sep=" ")
    for v in verdicts:
        sha, config = store.db.execute("SELECT sha256, config FROM files WHERE round=? AND path=? AND fate IN "
                                       "('ok','tampered','other-layout')", (round_id, v.path)).fetchone()
        store.db.execute("INSERT OR REPLACE INTO verdicts VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         (round_id, v.path, v.unit, v.name, v.year, sha, config, v.score, v.opinion, v.action,
                          v.reviewer, v.reviewed_on.isoformat() if v.reviewed_on else None, imported))
    store.commit()

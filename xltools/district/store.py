"""The results store: every ``combine`` run's per-file results in one SQLite file (stdlib ``sqlite3``).

It makes three things possible: incremental runs (a file whose bytes were judged before, with the
same program and policy, is not read again), flat memory (results stream through the store instead
of piling up in the main process) and rounds (each run is a round with a label and a time, so the
next round can say what changed).

Schema version 1 (``meta.schema_version``); every table is documented in ``docs/store.md``:

- ``meta(key, value)``: ``schema_version``.
- ``rounds(id, label, started, finished, summary, year, config)``: one row a run.
- ``results(sha256, config, today, fate, reason, project, indicators, details, errors, warnings,
  future, unit, name, year, filled_on, self_total, review_total, grade, packed_findings, format, part, risk,
  risk_texts, risk_signature, drift, execution_rate)``: what judging a file's bytes gave (the cache); a list
  workbook (many projects) gives one result per project, keyed ``<sha256>#<n>``
  (:func:`~xltools.district.results.part_key`), ``part`` what follows the file's name for that project
  (``（第3–8行）``). ``config`` fingerprints the program and the policy;
  ``project``/``indicators``/``details``/``packed_findings`` are JSON (dates as ``{"d": "YYYY-MM-DD"}``);
  ``future`` = 1 when a finding depends on the day of the run (date-in-future); the header columns
  repeat the project's for SQL; ``format`` is what the reader seam found in the file (``xlsx``, ``xls`` …).
  The project's own risk facts (:func:`~xltools.district.review.risk_facts`) are columns, so a round's review
  reads them without decoding any project: ``risk`` (JSON ``hits``, ``deviations``, ``named``), ``risk_texts``
  (JSON list), ``risk_signature``, ``drift`` (JSON rows, empty without drift); ``execution_rate`` repeats the
  project's. A result stored before these columns has them empty and its facts in ``project`` (key ``risk``).
- ``findings(sha256, config, n, sheet, cell, code, severity, message)``: the findings of a result.
- ``files(round, seq, path, sha256, config, size, mtime, fate, reason, reused, unit, name, year,
  filled_on, self_total, review_total, grade, errors, warnings, source, format)``: every input file of a
  round (``path`` as the summary shows it, ``source`` where it was read), its final fate (after the
  year check and duplicates) and its format; ``seq`` is the input order × :data:`PARTS` + the project's
  index in a list workbook (one row per project of a list, ``path`` naming its rows).

``format`` (both tables), ``part`` and the risk facts' columns were added within schema version 1: a store made
before them gets the columns (empty for its old rows) when opened.

Nothing here is ever unpickled: a store is a file on disk and is read as data only. This module writes the store
(the cache, the rounds, the year and duplicates); :mod:`~xltools.district.store_rounds` reads a round back and
:mod:`~xltools.district.store_errors` says why a store failed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from xltools.core import Policy
from xltools.core.errors import os_reason
from xltools.district.results import USED_FATES, FileResult, dumps_value, part_index
from xltools.district.store_errors import StoreError, db_reason, store_failure
from xltools.district.store_rounds import PARTS, RoundReader

__all__ = ["Store", "StoreError", "SCHEMA_VERSION", "PARTS", "config_fingerprint", "store_path_for", "USED_FATES", "STORE_NAME", "db_reason", "store_failure"]

SCHEMA_VERSION = 1
#: USED_FATES as the SQL below writes them (each query spells the list out, as SQLite prepares it once).
_USED_SQL = "('ok','tampered','other-layout')"
assert _USED_SQL == "(" + ",".join(f"'{fate}'" for fate in USED_FATES) + ")", "USED_FATES changed: update the SQL"

#: Fates of a file read as a form (only such files can be another's duplicate), as SQL.
_FORM_FATES = "('ok','tampered','other-layout','wrong-year')"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rounds (
    id INTEGER PRIMARY KEY, label TEXT NOT NULL, started TEXT NOT NULL, finished TEXT,
    summary TEXT NOT NULL, year TEXT, config TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    sha256 TEXT NOT NULL, config TEXT NOT NULL, today TEXT NOT NULL, fate TEXT NOT NULL, reason TEXT NOT NULL,
    project TEXT, indicators BLOB, details TEXT, errors INTEGER NOT NULL, warnings INTEGER NOT NULL,
    future INTEGER NOT NULL, unit TEXT, name TEXT, year TEXT, filled_on TEXT, self_total REAL, review_total REAL,
    grade TEXT, packed_findings TEXT NOT NULL, format TEXT NOT NULL DEFAULT '', part TEXT NOT NULL DEFAULT '',
    risk TEXT NOT NULL DEFAULT '', risk_texts TEXT NOT NULL DEFAULT '', risk_signature TEXT NOT NULL DEFAULT '',
    drift TEXT NOT NULL DEFAULT '', execution_rate REAL, PRIMARY KEY (sha256, config));
CREATE TABLE IF NOT EXISTS findings (
    sha256 TEXT NOT NULL, config TEXT NOT NULL, n INTEGER NOT NULL, sheet TEXT NOT NULL, cell TEXT NOT NULL,
    code TEXT NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL, PRIMARY KEY (sha256, config, n));
CREATE TABLE IF NOT EXISTS files (
    round INTEGER NOT NULL REFERENCES rounds(id), seq INTEGER NOT NULL, path TEXT NOT NULL,
    sha256 TEXT NOT NULL, config TEXT NOT NULL, size INTEGER NOT NULL, mtime REAL NOT NULL,
    fate TEXT NOT NULL, reason TEXT NOT NULL, reused INTEGER NOT NULL,
    unit TEXT, name TEXT, year TEXT, filled_on TEXT, self_total REAL, review_total REAL, grade TEXT,
    errors INTEGER NOT NULL, warnings INTEGER NOT NULL, source TEXT NOT NULL, format TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (round, seq));
CREATE INDEX IF NOT EXISTS files_key ON files (round, unit, name, year);
CREATE INDEX IF NOT EXISTS files_sha ON files (round, sha256);
"""

#: Columns added within schema version 1, in :data:`_SCHEMA`'s order (a store made before them gets them when opened).
_ADDED = (("results", ("format", "part", "risk", "risk_texts", "risk_signature", "drift", "execution_rate")),
          ("files", ("format",)))

_FUTURE_CODES = ("date-in-future",)  # findings that depend on the day of the run

STORE_NAME = "xltools结果库.sqlite"


def store_path_for(summary: Path) -> Path:
    """The default store: next to the summary, one per folder (so the rounds of a district chain up
    whatever each round's summary is called)."""
    return summary.with_name(STORE_NAME)


def _source_digest() -> str:
    """What the reading and judging code is (its source files), so a changed program judges again."""
    import xltools

    root = Path(xltools.__file__).parent
    digest = hashlib.sha256()
    for folder in ("core", "form", "io"):
        for path in sorted((root / folder).glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    # review.py: the risk facts kept with a result; store.py: how a result is stored (a result stored before a change
    # of its layout is judged again, not reused)
    for name in ("process.py", "results.py", "review.py", "store.py"):
        digest.update(name.encode() + b"\0" + (root / "district" / name).read_bytes())
    return digest.hexdigest()


def config_fingerprint(policy: Policy | None, targets: str = "") -> str:
    """The cache key besides the bytes: the program's source, the run's policy (or "each template's own") and
    the digest of the run's approved targets (``combine --targets``; none: ``""``)."""
    text = "template"
    if policy is not None:  # pydantic's serializer, imported only for a run with its own policy
        from xltools.core.validation import as_json
        text = as_json(policy)
    text += f"\0targets:{targets}" if targets else ""
    return hashlib.sha256(f"{_source_digest()}\0{text}".encode()).hexdigest()[:32]


_PROJECT_FIELDS = ("year", "unit", "department", "name", "lead", "initial_budget", "annual_budget", "executed",
                   "execution_rate", "budget_score", "subtotals", "self_total", "review_total", "grade",
                   "filled_on")
_HEAD = operator.attrgetter(*_PROJECT_FIELDS)  # a project's head, as a tuple of those fields
_NO_HEADER = (None,) * 7  # the header columns of a file without a project


#: A result into the cache, its columns named (a store that got columns later has them in another order).
_INSERT_RESULT = ("INSERT OR REPLACE INTO results (sha256, config, today, fate, reason, project, indicators, details, "
                  "errors, warnings, future, unit, name, year, filled_on, self_total, review_total, grade, packed_findings, "
                  "format, part, risk, risk_texts, risk_signature, drift, execution_rate) "
                  "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")

_NO_RISK = ("", "", "", "")


def _risk_columns(facts: dict | None) -> tuple[str, str, str, str]:
    """A project's risk facts as the results store keeps them, in columns of their own (not in the project's head, which
    every pass over a round decodes): ``risk`` (JSON: ``hits``, ``deviations``, ``named``), ``risk_texts`` (JSON list),
    ``risk_signature`` and ``drift`` (JSON rows; empty without drift). No facts (not computed): all empty, as in a
    store made before these columns, and the review works them out from the project."""
    if facts is None:
        return _NO_RISK
    texts, drift = facts["texts"], facts.get("drift")
    return (dumps_value({"hits": facts["hits"], "deviations": facts["deviations"], "named": facts["named"]}),
            dumps_value(texts) if texts else "[]", facts["signature"], dumps_value(drift) if drift else "")


# --- the store -------------------------------------------------------------------------------------

#: A file's row of a round from its stored result (each project's of a list: its index added to ``seq``, its
#: rows to the name); parameters round, seq, path, size, mtime, source, then the WHERE clause's.
_REUSED = ("SELECT ?, ? + CASE WHEN length(sha256) > 65 THEN CAST(substr(sha256, 66) AS INTEGER) - 1 ELSE 0 END, "
           "? || part, sha256, config, ?, ?, fate, reason, 1, unit, name, year, filled_on, self_total, review_total, "
           "grade, errors, warnings, ?, format FROM results")


class Store(RoundReader):
    """One open results store (a context manager; commits on close). Reading a round back is
    :class:`~xltools.district.store_rounds.RoundReader`'s; the store's failures in Chinese are
    :mod:`~xltools.district.store_errors`'."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        try:
            if read_only:  # another process reads a round while the run's own connection writes
                self.db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
                return
            self.db = sqlite3.connect(str(path))
            self.db.execute("PRAGMA journal_mode=DELETE")
            self.db.execute("PRAGMA synchronous=NORMAL")
            version = self._version()
            if version is None:
                self.db.executescript(_SCHEMA)
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                self.db.commit()
            elif version != SCHEMA_VERSION:
                raise StoreError(f"结果库 {path} 的结构版本为 {version}，本程序只认识版本 {SCHEMA_VERSION}；"
                                 "请换一个结果库文件（--store）或升级 xltools")
            else:
                self._add_columns()
        except sqlite3.DatabaseError as exc:
            raise StoreError(store_failure(path, exc, opening=True)) from exc
        except OSError as exc:
            raise StoreError(f"结果库 {path} 无法打开：{os_reason(exc)}") from exc

    def _add_columns(self) -> None:
        """A store made before the columns added within schema version 1 (``format``, ``part``, the risk facts'):
        add them, in the order of :data:`_SCHEMA` (old rows: empty, or NULL)."""
        for table, names in _ADDED:
            columns = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
            for name in names:
                if name not in columns:
                    kind = "REAL" if name == "execution_rate" else "TEXT NOT NULL DEFAULT ''"
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
        self.db.commit()

    def _version(self) -> int | None:
        tables = {row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            return None
        if "meta" not in tables:
            raise StoreError(f"{self.path} 不是 xltools 的结果库；请换一个文件（--store）")
        row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return int(row[0]) if row else None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.commit()
        self.db.close()

    # --- rounds ---

    def begin_round(self, label: str | None, summary: str, config: str) -> tuple[int, str]:
        """A new round; its label defaults to 第 N 轮."""
        count = self.db.execute("SELECT COUNT(*) FROM rounds").fetchone()[0]
        label = label or f"第{count + 1}轮"
        started = dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")
        cur = self.db.execute("INSERT INTO rounds (label, started, summary, config) VALUES (?, ?, ?, ?)",
                              (label, started, summary, config))
        return int(cur.lastrowid), label  # type: ignore[arg-type]

    def finish_round(self, round_id: int, year: str | None) -> None:
        finished = dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")
        self.db.execute("UPDATE rounds SET finished=?, year=? WHERE id=?", (finished, year, round_id))
        self.db.commit()

    def previous_round(self, round_id: int) -> tuple[int, str, str] | None:
        """The last finished round before ``round_id``: (id, label, started)."""
        row = self.db.execute("SELECT id, label, started FROM rounds WHERE id < ? AND finished IS NOT NULL "
                              "ORDER BY id DESC LIMIT 1", (round_id,)).fetchone()
        return (int(row[0]), row[1], row[2]) if row else None

    # --- the cache ---

    def holds(self, config: str, round_id: int) -> bool:
        """Whether a round before ``round_id`` was run with ``config``: the cache's results of that config
        come from such rounds (a round and its first results are committed together), so without one no
        file can be reused. Asked of the small rounds table: the results table holds every file's data."""
        return self.db.execute("SELECT 1 FROM rounds WHERE config=? AND id<? LIMIT 1",
                               (config, round_id)).fetchone() is not None

    def reuse(self, round_id: int, seq: int, sha256: str, config: str, path: str, size: int, mtime: float,
              source: str, today: dt.date) -> bool:
        """Record a file of a round from the stored result of its bytes (no workbook read), when the store
        holds one valid today; whether it did. A result without a date-dependent finding stays valid later
        (a filled date not after the day it was judged is not after any later day either). A list workbook's
        projects (keys ``<sha256>#<n>``) are reused all together or not at all."""
        args = (round_id, seq * PARTS, path, size, mtime, source)
        cursor = self.db.execute(
            f"INSERT INTO files {_REUSED} WHERE sha256=? AND config=? AND (future=0 OR today=?)",
            (*args, sha256, config, today.isoformat()))
        if cursor.rowcount == 1:
            return True
        low, high = sha256 + "#", sha256 + "$"  # '$' follows '#': the keys of the file's projects
        count, stale = self.db.execute(
            "SELECT COUNT(*), SUM(future=1 AND today!=?) FROM results WHERE sha256>? AND sha256<? AND config=?",
            (today.isoformat(), low, high, config)).fetchone()
        if not count or stale:
            return False
        self.db.execute(f"INSERT INTO files {_REUSED} WHERE sha256>? AND sha256<? AND config=?", (*args, low, high, config))
        return True

    def add(self, round_id: int, seq: int, result: FileResult, config: str, today: dt.date,
            source: str = "") -> None:
        """Record one file of a round (and, when it was read, its result in the cache); ``seq`` is its input
        order (one project of a list workbook: the file's, the project's index taken from its key)."""
        self.add_many(round_id, [(seq, result, source)], config, today)

    def add_many(self, round_id: int, items: Sequence[tuple[int, FileResult, str]], config: str, today: dt.date) -> None:
        """:meth:`add` for several files ((seq, result, source) each), each statement run once for all of them."""
        day, results, stale, findings, files = today.isoformat(), [], [], [], []
        for seq, result, source in items:
            p, sha256, errors, warnings = result.project, result.sha256, result.errors, result.warnings
            # the header columns both tables repeat: unit, name, year, filled_on, self_total, review_total, grade
            header = _NO_HEADER if p is None else (p.unit, p.name, p.year, p.filled_on.isoformat() if p.filled_on else None,
                                                   p.self_total, p.review_total, p.grade)
            if sha256 and not result.reused and result.fate != "internal-error":  # a bug is never reused
                future = int(any(f[2] in _FUTURE_CODES for f in result.findings))
                if p is None:
                    project = (None, None, None)
                    risk, texts, signature, drift = _NO_RISK
                else:
                    head = dict(zip(_PROJECT_FIELDS, _HEAD(p)))
                    if type(p.filled_on) is dt.date:  # tagged as dumps_value tags a date, without calling its hook
                        head["filled_on"] = {"d": header[3]}
                    project = (dumps_value(head), p.packed_indicators, dumps_value(list(p.details)))
                    risk, texts, signature, drift = _risk_columns(result.risk)
                results.append((sha256, config, day, result.fate, result.reason, *project, errors, warnings, future,
                                *header, dumps_value(result.findings), result.format, result.part, risk, texts,
                                signature, drift, p.execution_rate if p is not None else None))
                stale.append((sha256, config))
                findings += [(sha256, config, n, *f) for n, f in enumerate(result.findings)]
            files.append((round_id, seq * PARTS + part_index(sha256), result.path, sha256, config if sha256 else "",
                          result.size, result.mtime, result.fate, result.reason, int(result.reused), *header, errors,
                          warnings, source, result.format))
        if results:  # a result judged again replaces the stored one and its findings (the same bytes twice: alike)
            self.db.executemany(_INSERT_RESULT, results)
            self.db.executemany("DELETE FROM findings WHERE sha256=? AND config=?", stale)
            self.db.executemany("INSERT OR REPLACE INTO findings VALUES (?,?,?,?,?,?,?,?)", findings)
        self.db.executemany("INSERT INTO files VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", files)

    def commit(self) -> None:
        self.db.commit()

    # --- after reading: the year and duplicates ---

    def common_year(self, round_id: int) -> str | None:
        """The most common 年度 of the round's forms (ties: the later year)."""
        row = self.db.execute("SELECT year FROM files WHERE round=? AND year IS NOT NULL AND year != '' "
                              "AND fate IN ('ok','tampered','other-layout') GROUP BY year ORDER BY COUNT(*) DESC, year DESC "
                              "LIMIT 1", (round_id,)).fetchone()
        return row[0] if row else None

    def mark_wrong_year(self, round_id: int, year: str) -> None:
        """Forms of another (stated) year than the round's get the fate wrong-year."""
        self.db.execute(
            "UPDATE files SET fate='wrong-year', reason='表中年度为 ' || year || ' 年，本轮汇总 ' || ? || "
            "' 年度；请核对年度或按本年度重新填报' WHERE round=? AND fate IN ('ok','tampered','other-layout') "
            "AND year IS NOT NULL AND year != '' AND year != ?", (year, round_id, year))

    def resolve_duplicates(self, round_id: int) -> None:
        """Byte-identical copies of a form become duplicate, older versions of a project superseded.

        Only forms that were read (ok, tampered, wrong-year) can be copies: a file that is not
        summarised for a reason of its own (unreadable, not a form …) keeps that reason in every
        copy, the answer ``xltools check`` gives for the file.

        The same rule as :func:`xltools.district.duplicates.resolve_duplicates`, in SQL so that the
        results need not be in memory: the first file (in input order) of each content is kept; of a
        project's (实施单位, 项目名称, 年度) files the newest 填写日期 wins, then the newest file time,
        then the later path.
        """
        db = self.db
        db.execute(
            # INDEXED BY: without statistics SQLite looks the copies up by (round, seq), a scan per file
            "UPDATE files SET fate='duplicate', reason='与「' || (SELECT k.path FROM files k INDEXED BY files_sha "
            f"WHERE k.round=files.round AND k.sha256=files.sha256 AND k.fate IN {_FORM_FATES} ORDER BY k.seq LIMIT 1) "
            f"|| '」内容完全相同，未重复汇总' WHERE round=? AND sha256!='' AND fate IN {_FORM_FATES} AND sha256 IN "
            # the contents sent more than once (looked up once): only their files look their first copy up
            f"(SELECT sha256 FROM files WHERE round=? AND sha256!='' AND fate IN {_FORM_FATES} GROUP BY sha256 "
            "HAVING COUNT(*) > 1) AND seq > "
            "(SELECT MIN(k.seq) FROM files k INDEXED BY files_sha WHERE k.round=files.round AND k.sha256=files.sha256 "
            f"AND k.fate IN {_FORM_FATES})", (round_id, round_id))
        db.execute("DROP TABLE IF EXISTS temp.ranked")
        db.execute("DROP TABLE IF EXISTS temp.versions")
        # the projects sent in more than one version (most rounds: few or none); only their files are ranked
        db.execute("CREATE TEMP TABLE versions AS SELECT unit, name, year FROM files WHERE round=? "
                   "AND fate IN ('ok','tampered','other-layout') AND name IS NOT NULL AND name != '' "
                   "GROUP BY unit, name, year HAVING COUNT(*) > 1", (round_id,))
        if db.execute("SELECT 1 FROM temp.versions LIMIT 1").fetchone() is None:
            db.execute("DROP TABLE temp.versions")
            return
        db.execute("CREATE INDEX temp.versions_key ON versions (unit, name, year)")
        db.execute(
            "CREATE TEMP TABLE ranked AS SELECT seq, path, filled_on, "
            "ROW_NUMBER() OVER w AS rank, COUNT(*) OVER (PARTITION BY unit, name, year) AS n, "
            "FIRST_VALUE(path) OVER w AS newest, FIRST_VALUE(filled_on) OVER w AS newest_date "
            "FROM files WHERE round=? AND fate IN ('ok','tampered','other-layout') AND name IS NOT NULL AND name != '' "
            "AND EXISTS (SELECT 1 FROM temp.versions v WHERE v.unit IS files.unit AND v.name IS files.name "
            "AND v.year IS files.year) "
            "WINDOW w AS (PARTITION BY unit, name, year ORDER BY COALESCE(filled_on, '') DESC, mtime DESC, "
            "path DESC)", (round_id,))
        db.execute("CREATE INDEX temp.ranked_seq ON ranked (seq)")  # the updates below look files up by seq
        db.execute(
            "UPDATE files SET fate='superseded', reason=(SELECT '同一项目（实施单位、项目名称、年度相同）以更新的「' "
            "|| r.newest || '」为准（填写日期 ' || COALESCE(r.newest_date, '未填') || '）' FROM ranked r "
            "WHERE r.seq=files.seq) WHERE round=? AND seq IN (SELECT seq FROM ranked WHERE n > 1 AND rank > 1)",
            (round_id,))
        db.execute(
            "UPDATE files SET reason=(SELECT CASE WHEN files.reason != '' THEN files.reason || '；' ELSE '' END "
            "|| '同一项目共 ' || r.n || ' 个文件，采用本文件（填写日期最新）' FROM ranked r WHERE r.seq=files.seq) "
            "WHERE round=? AND seq IN (SELECT seq FROM ranked WHERE n > 1 AND rank = 1)", (round_id,))
        db.execute("DROP TABLE temp.ranked")
        db.execute("DROP TABLE temp.versions")

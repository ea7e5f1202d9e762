"""Reading a round of the results store back (:class:`RoundReader`, the base of
:class:`~xltools.district.store.Store`): its files and summarised projects streamed in order, each stored
project decoded from its JSON, and the round's counts. The tables are described in :mod:`xltools.district.store`."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator

from xltools.district.results import FileResult, Packed, ProjectRow, loads_value
from xltools.district.units import unit_sort_key

__all__ = ["RoundReader", "PARTS"]

#: Rows of ``files`` an input file may take (the projects of a list workbook): ``seq`` = input order × PARTS +
#: the project's index, so the round keeps the input order and one file yields many results.
PARTS = 1 << 20


_PLAIN = json.JSONDecoder()  # no hook: every object built in C
_DATED = '"filled_on":{"d":'


def _project_from(head: str, indicators: bytes, details: str) -> tuple[ProjectRow, dict | None]:
    """The project of a stored result and its risk facts. A head whose only tagged value (a date, a time) is its
    填写日期 is decoded without :func:`loads_value`'s hook, 填写日期 made a date after."""
    dated = _DATED in head
    fields = _PLAIN.decode(head) if head.count('{"d":') + head.count('{"t":') + head.count('{"h":') == dated else None
    if fields is not None and dated and isinstance(fields.get("filled_on"), dict):
        fields["filled_on"] = dt.date.fromisoformat(fields["filled_on"]["d"])
    elif fields is None or dated:  # other tagged values (or the date's key not the head's own): the hook's way
        fields = loads_value(head)
    assert isinstance(fields, dict)
    risk = fields.pop("risk", None)
    # indicators and details stay packed (JSON) until a sheet asks for them
    return ProjectRow(**fields, packed_indicators=bytes(indicators), details=Packed(details)), risk  # type: ignore[arg-type]


def _content(head: str) -> object:
    """A stored project's fields without its risk facts (:meth:`RoundReader.same_content`)."""
    fields = loads_value(head)
    if isinstance(fields, dict):
        fields.pop("risk", None)
    return fields


_FILE_COLUMNS = ("f.path, f.fate, f.reason, f.size, f.mtime, f.sha256, f.reused, "
                 "r.project, r.indicators, r.details, r.packed_findings, f.format, f.source, r.drift")

#: :data:`_FILE_COLUMNS` without a project's indicators and details (empty JSON in their place).
_HEADER_COLUMNS = _FILE_COLUMNS.replace("r.indicators, r.details", "x'', '[]'")
assert _HEADER_COLUMNS != _FILE_COLUMNS

#: The summarised projects of a round joined with their stored results (parameter: the round).
_USED_JOIN = ("FROM files f JOIN results r ON r.sha256=f.sha256 AND r.config=f.config "
              "WHERE f.round=? AND f.fate IN ('ok','tampered','other-layout')")

#: A result stored before the risk facts had columns (``risk`` empty): its project, to decode (else NULLs, not read).
_OLD_PROJECT = ("CASE WHEN r.risk='' THEN r.project END, CASE WHEN r.risk='' THEN r.indicators END, "
                "CASE WHEN r.risk='' THEN r.details END")


def _old_facts(head: str, indicators: bytes, details: str) -> tuple[ProjectRow, dict]:
    """The project and risk facts of a result stored before the facts had columns (kept in its head; a store older
    still: worked out from the project)."""
    from xltools.district.review import risk_facts  # only for such old results

    project, facts = _project_from(head, indicators, details)
    return project, facts if facts is not None else risk_facts(project)


class RoundReader:
    """What reads a round back from an open store (``db``, its connection)."""

    db: sqlite3.Connection

    def files(self, round_id: int, *, used: bool = False, batch: int = 0, header: bool = False) -> Iterator[FileResult]:
        """The round's files in input order, or (``used``) its summarised projects by unit, name, path. With ``batch``,
        read ``batch`` rows a query, so that no read holds the store's lock for long (another process reads). With
        ``header``, each project without its indicators and details (empty: not even fetched), for a pass that reads
        nothing else of a project (汇总)."""
        columns = _HEADER_COLUMNS if header else _FILE_COLUMNS
        if used:  # the order is worked out on the keys alone: sorting the joined rows would copy every blob
            self.rank_units(round_id)
            self.db.execute("DROP TABLE IF EXISTS temp.used_order")
            self.db.execute("CREATE TEMP TABLE used_order (pos INTEGER PRIMARY KEY, seq INTEGER NOT NULL)")
            self.db.execute(
                "INSERT INTO temp.used_order SELECT ROW_NUMBER() OVER (ORDER BY u.rank, f.name, f.path), f.seq "
                "FROM files f LEFT JOIN temp.unit_rank u ON u.unit=f.unit WHERE f.round=? "
                "AND f.fate IN ('ok','tampered','other-layout')", (round_id,))
            query = (f"SELECT o.pos, {columns} FROM temp.used_order o JOIN files f ON f.round=? AND f.seq=o.seq "
                     "LEFT JOIN results r ON r.sha256=f.sha256 AND r.config=f.config WHERE o.pos > ? ORDER BY o.pos")
        else:
            query = (f"SELECT f.seq, {columns} FROM files f LEFT JOIN results r ON r.sha256=f.sha256 "
                     "AND r.config=f.config WHERE f.round=? AND f.seq > ? ORDER BY f.seq")
        if batch:  # the temporary tables made: no transaction left open (it would keep the store's lock)
            self.db.commit()
        for _, path, fate, reason, size, mtime, sha256, reused, head, indicators, details, findings, fmt, source, \
                drift in self.batched(query, round_id, batch):
            result = FileResult(path, fate, reason, size, mtime, sha256, reused=bool(reused), format=fmt, source=source)
            if head is not None:
                result.project, result.risk = _project_from(head, indicators, details)
                if drift:  # the risk facts the summary's sheets read: the drift (the rest is the review's)
                    result.risk = {"drift": _PLAIN.decode(drift)}
            if findings and findings != "[]":
                result.findings = Packed(findings)  # type: ignore[assignment]
            yield result

    def batched(self, query: str, round_id: int, batch: int) -> Iterator[tuple]:
        """The rows of ``query`` — parameters the round and the key to start after, its rows ordered by that key, their
        first column — read ``batch`` rows a query (``0``: all in one), so that no read holds the store's lock for
        long while another process writes."""
        after, more = -1, True
        while more:
            rows = self.db.execute(f"{query} LIMIT {batch}", (round_id, after)).fetchall() if batch else \
                self.db.execute(query, (round_id, after))
            for row in rows:
                after = row[0]
                yield row
            more = bool(batch) and len(rows) == batch  # type: ignore[arg-type]

    def shared_facts(self, round_id: int, signatures: str) -> Iterator[tuple[str, str, str, list, str, list]]:
        """What the round's summarised projects share, for the review (:mod:`~xltools.district.sheets_review`): each
        project's indicator-set signature with its 实施单位 inserted by SQL into the table ``signatures`` (signature,
        unit), no project decoded; then (path, 实施单位, 项目名称, 偏差原因 texts, signature, drift rows) of the
        projects with texts or drift, in no particular order. A result stored before the risk facts had columns is
        decoded and yielded too, with its signature (not inserted)."""
        self.db.execute(f"INSERT INTO {signatures} SELECT r.risk_signature, f.unit {_USED_JOIN} AND r.risk!='' "
                        "AND r.risk_signature!=''", (round_id,))
        for path, unit, name, texts, drift, head, indicators, details in self.db.execute(
                f"SELECT f.path, f.unit, f.name, r.risk_texts, r.drift, {_OLD_PROJECT} {_USED_JOIN} "
                "AND (r.risk='' OR r.risk_texts!='[]' OR r.drift!='')", (round_id,)):
            if head is not None:
                project, facts = _old_facts(head, indicators, details)
                yield path, project.unit, project.name, facts["texts"], facts["signature"], facts.get("drift") or []
            else:
                yield path, unit, name, _PLAIN.decode(texts), "", _PLAIN.decode(drift) if drift else []

    def flag_facts(self, round_id: int) -> Iterator[tuple[str, str, str, str, float | None, float | None, str, dict]]:
        """Every summarised project of the round with what its risk flags need, in no particular order: (path,
        实施单位, 项目名称, 年度, 复核总分, 执行率, fate, its risk facts as :func:`~xltools.district.review.risk_facts`
        gives them); no project decoded but one stored before the risk facts had columns."""
        for path, unit, name, year, total, rate, fate, risk, signature, head, indicators, details in self.db.execute(
                "SELECT f.path, f.unit, f.name, f.year, f.review_total, r.execution_rate, f.fate, r.risk, "
                f"r.risk_signature, {_OLD_PROJECT} {_USED_JOIN}", (round_id,)):
            if head is not None:
                p, facts = _old_facts(head, indicators, details)
                yield path, p.unit, p.name, p.year, p.review_total, p.execution_rate, fate, facts
            else:
                facts = _PLAIN.decode(risk)
                facts["signature"] = signature
                yield path, unit, name, year, total, rate, fate, facts

    def same_content(self, old: tuple[str, str], new: tuple[str, str], *, findings: bool = False) -> bool:
        """Whether two stored results ((sha256, config) each) hold the same form content: project, indicators and
        details (with ``findings``, the same findings too). A result stored before the risk facts had columns keeps
        them in its project's JSON: compared without them."""
        query = "SELECT indicators, details, packed_findings, project FROM results WHERE sha256=? AND config=?"
        before, after = self.db.execute(query, old).fetchone(), self.db.execute(query, new).fetchone()
        if before is None or after is None:
            return False
        keep = 3 if findings else 2
        if tuple(before[:keep]) != tuple(after[:keep]):
            return False
        if before[3] == after[3] or before[3] is None or after[3] is None:
            return before[3] == after[3]
        return _content(before[3]) == _content(after[3])

    def rank_units(self, round_id: int) -> None:
        """``temp.unit_rank(unit, rank)``: the round's 实施单位 in the district's order (:func:`unit_sort_key`)."""
        units = [row[0] for row in self.db.execute("SELECT DISTINCT unit FROM files WHERE round=? AND unit IS NOT NULL",
                                                   (round_id,))]
        self.db.execute("DROP TABLE IF EXISTS temp.unit_rank")
        self.db.execute("CREATE TEMP TABLE unit_rank (unit TEXT PRIMARY KEY, rank INTEGER)")
        self.db.executemany("INSERT INTO temp.unit_rank VALUES (?, ?)",
                            [(unit, rank) for rank, unit in enumerate(sorted(units, key=unit_sort_key))])

    def counts(self, round_id: int) -> dict[str, int]:
        return dict(self.db.execute("SELECT fate, COUNT(*) FROM files WHERE round=? GROUP BY fate", (round_id,)))

    def totals(self, round_id: int) -> tuple[int, int, int, int, int]:
        """(projects, errors, warnings, read, reused) of a round (a list workbook is one file read or reused)."""
        row = self.db.execute(
            "SELECT SUM(fate IN ('ok','tampered','other-layout')), SUM(CASE WHEN fate IN ('ok','tampered','other-layout') THEN errors END), "
            "SUM(CASE WHEN fate IN ('ok','tampered','other-layout') THEN warnings END), "
            f"SUM(sha256 != '' AND NOT reused AND seq % {PARTS} = 0), SUM(reused AND seq % {PARTS} = 0) "
            "FROM files WHERE round=?", (round_id,)).fetchone()
        return tuple(int(v or 0) for v in row)  # type: ignore[return-value]

    def ok_with_errors(self, round_id: int) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM files WHERE round=? AND fate='ok' AND errors > 0",
                                   (round_id,)).fetchone()[0])

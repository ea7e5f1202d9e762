"""The results store resolves duplicates in SQL as the in-memory rule does (xltools.district.duplicates), including the
rounds where only a few projects come in more than one version: only those projects' files are ranked."""

from __future__ import annotations

import copy
import datetime as dt
import random
from pathlib import Path

import pytest

from xltools.district.duplicates import resolve_duplicates
from xltools.district.results import FileResult, ProjectRow
from xltools.district.store import Store


def _project(unit: str, name: str, year: str, filled: dt.date | None) -> ProjectRow:
    return ProjectRow(year=year, unit=unit, department="", name=name, lead="", initial_budget=1.0, annual_budget=1.0,
                      executed=1.0, execution_rate=1.0, budget_score=10.0, subtotals={}, self_total=95.0,
                      review_total=95.0, grade="优", filled_on=filled)


def _round(seed: int, n: int) -> list[FileResult]:
    """``n`` files: byte copies, projects in several versions (some with the same 填写日期, some without one, blank
    units and years), files that are no form, a tampered form."""
    rng = random.Random(seed)
    out: list[FileResult] = []
    for seq in range(n):
        if out and rng.random() < 0.1:  # a byte copy of an earlier file
            copied = copy.deepcopy(rng.choice(out))
            copied.path, copied.mtime = f"副本/{seq}.xlsx", 1.7e9 + rng.randrange(5)
            out.append(copied)
            continue
        if rng.random() < 0.05:
            out.append(FileResult(f"其他/{seq}.docx", "not-template", "不是自评表", sha256=f"{seq:064x}"))
            continue
        unit = rng.choice(["朝外街道办事处", "建外街道办事处", ""])
        project = _project(unit, f"项目{rng.randrange(n // 3)}", rng.choice(["2024", "2024", ""]),
                           rng.choice([None, dt.date(2025, 1, rng.randrange(1, 4))]))
        out.append(FileResult(f"{unit or '无单位'}/{seq}.xlsx", "tampered" if rng.random() < 0.05 else "ok",
                              sha256=f"{seq:064x}", mtime=1.7e9 + rng.randrange(5), project=project))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_duplicates_in_sql_are_the_in_memory_rule(tmp_path: Path, seed: int) -> None:
    files = _round(seed, 120)
    with Store(tmp_path / "store.sqlite") as store:
        round_id, _ = store.begin_round(None, "汇总.xlsx", "cfg")
        store.add_many(round_id, [(seq, result, "") for seq, result in enumerate(files)], "cfg", dt.date(2026, 1, 5))
        store.resolve_duplicates(round_id)
        stored = [(r.path, r.fate, r.reason) for r in store.files(round_id)]
    resolve_duplicates(files)
    assert [(path, fate) for path, fate, _ in stored] == [(r.path, r.fate) for r in files]
    fates = {fate for _, fate, _ in stored}
    assert {"ok", "duplicate", "superseded"} <= fates
    newest = [reason for _, fate, reason in stored if fate in ("ok", "tampered") and "同一项目共" in reason]
    assert newest and all("采用本文件" in reason for reason in newest)


def test_a_round_without_a_project_in_two_versions_ranks_nothing(tmp_path: Path) -> None:
    files = [FileResult(f"{n}.xlsx", "ok", sha256=f"{n:064x}", project=_project("朝外街道办事处", f"项目{n}", "2024", None))
             for n in range(30)]
    with Store(tmp_path / "store.sqlite") as store:
        round_id, _ = store.begin_round(None, "汇总.xlsx", "cfg")
        store.add_many(round_id, [(seq, result, "") for seq, result in enumerate(files)], "cfg", dt.date(2026, 1, 5))
        made: list[str] = []
        store.db.set_trace_callback(made.append)
        store.resolve_duplicates(round_id)
        store.db.set_trace_callback(None)
        assert not any("CREATE TEMP TABLE ranked" in statement for statement in made)
        assert {fate for (fate,) in store.db.execute("SELECT fate FROM files")} == {"ok"}

"""Duplicates in a district run: byte-identical copies and older versions of the same project."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from xltools.district.results import FileResult

__all__ = ["resolve_duplicates"]


def resolve_duplicates(results: Sequence[FileResult]) -> None:
    """Mark byte-identical copies as duplicate and older versions of a project as superseded (in place).

    A project is (实施单位, 项目名称, 年度); the newest 填写日期 wins, then the newest file time.
    """
    first_by_hash: dict[str, FileResult] = {}
    for result in results:
        if not result.sha256 or result.fate == "skipped":
            continue
        kept = first_by_hash.setdefault(result.sha256, result)
        if kept is not result:
            result.fate = "duplicate"
            result.reason = f"与「{kept.path}」内容完全相同，未重复汇总"
    groups: dict[tuple[str, str, str], list[FileResult]] = {}
    for result in results:
        if result.used and result.project is not None and result.project.name:
            groups.setdefault(result.project.key, []).append(result)
    for items in groups.values():
        if len(items) < 2:
            continue
        items.sort(key=lambda r: (r.project.filled_on or dt.date.min, r.mtime, r.path),  # type: ignore[union-attr]
                   reverse=True)
        newest = items[0]
        date = newest.project.filled_on  # type: ignore[union-attr]
        for old in items[1:]:
            old.fate = "superseded"
            old.reason = (f"同一项目（实施单位、项目名称、年度相同）以更新的「{newest.path}」为准"
                          f"（填写日期 {date.isoformat() if date else '未填'}）")
        note = f"同一项目共 {len(items)} 个文件，采用本文件（填写日期最新）"
        newest.reason = f"{newest.reason}；{note}" if newest.reason else note

"""Duplicates in a district run: byte-identical copies and older versions of the same project."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from xltools.district.results import FileResult

__all__ = ["resolve_duplicates", "FORM_FATES"]

#: Fates of a file that was read as a form.
FORM_FATES = frozenset({"ok", "tampered", "wrong-year"})


#: Findings that make a 填写日期 unfit to decide which file of a project is the newest.
_UNTRUSTED_DATE = frozenset({"date-invalid", "date-in-future"})


def _trusted_date(result: FileResult) -> dt.date | None:
    """The file's 填写日期, unless the checker flagged it as invalid or in the future."""
    if result.project is None or any(f[2] in _UNTRUSTED_DATE for f in result.findings):
        return None
    return result.project.filled_on


def resolve_duplicates(results: Sequence[FileResult]) -> None:
    """Mark byte-identical copies of a form as duplicate and older versions of a project as superseded (in place).

    Only forms that were read (:data:`FORM_FATES`) can be copies: an unreadable file (or one that is no
    form) keeps that fate in every copy, as ``xltools check`` answers for each file.

    A project is (实施单位, 项目名称, 年度); the newest 填写日期 wins, then the newest file time. A
    填写日期 the checker flags (``date-invalid``, ``date-in-future``) decides nothing: such a file
    counts as undated.
    """
    first_by_hash: dict[str, FileResult] = {}
    for result in results:
        if not result.sha256 or result.fate not in FORM_FATES:  # a file that is no form keeps its own fate
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
        items.sort(key=lambda r: (_trusted_date(r) or dt.date.min, r.mtime, r.path), reverse=True)
        newest = items[0]
        date = _trusted_date(newest)
        for old in items[1:]:
            old.fate = "superseded"
            old.reason = (f"同一项目（实施单位、项目名称、年度相同）以更新的「{newest.path}」为准"
                          f"（填写日期 {date.isoformat() if date else '未填'}）")
        note = f"同一项目共 {len(items)} 个文件，采用本文件（填写日期最新）"
        newest.reason = f"{newest.reason}；{note}" if newest.reason else note

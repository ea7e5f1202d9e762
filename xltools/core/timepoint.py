"""Times people type as targets and actual values: deadlines, months, dates, quarters.

``12月前``, ``11月底``, ``6月30日前``, ``年底前``, ``第三季度``, ``2021年10月``,
``2022年4月完成``, ``次年3月``: each is a period of the calendar (its first
and last day), with or without a year. They compare as time — never as the
quantity 12 with the unit “月前”. ``N月前`` counts as “by the end of month N”
(how the forms use it), ``年底前`` as “by 31 December”.

Every function is total: text that is not a time gives ``None``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from .parse import chinese_numeral, memoise_text, normalize_text, split_operator

__all__ = ["TimeSpec", "parse_time", "find_time", "looks_like_time", "resolve", "is_late", "show_date"]

#: The year a time without one is placed in when nothing else says (not a leap year).
_NEUTRAL_YEAR = 2001


@dataclass(frozen=True)
class TimeSpec:
    """A period as typed: months/days of its first and last day, the year if stated (or +1 for 次年)."""

    year: int | None
    first: tuple[int, int]  # (month, day)
    last: tuple[int, int]  # (month, day); day 0 = the month's last day
    next_year: bool = False
    text: str = ""


_NUM = r"(\d{1,2}|[一二三四五六七八九十]{1,3})"
_PREFIX = r"(?:已于|已在|已经于|于|在|截至|截止到|截止|计划|预计|要求|不晚于|最迟|最晚|按时于|≤|<=|<)*"
_SUFFIX = (r"(?:底前|末前|前|以前|之前|内|以内|之内|止|为止)?"
           r"(?:已?(?:全部)?(?:完成|完工|竣工|实施完毕|上线|交付|验收|启动|开工|办结|落实))?(?:任务)?")
_YEAR = r"(?:(?P<year>(?:19|20)\d{2})年|(?P<next>次年|下一年度?|明年))?"
_CORE = (
    rf"{_YEAR}(?:"
    rf"(?P<m1>{_NUM})月(?P<d1>{_NUM})日?"  # 6月30日
    rf"|(?P<m2>{_NUM})月(?:份)?(?P<part>上旬|中旬|下旬|初|中|底|末)?"  # 11月底, 12月
    rf"|(?:第)?(?P<q>[一二三四1-4])季度(?P<qend>末|底)?"  # 第三季度
    rf"|(?P<half>上半年|下半年)"
    rf"|(?P<end>年底|年末|年内|年度内|底|末|内|全年|本年度|当年)"  # 年底前; 2021年底 (after the year)
    rf")"
)
_DATE = r"(?P<dy>(?:19|20)\d{2})[-./](?P<dm>\d{1,2})[-./](?P<dd>\d{1,2})日?"
_FULL = re.compile(rf"^{_PREFIX}(?:{_DATE}|{_CORE}){_SUFFIX}$")


@lru_cache(maxsize=None)
def _search() -> re.Pattern[str]:
    """A time anywhere in a text (compiled when first used: ~0.7 ms of a first check that never needs it)."""
    return re.compile(rf"(?:{_DATE}|{_CORE})")


_BARE_YEAR = re.compile(rf"^{_PREFIX}(?P<year>(?:19|20)\d{{2}})年(?:度)?{_SUFFIX}$")
_TRAILING = re.compile(r"[。．.，,；;！!]+$")


def _number(text: str | None) -> int | None:
    if text is None:
        return None
    return int(text) if text.isdigit() else chinese_numeral(text)


def _spec(match: re.Match[str], text: str) -> TimeSpec | None:
    groups = match.groupdict()
    if groups.get("dy"):
        year, month, day = int(groups["dy"]), int(groups["dm"]), int(groups["dd"])
        return TimeSpec(year, (month, day), (month, day), text=text) if _valid(month, day) else None
    year = int(groups["year"]) if groups.get("year") else None
    nxt = bool(groups.get("next"))
    if groups.get("m1"):
        month, day = _number(groups["m1"]), _number(groups["d1"])
        if month is None or day is None or not _valid(month, day):
            return None
        return TimeSpec(year, (month, day), (month, day), nxt, text)
    if groups.get("m2"):
        month = _number(groups["m2"])
        if month is None or not 1 <= month <= 12:
            return None
        first, last = {"上旬": (1, 10), "初": (1, 10), "中旬": (11, 20), "中": (11, 20), "下旬": (21, 0),
                       "底": (0, 0), "末": (0, 0)}.get(groups.get("part") or "", (1, 0))
        return TimeSpec(year, (month, first), (month, last), nxt, text)
    if groups.get("q"):
        quarter = _number(groups["q"])
        assert quarter is not None
        first_month = 3 * quarter - 2
        start = (3 * quarter, 0) if groups.get("qend") else (first_month, 1)
        return TimeSpec(year, start, (3 * quarter, 0), nxt, text)
    if groups.get("half"):
        return TimeSpec(year, (1, 1) if groups["half"] == "上半年" else (7, 1),
                        (6, 30) if groups["half"] == "上半年" else (12, 31), nxt, text)
    end = groups.get("end")
    if end:
        if end in ("底", "末", "内") and year is None and not nxt:
            return None  # a bare 底/内 is no time
        start = (12, 0) if end in ("年底", "年末", "底", "末") else (1, 1)
        return TimeSpec(year, start, (12, 31), nxt, text)
    return None


#: Days of each month in a leap year (a day typed without a year is valid if some year has it: 2月29日).
_MONTH_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _valid(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= _MONTH_DAYS[month]


def _last_day(year: int, month: int) -> int:
    """The last day of ``month`` in ``year`` (the calendar module would cost a first check ~1 ms to import)."""
    return (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day


def _clean(value: object) -> str:
    """The text without blanks and trailing marks; an upper-bound operator in any spelling (``⩽``, ``不超过``,
    ``12月以内``) as ``≤`` (a deadline)."""
    text = _TRAILING.sub("", normalize_text(value).replace(" ", ""))
    comparator, rest = split_operator(text)
    return "≤" + rest if comparator in ("<=", "<") else text


#: A character every time :data:`_FULL` or :data:`_BARE_YEAR` matches holds: 月 (6月30日, 11月底), 季 (第三季度), 年
#: (上半年, 年底, 2021年度), 底/末/内 (底前, 末, 内) or a date's separator (2021-10-15, 2021.10.15, 2021/10/15).
_TIME_MARKS = frozenset("月季年底末内-./")


def _parse_text(text: str) -> TimeSpec | None:
    # no long text in the cache; a text without any character a time needs (most numbers and words) is none
    return None if not text or len(text) > 30 or _TIME_MARKS.isdisjoint(text) else _parse_short(text)


@lru_cache(maxsize=4096)
def _parse_short(text: str) -> TimeSpec | None:
    match = _FULL.match(text)
    if match:
        return _spec(match, text)
    bare = _BARE_YEAR.match(text)
    if bare:
        return TimeSpec(int(bare.group("year")), (1, 1), (12, 31), text=text)
    return None


@memoise_text
def parse_time(value: object) -> TimeSpec | None:
    """The period a cell states when the whole cell is a time (``"12月底前"``, ``"2022年4月完成"``)."""
    if isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return TimeSpec(day.year, (day.month, day.day), (day.month, day.day), text=day.isoformat())
    return _parse_text(_clean(value)) if isinstance(value, str) else None


def looks_like_time(text: str) -> bool:
    """Whether normalised text is a time (so not a quantity: ``12月前`` is no “12 月前”)."""
    return _parse_text(_TRAILING.sub("", text)) is not None


@memoise_text
def find_time(value: object) -> TimeSpec | None:
    """The last time mentioned in a short statement (``"已于2021年11月完成全部改造"`` → 2021年11月)."""
    whole = parse_time(value)
    if whole is not None or not isinstance(value, str):
        return whole
    text = _clean(value)
    if len(text) > 60:
        return None
    found = None
    for match in _search().finditer(text):
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if before.isdigit() or after.isdigit() or after == "个":
            continue  # part of a longer number, or a duration
        spec = _spec(match, match.group(0))
        if spec is not None and (spec.year is not None or spec.first[0] or match.group(0)[-1] in "月日度"):
            found = spec
    return found


def resolve(spec: TimeSpec, year: int | None) -> tuple[dt.date, dt.date]:
    """First and last day of the period, placing a time without a year in ``year``."""
    base = spec.year if spec.year is not None else (year if year is not None else _NEUTRAL_YEAR)
    if spec.next_year:
        base += 1

    def day(month: int, d: int) -> dt.date:
        return dt.date(base, month, d or _last_day(base, month))

    return day(*spec.first), day(*spec.last)


def is_late(target: TimeSpec, actual: TimeSpec, year: int | None) -> tuple[bool, dt.date, dt.date]:
    """Whether the actual period begins after the target's deadline (its last day).

    Returns (late, deadline, actual first day). A time without a year takes the
    form's ``year``, else the other time's year.
    """
    year = year if year is not None else (target.year if target.year is not None else actual.year)
    deadline = resolve(target, year)[1]
    begun = resolve(actual, year)[0]
    return begun > deadline, deadline, begun


def show_date(day: dt.date, spec: TimeSpec) -> str:
    """A date for a message, without the year when the person did not write one."""
    stated = spec.year is not None or spec.next_year
    return f"{day.year}年{day.month}月{day.day}日" if stated else f"{day.month}月{day.day}日"

"""What an actual value says about achievement, in words: 达成, 部分达成, 未达成, late, or a rating.

``未按时完成`` is not ``完成``: a completion word is read together with the
negation and the timeliness around it. Which band a late completion or a
rating word (the scales of :data:`xltools.core.vocabulary.RATING_SCALES`) falls in is policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .parse import memoise_text, normalize_text
from .policy import Policy

__all__ = ["Statement", "stated_band", "rating_scale", "rating_word"]


@dataclass(frozen=True)
class Statement:
    """A band the words state, and the words that state it (quoted in messages)."""

    band: str
    words: str
    late: bool = False


_DONE = r"(?:完成|达成|达到|实现|完工|落实|办结)"
_NEGATED = re.compile(rf"(?:未能|没有|没能|尚未|不能|无法|未曾|未|没|不)(?P<timely>按时|按期|如期|及时|准时)?"
                      rf"(?P<whole>全部|全面|完全|足额)?{_DONE}")
_NOT_MET = re.compile(r"未达标|不达标|效果较差|效果差|未达预期|未见成效")
_PARTIAL = re.compile(r"部分(?:达成|完成|实现|达到)|基本(?:达成|完成|实现|达到)|大部分完成|一定效果")
_NEXT_YEAR = re.compile(r"(?:推迟|延期|延迟|延|顺延|结转|跨)(?:至|到)?(?:次年|下一?年度?|明年|\d{4}年)|跨年")
_LATE_WORDS = r"延期|推迟|滞后|逾期|延迟|延误|拖延|晚于"
_LATE = re.compile(_LATE_WORDS)
#: A late word negated within a few characters (无延期, 未出现工期延误, 避免进度滞后): not late.
_LATE_NEGATED = re.compile(rf"(?:无|未|不|没有|没|避免|防止|杜绝)[^，,。；;、]{{0,4}}?(?:{_LATE_WORDS})")
_ACHIEVED = re.compile(rf"{_DONE}|按时|如期|按期")


def stated_band(actual: object, policy: Policy) -> Statement | None:
    """The band an actual's words state, or ``None`` when they state none.

    In order: a negated completion (``未完成`` → 未达成, ``未按时完成`` → late,
    ``未全部完成`` → 部分达成), partial words, postponement to the next year
    (未达成), lateness (``延期完成``, ``滞后`` → the policy's late band), and
    plain completion words (达成).
    """
    return _stated(actual, policy.late_band)


@memoise_text
def _stated(actual: object, late_band: str) -> Statement | None:
    """:func:`stated_band` keyed on what it depends on (the band of a late completion is ``late_band``)."""
    text = normalize_text(actual).replace(" ", "")
    if not text:
        return None
    negated = _NEGATED.search(text)
    if negated:
        if negated.group("timely"):
            return Statement(late_band, negated.group(0), late=True)
        if negated.group("whole"):
            return Statement("部分达成", negated.group(0))
        return Statement("未达成", negated.group(0))
    not_met = _NOT_MET.search(text)
    if not_met:
        return Statement("未达成", not_met.group(0))
    partial = _PARTIAL.search(text)
    if partial:
        return Statement("部分达成", partial.group(0))
    postponed = _NEXT_YEAR.search(text)
    if postponed:
        return Statement("未达成", postponed.group(0))
    late = _LATE.search(_LATE_NEGATED.sub("，", text.replace("不断", "一再")))  # 不断推迟 is no negation
    if late:
        return Statement(late_band, late.group(0), late=True)
    achieved = _ACHIEVED.search(text)
    if achieved:
        return Statement("达成", achieved.group(0))
    return None


# --- rating scales -------------------------------------------------------------------

_SEPARATORS = re.compile(r"[/、，,;；|\s或和及与]+")
_RATING_PREFIX = re.compile(r"^(?:评价|评定|评估|考核|验收|测评|等级|结果|效果|质量|评级)*(?:结果|等级)?(?:为|是|:|：)?")
_RATING_SUFFIX = re.compile(r"(?:等级|等次|级|档)?[。.！!]*$")


def _words(text: str) -> list[str]:
    return [w for w in _SEPARATORS.split(text) if w]


Rated = tuple[dict[str, str], str | None] | None

#: (id of a policy's scales, target text, the actual's rating word) → (the scales, :func:`rating_scale`'s answer), for
#: the texts last asked about; holding the scales keeps their id from being reused by other objects.
_RATED: dict[tuple[int, str, str], tuple[tuple[dict[str, str], ...], Rated]] = {}


def rating_scale(target: object, actual: object, policy: Policy) -> Rated:
    """The policy's rating scale a target states, and the one word it expects (``None`` for a whole scale).

    A target states a scale when it lists at least two of the scale's words and
    nothing else (``"优良中差"``, ``"好/较好/一般/差"``, ``"高/中/低"``), or when it
    is one word of a scale (``"良"``, ``"评价等级为良"``) that also has the actual's word.
    Answered once per target text and rating word of the actual (all the answer depends on) for a set of scales.
    """
    scales = policy.rating_scales
    if type(target) is not str or len(target) > 200:
        return _rating_scale(target, actual, scales)
    key = (id(scales), target, _rating_key(actual))
    known = _RATED.get(key)
    if known is not None:
        return known[1]
    if len(_RATED) >= 4096:
        _RATED.clear()
    answer = _rating_scale(target, actual, scales)
    _RATED[key] = (scales, answer)
    return answer


def _rating_scale(target: object, actual: object, scales: tuple[dict[str, str], ...]) -> Rated:
    text = normalize_text(target).replace(" ", "")
    if not text or len(text) > 30:
        return None
    for scale in scales:
        if _covers(text, tuple(scale)):
            return scale, None
    for scale in scales:
        expected = rating_word(target, scale)
        if expected is not None and rating_word(actual, scale) is not None:
            return scale, expected
    return None


@lru_cache(maxsize=4096)  # texts of up to 30 characters (rating_scale's bound)
def _covers(text: str, words: tuple[str, ...]) -> bool:
    """``text`` is two or more of ``words`` joined, optionally with separators (longest words first)."""
    parts = _words(text)
    if len(parts) >= 2:
        return all(p in words for p in parts)
    ordered = sorted(words, key=len, reverse=True)
    rest, count = text, 0
    while rest:
        word = next((w for w in ordered if rest.startswith(w)), None)
        if word is None:
            return False
        rest, count = rest[len(word):], count + 1
    return count >= 2


def rating_word(actual: object, scale: dict[str, str]) -> str | None:
    """The scale's word an actual value states (``"优"``, ``"评价结果：良"``, ``"较好。"``), if it states one."""
    text = _rating_key(actual)
    return text if text in scale else None


@memoise_text
def _rating_key(actual: object) -> str:
    """The word a value states, without the words around a rating (评价结果为…等级)."""
    text = normalize_text(actual).replace(" ", "")
    return _RATING_SUFFIX.sub("", _RATING_PREFIX.sub("", text)) or text  # “是” is a word, not a prefix

"""Tolerant parsing of what people type into the form.

Every function here is total: it never raises on user input. What cannot be
understood comes back as a result whose ``kind`` says so, and the validation
rules turn that into a finding.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, update_wrapper, wraps
from typing import Any, Literal, NamedTuple, TypeVar

__all__ = [
    "Number",
    "normalize_text",
    "parse_number",
    "parse_date",
    "chinese_numeral",
    "is_placeholder",
    "is_inapplicable",
    "is_garbled_number",
    "as_typed",
    "memoise_text",
    "Comparator",
    "OPERATOR_PREFIXES",
    "OPERATOR_SUFFIXES",
    "split_operator",
    "operator_unknown",
    "looks_like_operator",
]

NumberKind = Literal["empty", "number", "text", "invalid"]


@dataclass(frozen=True, init=False)
class Number:
    """A parsed numeric cell.

    kind: ``empty`` (nothing typed), ``number`` (a real number), ``text`` (a
    number that arrived as text, e.g. ``"6.6296万"``), ``invalid`` (not a number).
    """

    kind: NumberKind
    value: float | None = None
    raw: object = None

    def __init__(self, kind: NumberKind, value: float | None = None, raw: object = None) -> None:
        # frozen: each field written once into the instance (the generated __init__ goes through object.__setattr__
        # per field, ~3× the cost; a number or text seen for the first time makes one)
        values = self.__dict__
        values["kind"], values["value"], values["raw"] = kind, value, raw

    @property
    def ok(self) -> bool:
        return self.value is not None


#: Texts up to this length are memoised by the pure text functions of the core (a form's texts repeat
#: within it and across a district's forms); a longer one is computed each time, so no cache ever holds
#: a long text.
_MEMO_CHARS = 200
_MEMO_SIZE = 8192
_F = TypeVar("_F", bound=Callable[..., Any])


class MemoInfo(NamedTuple):
    """What a memo of :func:`memoise_text` holds (``currsize`` as ``functools.lru_cache`` names it)."""

    currsize: int
    maxsize: int


class _TextMemo(dict):  # type: ignore[type-arg]
    """A pure function of one cell value, memoised for texts of up to :data:`_MEMO_CHARS` characters.

    Calling it is the dictionary's own ``__getitem__`` (no Python frame when the text is known: these
    functions run a hundred times a form); an unknown key reaches :meth:`__missing__`, which computes the
    answer and keeps it only for a plain ``str`` short enough. Any other value (a number, a date, ``None``,
    a long text) is therefore computed every time, exactly as the function would: ``1``, ``1.0`` and
    ``True`` are equal keys of a dictionary, but they are never kept. At :data:`_MEMO_SIZE` texts the memo
    starts afresh (bounded, whatever a run reads). ``fixed``: answers always kept (``None``'s, say)."""

    __call__ = dict.__getitem__

    def __init__(self, function: Callable[[Any], Any], fixed: dict[Any, Any] | None = None) -> None:
        super().__init__(fixed or {})
        self.function = function
        self.fixed = dict(fixed or {})
        update_wrapper(self, function)

    def __missing__(self, value: Any) -> Any:
        answer = self.function(value)
        if type(value) is str and len(value) <= _MEMO_CHARS:
            if len(self) >= _MEMO_SIZE:
                self.cache_clear()
            self[value] = answer
        return answer

    def cache_info(self) -> MemoInfo:
        return MemoInfo(len(self), _MEMO_SIZE)

    def cache_clear(self) -> None:
        self.clear()
        self.update(self.fixed)

    def __repr__(self) -> str:
        return f"<memoised {self.function.__qualname__}>"


def memoise_text(function: _F) -> _F:
    """Memoise (bounded) ``function``, a pure function of a cell value and perhaps further hashable
    arguments, for values that are texts of up to :data:`_MEMO_CHARS` characters (a decorator); any other
    value (a longer text, a number, a date) is passed straight through, so one function serves all.

    A function of the value alone becomes a :class:`_TextMemo` (a dictionary lookup per call); one with
    further arguments keeps them in its key through ``functools.lru_cache``."""
    if function.__code__.co_argcount == 1 and not function.__code__.co_kwonlyargcount:
        return _TextMemo(function)  # type: ignore[return-value]
    cached = lru_cache(maxsize=_MEMO_SIZE)(function)

    @wraps(function)
    def call(value: Any, *args: Any) -> Any:
        if type(value) is str and len(value) <= _MEMO_CHARS:
            return cached(value, *args)
        return function(value, *args)
    call.cache_info = cached.cache_info  # type: ignore[attr-defined]
    call.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return call  # type: ignore[return-value]


def _normalize(value: object) -> str:
    """NFKC-normalise, turn any whitespace run into one space, strip (``None`` → ``""``; a whole-number float
    without ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())  # as _SPACES.sub(" ", …).strip(): one space


#: :func:`_normalize`, memoised: the same texts are normalised many times per form (the hottest memo).
normalize_text: Callable[[object], str] = _TextMemo(_normalize, {None: ""})


def as_typed(value: object, limit: int = 40) -> str:
    """A cell's value for a message, as the person typed it (full-width characters and punctuation kept).

    Line breaks become spaces and long texts are cut at ``limit`` characters;
    a whole-number float shows without ``.0``.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).split("\n")).strip()
    return text if len(text) <= limit else text[:limit] + "…"


# --- placeholders and garbled numbers ------------------------------------------------

#: What people type instead of a value: dashes, a slash, 无, 0, 略… (compared after NFKC, without blanks).
_PLACEHOLDER_WORDS = frozenset({"无", "暂无", "0", "不适用", "略", "n/a", "na", "none", "null", "空", "没有",
                                "无此项", "不涉及", "/", "\\"})
_PLACEHOLDER_MARKS = re.compile(r"^[-—―–‐‑‒一_~～·.。…/\\]+$")
_INAPPLICABLE_WORDS = frozenset({"不适用", "不涉及", "无此项", "n/a", "na"})
_TRAILING_MARKS = re.compile(r"[。.，,；;！!]+$")
_ZEROS = re.compile(r"0+(?:\.0+)?")


def _placeholder_key(value: object) -> str | None:
    """What a placeholder test compares (not memoised itself: :func:`is_placeholder` and :func:`is_inapplicable`
    are, and a text seen for the first time is asked only the first under the default policy)."""
    if value is None or isinstance(value, bool):
        return None
    if _is_real(value):
        return "0" if value == 0 else None
    if not isinstance(value, str):
        return None
    text = normalize_text(value).replace(" ", "")
    text = _TRAILING_MARKS.sub("", text) or text
    if _ZEROS.fullmatch(text):
        return "0"
    return text.casefold() if text else None


@memoise_text
def is_placeholder(value: object) -> bool:
    """``True`` for "一", "—", "-", "/", "无", "暂无", "0", "不适用", "略" and the like: no value at all.

    A number typed as 0 counts too (a value of zero is written with its unit, e.g. ``0起``).
    """
    key = _placeholder_key(value)
    return key is not None and (key in _PLACEHOLDER_WORDS or bool(_PLACEHOLDER_MARKS.match(key)))


@memoise_text
def is_inapplicable(value: object) -> bool:
    """``True`` for the words that say an indicator does not apply (不适用, 不涉及, 无此项)."""
    key = _placeholder_key(value)
    return key is not None and key in _INAPPLICABLE_WORDS


# A cell that looks like one number with a unit but holds letters where digits belong (OCR):
# "23O人", "l00%", "M.8万元", "1O0", "2O21年". Letters after the number that form a unit ("100km",
# "5t", "10h") are fine, as are codes that start with two letters ("ISO9001").
_GARBLED_SHAPE = re.compile(r"^([0-9A-Za-z.,%|]+)([^\x00-\x7f\d]{0,6})$")
_LOOKALIKES = "OoIl|SZB"
_GARBLED_INNER = re.compile(
    rf"^[A-UW-Za-uw-z|]\.?\d"  # one letter where the first digit belongs: l00, M.8 (not a version: V2)
    rf"|\d[{_LOOKALIKES}]+\d"  # look-alikes between digits: 1O0, 2O21 (not a unit: 100m2)
    rf"|\d[.,]?[{_LOOKALIKES}]%?$"  # a digit look-alike after the digits: 23O, 12.5l
)


_CODE_START = re.compile(r"^[A-Za-z]{2,}")
_LETTER = re.compile(r"[A-Za-z|]")
_LETTER_AT_POINT = re.compile(r"\d[.,][A-Za-z]|[A-Za-z][.,]\d")


@memoise_text
def is_garbled_number(value: object) -> bool:
    """``True`` when text looks like a number with a unit but contains letters or stray characters, or is led
    by a sign that looks like an operator but is none that is known (:func:`operator_unknown`)."""
    if not isinstance(value, str):
        return False
    text = split_operator(value)[1]
    if _unknown_sign(text):  # operator_unknown(value), from the one split of a text seen for the first time
        return True
    if not text or len(text) > 24:
        return False
    match = _GARBLED_SHAPE.match(text)
    if not match:
        return False
    core = match.group(1)
    if not _LETTER.search(core) or not any(ch.isdigit() for ch in core):  # every garbled shape has a letter or |
        return False
    if _CODE_START.match(core):  # a code such as ISO9001, GB50300
        return False
    return bool(_GARBLED_INNER.search(core)) or bool(_LETTER_AT_POINT.search(core))


def _is_real(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@lru_cache(maxsize=None)
def _number_re() -> re.Pattern[str]:
    """A number's text (compiled when first used, as the other rarely needed patterns here: a first check's
    start pays only for what it uses)."""
    return re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?$")


_UNITS = ("万元", "万", "分")


def parse_number(value: object, *, suffixes: tuple[str, ...] = _UNITS) -> Number:
    """Parse an amount, weight or score as typed.

    Real numbers pass through. Text such as ``"6.6296万"``, ``"1,234.5"`` or
    full-width ``"６．６"`` is understood as ``kind="text"``; anything else is
    ``kind="invalid"``. Only the given unit suffixes are accepted (amounts are
    entered in 万元, so ``万元``/``万`` just restate the unit).
    """
    if value is None:
        return _NO_NUMBER
    kind = type(value)
    if kind is float or kind is int or _is_real(value):  # a cell's number (its exact type) without the calls
        return _parse_real(value) if value else _parse_real.__wrapped__(value)  # -0.0 == 0.0: no cache
    if isinstance(value, bool):
        return Number("invalid", None, value)
    if suffixes is _UNITS:  # nearly every call: a memo of the value alone
        return _parse_units(value)
    return _parse_number_typed(value, suffixes)


_NO_NUMBER = Number("empty", None, None)


@lru_cache(maxsize=_MEMO_SIZE, typed=True)  # typed: the Number keeps the int or float as typed
def _parse_real(value: float) -> Number:
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float (a JSON amount of hundreds of digits)
        return Number("invalid", None, value)
    return Number("number", number, value) if math.isfinite(number) else Number("invalid", None, value)


@memoise_text
def _parse_number_typed(value: object, suffixes: tuple[str, ...]) -> Number:
    """:func:`parse_number` of a value that is no real number: a text (or a date …) as typed."""
    text = normalize_text(value).replace(" ", "")
    if not text:
        return Number("empty", None, value)
    for suffix in sorted(suffixes, key=len, reverse=True):
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    if not text or not _number_re().match(text) or not any(ch.isdigit() for ch in text):
        return Number("invalid", None, value)
    number = float(text.replace(",", ""))
    if not math.isfinite(number):
        return Number("invalid", None, value)
    return Number("text", number, value)


@memoise_text
def _parse_units(value: object) -> Number:
    """:func:`_parse_number_typed` with the default unit suffixes."""
    return _parse_number_typed.__wrapped__(value, _UNITS)


# --- comparison operators (every spelling: one table) ------------------------

Comparator = Literal[">=", ">", "<=", "<", "="]


#: Every spelling of each comparison operator written before the number, as compared after NFKC with the
#: blanks removed (NFKC already turns ＞= ＜= ＝ ﹦ ＞ ＜ into >= <= = = > <). Longest first within a
#: family does not matter: :func:`split_operator` tries the longest spelling of all first.
OPERATOR_PREFIXES: dict[Comparator, tuple[str, ...]] = {
    ">=": ("≥", "≧", "⩾", ">=", "=>", "大于或等于", "大于等于", "不低于", "不少于", "不小于", "至少", "达到"),
    "<=": ("≤", "≦", "⩽", "<=", "=<", "小于或等于", "小于等于", "不高于", "不超过", "不多于", "不大于", "至多"),
    "=": ("=", "==", "═", "等于"),
    ">": (">", "高于", "大于", "超过"),
    "<": ("<", "低于", "小于"),
}
#: Spellings written after the number (``95%以上``, ``10天以内``).
OPERATOR_SUFFIXES: dict[Comparator, tuple[str, ...]] = {
    ">=": ("及以上", "以上"),
    "<=": ("及以下", "以下", "以内", "之内"),
}

_PREFIX_COMPARATORS: list[tuple[str, Comparator]] = sorted(
    ((word, comp) for comp, words in OPERATOR_PREFIXES.items() for word in words), key=lambda item: -len(item[0]))
_SUFFIX_COMPARATORS: list[tuple[str, Comparator]] = sorted(
    ((word, comp) for comp, words in OPERATOR_SUFFIXES.items() for word in words), key=lambda item: -len(item[0]))


def looks_like_operator(ch: str) -> bool:
    """Whether a character looks like a comparison sign: a mathematical symbol (≈ ≒ ≠ ≪ ⊇ …) or a
    box-drawing line (╪ ═ ╤ … printed by some systems), other than a sign of a number (+ −)."""
    if len(ch) != 1 or ch in "+−":
        return False
    return unicodedata.category(ch) == "Sm" or 0x2500 <= ord(ch) <= 0x257F


@memoise_text
def split_operator(value: object) -> tuple[Comparator | None, str]:
    """The comparison operator a target or actual value states, and the text without it.

    The text is normalised first (NFKC, blanks removed), so every way people type or systems print an
    operator reads alike: ``"≥95%"``, ``"⩾ 95%"``, ``"＞=95%"``, ``"不低于95%"``, ``"达到95%"`` and
    ``"95%以上"`` all give ``(">=", "95%")``; ``"═100%"`` and ``"等于100%"`` give ``("=", "100%")``.
    A text without a known operator gives ``(None, text)`` (an unknown sign stays in the text: see
    :func:`operator_unknown`). Two wordings state the same comparison exactly when this function gives the
    same operator and the same rest. Total: never raises.
    """
    text = normalize_text(value).replace(" ", "")
    prefix, suffix = _operator_res()
    match = prefix.match(text)
    if match is not None:
        return _PREFIX_OF[match.group(0)], text[match.end():]
    match = suffix.search(text)
    if match is not None:
        return _SUFFIX_OF[match.group(0)], text[:match.start()]
    return None, text


_PREFIX_OF: dict[str, Comparator] = {}
_SUFFIX_OF: dict[str, Comparator] = {}
for _word, _comp in _PREFIX_COMPARATORS:
    _PREFIX_OF.setdefault(_word, _comp)  # the first of a spelling listed twice, as the loops took it
for _word, _comp in _SUFFIX_COMPARATORS:
    _SUFFIX_OF.setdefault(_word, _comp)


@lru_cache(maxsize=None)
def _operator_res() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The spellings before and after a number as two patterns (compiled when first used), tried longest first as
    a loop over them would (a spelling that is the whole text is no operator: some text must follow or precede
    it); a text's operator is read once (:func:`split_operator` is memoised), but every new text asks."""
    words = "|".join(re.escape(word) for word, _ in _PREFIX_COMPARATORS)
    after = "|".join(re.escape(word) for word, _ in _SUFFIX_COMPARATORS)
    return re.compile(rf"^(?:{words})(?=[\s\S])"), re.compile(rf"(?<=[\s\S])(?:{after})\Z")


@lru_cache(maxsize=None)
def _unknown_sign_number() -> re.Pattern[str]:
    return re.compile(r"^[+-]?(?:\d|\.\d)")


@memoise_text
def operator_unknown(value: object) -> bool:
    """``True`` when a value is a number led by a sign that looks like an operator but is none that is known
    (``"≈95%"``, ``"╤90%"``, ``"≥≒90%"``): it cannot be read, so it must not pass as words."""
    return isinstance(value, str) and _unknown_sign(split_operator(value)[1])


def _unknown_sign(rest: str) -> bool:
    """:func:`operator_unknown` of a text whose :func:`split_operator` rest is ``rest`` (a letter or digit first,
    as in most texts, is no sign: no call)."""
    if not rest or rest[0].isalnum() or not looks_like_operator(rest[0]):
        return False
    signs = len(rest) - len(rest.lstrip("".join(ch for ch in set(rest) if looks_like_operator(ch))))
    return bool(_unknown_sign_number().match(rest[signs:])) and len(rest) <= 24


# --- Chinese numerals (quantities: xltools.core.quantity) ---------------------

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}

def chinese_numeral(text: str) -> int | None:
    """Value of a simple Chinese numeral (``两`` → 2, ``十二`` → 12, ``三千五百`` → 3500)."""
    if not text:
        return None
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            if digit is not None:
                return None
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        elif ch == "万":
            total = (total + section + (digit or 0)) * 10000
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


# --- dates -------------------------------------------------------------------

_EXCEL_EPOCH = dt.date(1899, 12, 30)


@lru_cache(maxsize=None)
def _date_res() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A date typed as text: ``2021-02-24``, ``2021年2月24日``; ``20210224``."""
    return (re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?$"),
            re.compile(r"^(\d{4})(\d{2})(\d{2})$"))


def parse_date(value: object) -> dt.date | None:
    """Parse ``2021.2.24``, ``2021-02-24``, ``2021年2月24日``, a date or an Excel serial."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if _is_real(value):
        number = float(value)
        if math.isfinite(number) and 1 <= number < 2958466:
            return _EXCEL_EPOCH + dt.timedelta(days=int(number))
        return None
    return _date_of_text(value)


@memoise_text
def _date_of_text(value: object) -> dt.date | None:
    """:func:`parse_date` of a value that is no date or number (a text as typed; asked ~3 times a form)."""
    text = normalize_text(value)
    text = text.split("T")[0].split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2}[T ]", text) else text
    dated, compact = _date_res()
    match = dated.match(text) or compact.match(text)
    if not match:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None

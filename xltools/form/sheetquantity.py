"""How the in-sheet checks read a quantity (「≥95%」, 「≤10天」, 「40个」) with formulas: comparator, number, unit.

Pure formula texts, used by :mod:`xltools.form.checks` for the helper columns of template 1.1 and later.
They mirror :func:`xltools.core.quantity.parse_quantity` for the spellings a formula can read.
"""

from __future__ import annotations

from xltools.core.parse import OPERATOR_PREFIXES, OPERATOR_SUFFIXES

__all__ = ["UNITS", "PREFIXES", "squeezed", "direction", "rest", "unit", "unit_meaning", "number", "amount_text",
           "amount_digits", "amount_value", "wide_squeezed", "any_direction", "any_rest"]

#: Units the in-sheet quantity reading knows (longest first), with the unit they mean.
UNITS: tuple[tuple[str, str], ...] = (
    ("个百分点", "%"), ("人次", "人次"), ("万元", "万元"), ("小时", "h"), ("公里", "公里"), ("%", "%"),
    ("个", "个"), ("人", "人"), ("次", "次"), ("天", "天"), ("户", "户"), ("家", "家"), ("项", "项"),
    ("场", "场"), ("件", "件"), ("名", "名"), ("所", "所"), ("处", "处"), ("份", "份"), ("辆", "辆"),
    ("吨", "吨"), ("元", "元"), ("年", "年"), ("月", "月"), ("h", "h"), ("万", "万元"),
)


def _q(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def squeezed(ref: str) -> str:
    """The text of ``ref`` without any blanks and with full-width % and = read as ASCII."""
    return f'SUBSTITUTE(SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({ref}," ",""),"　",""),"％","%"),"＝","=")'


PREFIXES: tuple[tuple[str, str], ...] = (
    (">=", "P"), ("<=", "R"), ("==", "E"), ("≥", "P"), ("≧", "P"), ("≤", "R"), ("≦", "R"), (">", "P"), ("<", "R"),
    ("=", "E"))


def direction(text: str, ref: str) -> str:
    """``P`` (≥, >, none), ``R`` (≤, <) or ``E`` (=) from the squeezed text ``text`` of ``ref``."""
    out = '"P"'
    for prefix, direction in reversed(PREFIXES):
        out = f'IF(LEFT({text},{len(prefix)})={_q(prefix)},"{direction}",{out})'
    return f'IF(ISNUMBER({ref}),"P",{out})'


def rest(text: str, ref: str) -> str:
    """The squeezed text after its comparator."""
    skip = "0"
    for prefix, _ in reversed(PREFIXES):
        skip = f"IF(LEFT({text},{len(prefix)})={_q(prefix)},{len(prefix)},{skip})"
    return f'IF(ISNUMBER({ref}),"",MID({text},{skip}+1,99))'


def unit(rest: str, ref: str) -> str:
    """The raw unit at the end of ``rest`` (``""`` when none of :data:`UNITS`); the longest match wins."""
    ordered = sorted((raw for raw, _ in UNITS), key=len)
    lengths = "{" + ",".join(str(len(raw)) for raw in ordered) + "}"
    names = "{" + ",".join(_q(raw) for raw in ordered) + "}"
    return (f'IF(ISNUMBER({ref}),"",IFERROR(LOOKUP(2,1/((RIGHT({rest},{lengths})={names})*'
            f'(LEN({rest})>{lengths})),{names}),""))')


def unit_meaning(unit: str) -> str:
    out = unit
    for raw, meaning in UNITS:
        if raw != meaning:
            out = f"IF({unit}={_q(raw)},{_q(meaning)},{out})"
    return out


def number(ref: str, rest: str, unit: str) -> str:
    """The number before the unit: digits with at most one inner point (as the core reads a quantity).

    The digits are padded with zeros before they are cut into characters: LibreOffice's FIND of an
    empty text is an error, Excel's is 1."""
    digits = f"LEFT({rest},LEN({rest})-LEN({unit}))"
    positions = "{" + ",".join(str(i) for i in range(1, 21)) + "}"
    ok = (f'AND(LEN({digits})>0,LEN({digits})<=20,'
          f'SUMPRODUCT(--ISERROR(FIND(MID({digits}&"{"0" * 20}",{positions},1),"0123456789.")))=0,'
          f'LEN({digits})-LEN(SUBSTITUTE({digits},".",""))<=1,RIGHT({digits},1)<>".")')
    return f'IF(ISNUMBER({ref}),{ref},IF({ok},VALUE({digits}),""))'


#: Full-width digits and point, read as ASCII (what NFKC does in :func:`xltools.core.text.normalize_text`).
_FULL_WIDTH = tuple(zip("０１２３４５６７８９．，", "0123456789.,"))


def amount_text(ref: str) -> str:
    """Stage 1 of reading an amount typed as text: blanks dropped, full-width digits read, commas dropped."""
    out = f'SUBSTITUTE(SUBSTITUTE({ref}&""," ",""),"　","")'
    for wide, narrow in _FULL_WIDTH:
        out = f'SUBSTITUTE({out},"{wide}","{narrow}")'
    return f'SUBSTITUTE({out},",","")'


def amount_digits(text: str) -> str:
    """Stage 2: stage 1's text ``text`` without one unit suffix (万元, 万, 分) that restates the unit."""
    return (f'IF(AND(RIGHT({text},2)="万元",LEN({text})>2),LEFT({text},LEN({text})-2),'
            f'IF(AND(OR(RIGHT({text},1)="万",RIGHT({text},1)="分"),LEN({text})>1),LEFT({text},LEN({text})-1),{text}))')


def amount_value(ref: str, digits: str) -> str:
    """Stage 3: the amount :func:`xltools.core.parse.parse_number` reads from ``ref`` — a number as it is, a
    text of digits with at most one inner point (stage 2's ``digits``) as its number — else ``""``."""
    positions = "{" + ",".join(str(i) for i in range(1, 21)) + "}"
    ok = (f'AND(LEN({digits})>0,LEN({digits})<=20,'
          f'SUMPRODUCT(--ISERROR(FIND(MID({digits}&"{"0" * 20}",{positions},1),"0123456789.")))=0,'
          f'LEN({digits})-LEN(SUBSTITUTE({digits},".",""))<=1,RIGHT({digits},1)<>".")')
    return f'IF(ISNUMBER({ref}),{ref},IF({ok},VALUE({digits}),""))'


# --- template 1.3: every operator spelling of the core (xltools.core.parse.OPERATOR_PREFIXES / _SUFFIXES) ---

_DIRECTIONS = {">=": "P", ">": "P", "<=": "R", "<": "R", "=": "E"}
#: What NFKC reads as ASCII before the core compares spellings, for the formulas to do the same.
_WIDE_SIGNS = (("＞", ">"), ("＜", "<"), ("﹦", "="), ("＝", "="), ("％", "%"), *zip("０１２３４５６７８９．", "0123456789."))


def _spellings(table: dict[str, tuple[str, ...]]) -> tuple[str, str, str]:
    """Array constants (lengths, spellings, directions), shortest first: LOOKUP(2, 1/…) finds the last match,
    so the longest spelling wins as in :func:`xltools.core.parse.split_operator`."""
    items = sorted(((word, _DIRECTIONS[comp]) for comp, words in table.items() for word in words),
                   key=lambda item: len(item[0]))
    return ("{" + ",".join(str(len(w)) for w, _ in items) + "}", "{" + ",".join(_q(w) for w, _ in items) + "}",
            "{" + ",".join(_q(d) for _, d in items) + "}")


def wide_squeezed(ref: str) -> str:
    """:func:`squeezed`, with full-width signs and digits read as ASCII too."""
    out = f'SUBSTITUTE(SUBSTITUTE({ref}&""," ",""),"　","")'
    for wide, narrow in _WIDE_SIGNS:
        out = f'SUBSTITUTE({out},{_q(wide)},{_q(narrow)})'
    return out


def _match(text: str, side: str, table: dict[str, tuple[str, ...]], result: int) -> str:
    lengths, words, directions = _spellings(table)
    return (f"LOOKUP(2,1/(({side}({text},{lengths})={words})*(LEN({text})>{lengths})),"
            f"{(lengths, words, directions)[result]})")


def any_direction(text: str, ref: str) -> str:
    """``P``, ``R`` or ``E`` from every spelling the core reads, before the number or after it."""
    before, after = _match(text, "LEFT", OPERATOR_PREFIXES, 2), _match(text, "RIGHT", OPERATOR_SUFFIXES, 2)
    return f'IF(ISNUMBER({ref}),"P",IFERROR({before},IFERROR({after},"P")))'


def any_rest(text: str, ref: str) -> str:
    """The text without its operator (before the number, else after it)."""
    before = f"IFERROR({_match(text, 'LEFT', OPERATOR_PREFIXES, 0)},0)"
    after = f"IFERROR({_match(text, 'RIGHT', OPERATOR_SUFFIXES, 0)},0)"
    return f'IF(ISNUMBER({ref}),"",IF({before}>0,MID({text},{before}+1,99),LEFT({text},LEN({text})-{after})))'

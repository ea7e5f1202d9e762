"""Header-named tables ("list workbooks"): one row per item, columns found by their header text.

A budget system's export, a district's 绩效目标表 or an --expect list is a table whose columns may
stand in any order, carry other names (aliases) and be mixed with columns nobody asked for. This
module is the pure part of reading one: a :class:`ListSpec` names the columns a caller knows
(each a :class:`Column` with its header and aliases), :meth:`ListSpec.find_header` picks the header
row, and :meth:`ListSpec.records` yields one :class:`ListRecord` per data row with the *group*
columns (a project's columns, say) carried down from the row above when they are left blank (or
merged) below a group's first row. Extra columns are ignored; a caller with more columns passes a
spec with more :class:`Column` entries. The workbook side is :mod:`xltools.io.listbook`.

Headers compare after NFKC, without blanks, line breaks and a few separators, and without a unit
in brackets (``年初预算数（万元）`` is ``年初预算数`` in 万元); the unit is kept so a caller can scale
amounts given in 元.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from .errors import UserError
from .parse import normalize_text

__all__ = ["Column", "ListSpec", "HeaderMatch", "ListRecord", "ListRow", "ListError", "header_text", "column_letter", "cell_value"]

#: Rows searched for the header row (a title or a note may stand above it).
HEADER_SCAN_ROWS = 10

_UNIT = re.compile(r"[（(]\s*([^（）()]{1,6})\s*[）)]$")
_NOISE = re.compile(r"[\s:：*＊_\-—·、]+")


class ListError(UserError):
    """A list workbook that cannot be read as its spec says (the message names sheet, row and column)."""


def column_letter(index: int) -> str:
    """``0`` → ``A``, ``27`` → ``AB``."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def header_text(value: object) -> tuple[str, str]:
    """A header cell as compared, and the unit it states in brackets: ``年初预算数（万元）`` →
    (``年初预算数``, ``万元``); ``三级指标`` → (``三级指标``, ``""``)."""
    text = normalize_text(value)
    unit = ""
    match = _UNIT.search(text)
    if match:
        unit, text = match.group(1).replace(" ", ""), text[: match.start()]
    return _NOISE.sub("", text), unit


@dataclass(frozen=True)
class Column:
    """A column a caller knows: its ``key``, its ``header`` as a blank list writes it, and aliases."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    #: Part of a group (a project): left blank or merged below a group's first row, carried down.
    group: bool = False
    #: The table cannot be read without this column.
    required: bool = False
    #: Not a group column, but blank (or merged) below means "as the row above" within one group
    #: (a 一级指标 written once for its block of indicators).
    fill_down: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        """Every header text this column is found by, as compared."""
        return tuple(dict.fromkeys(header_text(name)[0] for name in (self.header, *self.aliases)))


@dataclass(frozen=True)
class HeaderMatch:
    """Where the known columns are: key → 0-based column index, the unit each header states, the header row."""

    row: int
    columns: dict[str, int]
    units: dict[str, str]
    headers: dict[str, str]
    ignored: tuple[str, ...] = ()

    def cell(self, row: int, key: str) -> str:
        """The cell of column ``key`` on ``row`` (``C12``); column A of ``row`` when the list has no such column."""
        index = self.columns.get(key)
        return f"{column_letter(index if index is not None else 0)}{row}"


@dataclass(frozen=True)
class ListRecord:
    """One data row: its 1-based row number, its known columns' values and which were carried down."""

    row: int
    values: dict[str, object]
    carried: frozenset[str] = frozenset()
    #: The row where this record's group (its group columns' values) was given.
    group_row: int = 0

    def get(self, key: str) -> object:
        return self.values.get(key)


def cell_value(value: object) -> object:
    """A list cell as the list readers give it (as :mod:`xltools.io.xlsxread` gives a form's): an empty text as
    ``None``, a whole float as ``int``, a datetime at midnight as a date; anything else as it is."""
    if type(value) is float:
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    return value


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _filled(value: object) -> bool:
    """Not :func:`_blank` (a cell's text first: most cells of a list are text)."""
    return bool(value.strip()) if type(value) is str else value is not None and (
        not isinstance(value, str) or bool(value.strip()))


@dataclass(frozen=True)
class ListSpec:
    """The columns of one kind of list, and what the list is called in messages (``绩效目标表``)."""

    what: str
    columns: tuple[Column, ...]
    _by_name: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, str] = {}
        for column in self.columns:
            for name in column.names:
                if by_name.setdefault(name, column.key) != column.key:
                    raise ValueError(f"header {name!r} names both {by_name[name]!r} and {column.key!r}")
        object.__setattr__(self, "_by_name", by_name)

    def extended(self, *columns: Column, what: str | None = None) -> ListSpec:
        """This spec with more known columns (a budget system's export has more than a blank list)."""
        return ListSpec(what or self.what, (*self.columns, *columns))

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def key_of(self, header: object) -> str | None:
        """The key of the column a header cell names, or ``None`` for a column nobody asked for."""
        return self._by_name.get(header_text(header)[0])

    def match(self, row: int, values: Sequence[object], sheet: str = "") -> HeaderMatch:
        """Read ``values`` as the header row ``row``; a known column given twice is a :class:`ListError`."""
        columns: dict[str, int] = {}
        units: dict[str, str] = {}
        headers: dict[str, str] = {}
        ignored: list[str] = []
        for index, value in enumerate(values):
            if _blank(value):
                continue
            key = self.key_of(value)
            if key is None:
                ignored.append(normalize_text(value))
                continue
            if key in columns:
                first = column_letter(columns[key])
                raise ListError(f"第 {row} 行的表头中「{headers[key]}」（{first} 列）和「{normalize_text(value)}」"
                                f"（{column_letter(index)} 列）都是「{self.column(key).header}」；请删去或改名其中一列",
                                sheet=sheet or None)
            columns[key], units[key], headers[key] = index, header_text(value)[1], normalize_text(value)
        return HeaderMatch(row, columns, units, headers, tuple(ignored))

    def find_header(self, rows: Iterable[tuple[int, Sequence[object]]], sheet: str = "") -> HeaderMatch:
        """The first of the first :data:`HEADER_SCAN_ROWS` rows that names every required column; else a
        :class:`ListError` naming what is missing (from the row that came closest)."""
        required = [c for c in self.columns if c.required]
        best: HeaderMatch | None = None
        for count, (row, values) in enumerate(rows, start=1):
            found = self.match(row, values, sheet)
            if all(c.key in found.columns for c in required):
                return found
            if found.columns and (best is None or len(found.columns) > len(best.columns)):
                best = found
            if count >= HEADER_SCAN_ROWS:
                break
        wanted = "、".join(f"「{c.header}」" for c in required)
        if best is None:
            raise ListError(f"前 {HEADER_SCAN_ROWS} 行中找不到{self.what}的表头行（应含 {wanted} 等列）；"
                            f"请在第一行写上表头：{'、'.join(c.header for c in self.columns)}", sheet=sheet or None)
        missing = "、".join(f"「{c.header}」" for c in required if c.key not in best.columns)
        raise ListError(f"第 {best.row} 行的表头缺少 {missing} 列（可用的列名：{self._names_hint(required)}）；"
                        "请补上这些列或把列名改成上面的名称", sheet=sheet or None)

    def _names_hint(self, columns: Iterable[Column]) -> str:
        return "；".join(f"{c.header}" + (f"（或 {'、'.join(c.aliases)}）" if c.aliases else "") for c in columns
                        if c.required)

    @property
    def keys(self) -> tuple[str, ...]:
        """The columns' keys in the spec's order (the order of :meth:`rows`' values)."""
        return tuple(column.key for column in self.columns)

    def rows(self, match: HeaderMatch, rows: Iterable[tuple[int, Sequence[object]]]) -> Iterator[ListRow]:
        """The data rows after the header row as :data:`ListRow` tuples ``(row, values, carried, group_row)``:
        ``values`` one per column of the spec in its order (:attr:`keys`; ``None`` for a column the list does
        not have), taken by index with no mapping per row. Blank rows are skipped. When every group column of
        a row is blank (or merged), the group's values are the previous group's (``carried``); a blank
        fill-down column takes the row above's value within one group."""
        keys = self.keys
        present = [i for i, key in enumerate(keys) if key in match.columns]
        pick = _picker([match.columns[keys[i]] for i in present])
        # a column the list lacks reads as None: the picked values, then one None, spread over the spec's keys
        spread = None if len(present) == len(keys) else _picker(
            [present.index(i) if i in present else len(present) for i in range(len(keys))])
        width = max(match.columns.values(), default=-1) + 1
        group = [i for i in present if self.columns[i].group]
        down = [i for i in present if self.columns[i].fill_down]
        of_group = _picker(group) if group else None
        none: frozenset[str] = frozenset()
        last: tuple[object, ...] = ()
        above: tuple[object, ...] = ()
        last_row = 0
        for row, line in rows:
            if row <= match.row:
                continue
            if len(line) < width:
                line = [*line, *[None] * (width - len(line))]
            values = pick(line)
            if spread is not None:
                values = spread((*values, None))
            if not any(map(_filled, values)):
                continue
            carried = none
            if of_group is not None and last and not any(map(_filled, of_group(values))):
                carried = frozenset(keys[i] for i in group if _filled(last[i]))
                filled_in = list(values)
                for i in group:
                    filled_in[i] = last[i]
                values = tuple(filled_in)
            elif of_group is not None:
                last, last_row, above = values, row, ()
            if above:
                below = [i for i in down if not _filled(values[i]) and _filled(above[i])]
                if below:
                    filled_in = list(values)
                    for i in below:
                        filled_in[i] = above[i]
                    values = tuple(filled_in)
                    carried |= frozenset(keys[i] for i in below)
            if down:
                above = values
            yield row, values, carried, last_row or row

    def records(self, match: HeaderMatch, rows: Iterable[tuple[int, Sequence[object]]]) -> Iterator[ListRecord]:
        """:meth:`rows` as records: each a mapping of the list's known columns (those it has) to their values."""
        keys = self.keys
        items = [(key, keys.index(key)) for key in match.columns]
        for row, values, carried, group_row in self.rows(match, rows):
            yield ListRecord(row, {key: values[i] for key, i in items}, carried, group_row)


#: One data row of a list as :meth:`ListSpec.rows` yields it: (1-based row, values in the spec's column order,
#: the keys carried down from above, the row where its group was given).
ListRow = tuple[int, tuple[object, ...], frozenset[str], int]


def _picker(indices: Sequence[int]) -> Callable[[Sequence[object]], tuple[object, ...]]:
    """The values at ``indices`` of a sequence, always as a tuple (``operator.itemgetter`` gives one value
    alone for one index)."""
    if len(indices) == 1:
        index = indices[0]
        return lambda line: (line[index],)
    if not indices:
        return lambda line: ()
    return itemgetter(*indices)  # type: ignore[return-value]

"""The one error path: every error a user can fix is a :class:`UserError` with a Chinese message.

Pure helpers translate what other layers catch into Chinese, so no English library or
operating-system text reaches a user: :func:`os_reason` for ``OSError`` and
:func:`validation_reasons` for pydantic's ``ValidationError`` (field titles come from the
model, so a message names 「全年预算数」, not ``funds.total.annual_budget``).
"""

from __future__ import annotations

import errno
import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

__all__ = ["UserError", "os_reason", "validation_reasons", "PYDANTIC_REASONS"]


class UserError(Exception):
    """A problem the user can fix (bad argument, unreadable input, output exists, bad policy …).

    ``message`` is Chinese and says how to fix it; ``file``, ``sheet`` and ``cell`` name where
    when known and are put in front of the message by ``str()``. ``xltools`` prints it after
    “错误：” on stderr and exits with code 2.
    """

    def __init__(self, message: str, *, file: object = None, sheet: str | None = None,
                 cell: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = None if file is None else str(file)
        self.sheet = sheet
        self.cell = cell

    @property
    def where(self) -> str:
        """``文件 x.xlsx 工作表「自评表」单元格 H21`` — the parts that are known."""
        text = self.file or ""
        if self.sheet:
            text += f" 工作表「{self.sheet}」" if text else f"工作表「{self.sheet}」"
        if self.cell:
            text += f"单元格 {self.cell}" if self.sheet else (f" 单元格 {self.cell}" if text else f"单元格 {self.cell}")
        return text

    def __str__(self) -> str:
        return f"{self.where}：{self.message}" if self.where else self.message


_OS_REASONS = {
    errno.ENOENT: "找不到该文件或文件夹，请检查路径是否写对",
    errno.EACCES: "没有访问权限，请检查文件权限或换一个位置",
    errno.EPERM: "操作不被允许，请检查文件权限或换一个位置",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENOTDIR: "路径中有一部分不是文件夹",
    errno.ENOSPC: "磁盘空间已满，请清理磁盘后重试",
    errno.EROFS: "该位置是只读的，请换一个可写的位置",
    errno.EEXIST: "文件已存在",
    errno.ENAMETOOLONG: "文件名或路径太长",
    errno.ELOOP: "路径中的链接形成了循环",
    errno.EMFILE: "同时打开的文件太多，请稍后重试",
    errno.EIO: "读写磁盘时出错（磁盘或网络盘可能有故障）",
    errno.EBUSY: "文件正被占用，请关闭使用它的程序后重试",
    errno.EDQUOT: "磁盘配额已用完，请清理后重试",
    errno.EFBIG: "文件超过系统允许的大小（磁盘或配额限制），请清理磁盘或换一个位置",
    errno.EINVAL: "路径或文件名无效",
}


def os_reason(exc: OSError) -> str:
    """A Chinese reason for an operating-system error (never the OS's English text)."""
    reason = _OS_REASONS.get(exc.errno or -1)
    if reason:
        return reason
    return f"系统错误（错误号 {exc.errno}）" if exc.errno else "无法访问该文件"


#: Chinese for pydantic's error types (shared: JSON forms here, policy files in :mod:`xltools.core.policy`).
PYDANTIC_REASONS = {
    "missing": "缺少这一项",
    "extra_forbidden": "不认识这一项（请检查拼写，或删去）",
    "string_type": "应为文字",
    "int_type": "应为整数", "int_parsing": "应为整数", "int_from_float": "应为整数",
    "float_type": "应为数字", "float_parsing": "应为数字", "finite_number": "应为有限的数字",
    "bool_type": "应为 true 或 false", "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表（[...]）", "dict_type": "应为表（{...}）", "model_type": "应为表（{...}）",
    "tuple_type": "应为两个数的列表，如 [0.8, 1.0]", "too_short": "项数太少", "too_long": "项数太多",
    "greater_than_equal": "不能小于 {ge}", "less_than_equal": "不能大于 {le}",
    "greater_than": "应大于 {gt}", "less_than": "应小于 {lt}",
    "literal_error": "只能是 {expected}", "date_type": "应为日期", "date_parsing": "应为日期（如 2025-01-15）",
    "date_from_datetime_parsing": "应为日期（如 2025-01-15）", "json_invalid": "不是有效的 JSON",
    "union_tag_invalid": "类型不对", "recursion_loop": "嵌套层次太深",
    # not pydantic's: the JSON reader's own check (xltools.io.forms), named the same way
    "number_too_large": "数字位数过多（超出能计算的范围）；请填写实际的数值",
}


def _title_path(loc: Iterable[object], titles: Mapping[str, str]) -> str:
    """``funds.total.annual_budget`` → 「年度资金总额·全年预算数」 (indices as 第N条)."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"第{item + 1}条")
        else:
            text = str(item)
            parts.append(titles.get(text, text))
    return "·".join(parts) or "整体"


#: Tags pydantic puts in an error's location for the member of a union that failed (``Cell`` is a union).
@cache
def _union_member() -> re.Pattern[str]:
    """The tags (compiled when first used: only a JSON form that does not validate needs them)."""
    return re.compile(r"^(str|int|float|bool|date|datetime|none|list\[.*\]|dict\[.*\]|[a-z-]+\[.*\])$")


def validation_reasons(errors: Iterable[Mapping[str, Any]], titles: Mapping[str, str], *,
                       limit: int = 5) -> str:
    """pydantic's ``exc.errors()`` as one Chinese sentence per problem, naming fields by their titles.

    Only the error ``type`` and its ``ctx`` numbers are used, never pydantic's English ``msg``. A value
    that fits none of a union's members (a cell takes text, a number or a date) is one problem.
    """
    by_place: dict[tuple[object, ...], list[str]] = {}
    for err in errors:
        loc = tuple(item for item in err.get("loc", ()) if not (isinstance(item, str) and item not in titles
                                                               and _union_member().match(item)))
        template = PYDANTIC_REASONS.get(str(err.get("type")), "格式不对")
        ctx = {k: _plain(v) for k, v in dict(err.get("ctx") or {}).items()}
        try:
            reason = template.format(**ctx)
        except (KeyError, IndexError):
            reason = "格式不对"
        by_place.setdefault(loc, []).append(reason)
    lines = []
    for loc, reasons in list(by_place.items())[:limit]:
        reason = reasons[0] if len(reasons) == 1 else "应为文字、数字或日期"
        lines.append(f"「{_title_path(loc, titles)}」{reason}")
    if len(by_place) > limit:
        lines.append(f"另有 {len(by_place) - limit} 处问题")
    return "；".join(lines)


def _plain(value: object) -> str:
    """A ctx value as a user sees it (``'a', 'b'`` → a、b)."""
    text = str(value)
    return text.replace("'", "").replace(", ", "、").replace(" or ", "、")

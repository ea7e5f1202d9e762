"""Shell: load forms from files (JSON now; workbooks through :mod:`xltools.workbook`).

Every failure to read is a :class:`FormReadError` with a Chinese message that
names the file; the CLI maps it to exit code 2.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from .core import Finding, Form, Policy
from .errors import UserError

if TYPE_CHECKING:
    from .layout import Layout

__all__ = ["FormReadError", "LoadedForm", "load_form", "load_json_form"]


class FormReadError(UserError):
    """A file could not be read as a form."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"无法读取 {path}：{reason}")
        self.path = str(path)
        self.reason = reason


@dataclass
class LoadedForm:
    """A form read from a file, with findings the reading itself produced."""

    path: str
    form: Form
    findings: list[Finding] = field(default_factory=list)
    policy: Policy | None = None
    #: The workbook's layout (its indicator rows) when read from a workbook, so findings name its cells.
    layout: Layout | None = None


def load_json_form(path: Path) -> LoadedForm:
    """Read one form in the JSON exchange format."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise FormReadError(path, f"无法读取文件：{exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormReadError(path, f"不是有效的 JSON：{exc}") from exc
    try:
        form = Form.model_validate(data)
    except ValidationError as exc:
        problems = "；".join(f"{'.'.join(str(p) for p in err['loc'])}：{err['msg']}" for err in exc.errors()[:5])
        raise FormReadError(path, f"JSON 内容不符合自评表格式：{problems}") from exc
    return LoadedForm(str(path), form)


def load_form(path: Path) -> LoadedForm:
    """Read a form from a JSON file or a filled workbook (.xlsx/.xlsm)."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return load_json_form(path)
    if suffix in (".xlsx", ".xlsm"):
        from .workbook import load_workbook_form

        return load_workbook_form(path)
    raise FormReadError(path, "不支持的文件类型（只接受 .json、.xlsx、.xlsm）")

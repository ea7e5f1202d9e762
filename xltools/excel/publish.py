"""The public version of a filled form: the form in a fresh template, without comments, colours or
phone numbers (on request), printed to an A4 PDF by LibreOffice headless (:mod:`xltools.io.engine`).

The form is the one the reader seam read (any format: workbook of any template version, Word form,
JSON); it is written into the current template (:func:`xltools.excel.fill.default_template`), whose
print setup is A4 portrait, fit to one page wide, header rows repeated. Then every fill, font colour,
conditional format and comment is taken off and every sheet but the form is hidden, so what is printed
is the form as filled, in black on white.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import replace

from xltools.core import Form
from xltools.core.errors import UserError
from xltools.excel.fill import default_template
from xltools.form.layout import SHEET
from xltools.form.registry import current_layout
from xltools.io.fill import filled_bytes

__all__ = ["PublishError", "mask_phone", "masked", "public_workbook", "require_cjk_font"]

_DIGIT = re.compile(r"\d")
#: Form fields that hold a phone number.
PHONE_FIELDS = ("lead_phone", "filler_phone")


class PublishError(UserError):
    """The public version cannot be made (no CJK font …); message in Chinese."""


def mask_phone(value: object) -> object:
    """A phone number with its middle digits as ``*``: the first 3 and the last 4 digits stay
    (``13812345678`` → ``138****5678``, ``010-85612345`` → ``010-****2345``); a number of fewer than 8
    digits is masked whole. Non-text, non-number values are returned as they are (``None``)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    positions = [m.start() for m in _DIGIT.finditer(text)]
    keep = set(positions[:3] + positions[-4:]) if len(positions) >= 8 else set()
    hidden = set(positions) - keep
    return "".join("*" if i in hidden else ch for i, ch in enumerate(text))


def masked(form: Form) -> Form:
    """``form`` with every phone field masked (:func:`mask_phone`)."""
    return replace(form, **{name: mask_phone(getattr(form, name)) for name in PHONE_FIELDS})


def public_workbook(form: Form) -> bytes:
    """``form`` in a fresh template, stripped for printing: no comments, fills, font colours or conditional
    formats; only the form's sheet visible."""
    from openpyxl import load_workbook
    from openpyxl.formatting.formatting import ConditionalFormattingList
    from openpyxl.styles import Font, PatternFill

    book = load_workbook(io.BytesIO(filled_bytes(form, default_template(form))))
    plain = PatternFill(fill_type=None)
    _drop_unreferenced(book)
    for ws in book.worksheets:
        if ws.title != SHEET:
            ws.sheet_state = "hidden"  # what the form's formulas read: kept, not printed
            continue
        book.active = book.worksheets.index(ws)
        _form_only(ws)
        ws.conditional_formatting = ConditionalFormattingList()
        ws.data_validations.dataValidation = []  # input prompts are no part of a printed form
        for row in ws.iter_rows():
            for cell in row:
                if getattr(cell, "comment", None) is not None:
                    cell.comment = None
                if cell.has_style:
                    cell.fill = plain
                    font = cell.font
                    cell.font = Font(name=font.name, size=font.size, bold=font.bold, italic=font.italic,
                                     underline=font.underline, vertAlign=font.vertAlign, color="FF000000")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _drop_unreferenced(book: object) -> None:
    """Remove the sheets nothing refers to (填报说明, 校验结果): LibreOffice prints a hidden sheet's print
    range too. A sheet the form's formulas or a defined name refer to stays."""
    form = book[SHEET]  # type: ignore[index]
    texts = [str(c.value) for row in form.iter_rows() for c in row if isinstance(c.value, str) and c.value[:1] == "="]
    texts += [str(name.attr_text) for name in book.defined_names.values()]  # type: ignore[attr-defined]
    referred = "\n".join(texts)
    for ws in list(book.worksheets):  # type: ignore[attr-defined]
        if ws.title != SHEET and ws.title not in referred:
            book.remove(ws)  # type: ignore[attr-defined]


def _form_only(ws: object) -> None:
    """Print the form's own columns only: the 检查 column and the status line of template 1.1 and later
    are the clerk's aids, no part of a published form (their places come from the layout registry)."""
    layout = current_layout()
    end_row = int(re.search(r"(\d+)$", ws.print_area).group(1))  # type: ignore[attr-defined]
    ws.print_area = f"A1:{layout.last_column}{end_row}"  # type: ignore[attr-defined]
    for merge in (getattr(layout, "status_label_merge", None), getattr(layout, "status_merge", None)):
        if merge:
            ws[merge.split(":")[0]].value = None  # type: ignore[index]


def require_cjk_font() -> None:
    """Refuse (:class:`PublishError`) where fontconfig knows no Chinese font: LibreOffice would print every
    Chinese character as a box. Where there is no fontconfig (Windows) the system's fonts are trusted."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return
    try:
        result = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=60,
                                check=False)
    except (OSError, subprocess.TimeoutExpired):
        return  # cannot ask: LibreOffice will use what it finds
    if result.returncode == 0 and not result.stdout.strip():
        raise PublishError("本机没有中文字体，PDF 中的汉字会显示为方框；请先安装中文字体（Debian/Ubuntu："
                           "apt-get install fonts-wqy-zenhei），再重新运行")

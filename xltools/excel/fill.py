"""``xltools fill``: a form into a template — the given one, or a fresh one of the form's year."""

from __future__ import annotations

from pathlib import Path

from xltools.core import Form
from xltools.excel.template import DEFAULT_YEAR, template_bytes
from xltools.form.registry import current_layout
from xltools.io.fill import FillError, fill_template

__all__ = ["fill_workbook", "default_template"]


def default_template(form: Form, password: str | None = None) -> bytes:
    """A fresh template for ``form``: its year (else the default year), enough indicator rows."""
    rows_needed = sum(1 for ind in form.indicators if not ind.is_empty())
    year = form.year
    numeric = isinstance(year, (int, float)) and not isinstance(year, bool) and float(year).is_integer()
    chosen = int(year) if numeric and 1900 <= year <= 9999 else DEFAULT_YEAR  # type: ignore[operator, arg-type]
    kwargs = {"password": password} if password else {}
    return template_bytes(year=chosen, rows=max(rows_needed, current_layout().rows), **kwargs)


def fill_workbook(form: Form, out: Path | str, *, template: Path | str | None = None, force: bool = False,
                  password: str | None = None) -> Path:
    """Write ``form`` into a copy of ``template`` (a fresh default template when ``None``) as ``out``."""
    if template is None:
        if Path(out).suffix.lower() == ".xlsm":
            raise FillError(f"{out}：带宏的 .xlsm 需要用 --template 指定带宏的模板")
        return fill_template(form, out, default_template(form, password), force=force)
    return fill_template(form, out, template, force=force)

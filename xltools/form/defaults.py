"""What a new template is made with unless told otherwise (no layout, no model: cheap to import for a
command's help text)."""

from __future__ import annotations

__all__ = ["DEFAULT_ROWS", "DEFAULT_YEAR", "DEFAULT_PASSWORD", "DEFAULT_NAME"]

#: Indicator rows of a new template.
DEFAULT_ROWS = 15
#: The budget year the committed template is built for: the self-evaluation round of early 2027 covers 2026.
DEFAULT_YEAR = 2026
#: Sheet and workbook protection password (prevents accidental edits only, not attacks).
DEFAULT_PASSWORD = "chaoyang"
#: File name of the template written by ``xltools template`` and committed in ``workbook_templates/``.
DEFAULT_NAME = "朝阳区项目支出绩效自评表.xlsx"

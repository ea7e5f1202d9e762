"""What a combine run's review adds (``--sample``, ``--expect``, ``--returns``, ``--deadline``, ``--contact``) and the
--expect list's reader: checked before any form is read, in a module of its own so that combine can start its
workers before importing what only the summary needs (XlsxWriter and the summary's sheets)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xltools.core.listbook import ListError
from xltools.district.discover import CombineError

__all__ = ["ReviewOptions", "read_expected"]


@dataclass
class ReviewOptions:
    """What the run's review adds: a sample of N (seeded), the expected projects, a returns folder."""

    sample: int = 0
    seed: int = 0
    expect: Path | None = None
    returns: Path | None = None
    #: The projects that must report, (实施单位, 项目名称): the ``expect`` list's (read by :meth:`check`, before
    #: any form), else the run's 绩效目标表's (``combine --targets``).
    expected: list[tuple[str, str]] | None = None
    #: Write the sheet 目标偏离 even when no form drifts (the run had approved targets).
    targets: bool = False
    #: The 退回清单's title block: by when to send the form again, whom to ask (plain texts).
    deadline: str | None = None
    contact: str | None = None

    def check(self, force: bool) -> None:
        """Refuse bad options before any form is read; read the --expect list (a bad one is refused too)."""
        if self.sample < 0:
            raise CombineError("--sample 应为正整数")
        if self.expect is not None and not Path(self.expect).is_file():
            raise CombineError(f"找不到应报送项目名单 {self.expect}（--expect 应为 .xlsx 文件）")
        if self.returns is not None:
            folder = Path(self.returns)
            if folder.exists() and not folder.is_dir():
                raise CombineError(f"退回文件夹 {folder} 已存在且不是文件夹")
            if folder.is_dir() and any(folder.iterdir()) and not force:
                raise CombineError(f"退回文件夹 {folder} 不是空的；要覆盖请加 --force")
        for flag, value in (("--deadline", self.deadline), ("--contact", self.contact)):
            if value is not None and not value.strip():
                raise CombineError(f"{flag} 不能为空")
            if value is not None and self.returns is None:
                raise CombineError(f"{flag} 写在退回清单上，只能与 --returns 一起使用")
        if self.expect is not None:  # a list that cannot be read stops the run before any form is read
            self.expected = read_expected(Path(self.expect))


def read_expected(path: Path) -> list[tuple[str, str]]:
    """The (实施单位, 项目名称) pairs of an --expect list (:func:`~xltools.io.targetsbook.read_expected_list`: the one
    header-table reader); a list that cannot be read is a :class:`CombineError` naming file, sheet and row."""
    from xltools.io.targetsbook import read_expected_list  # XlsxWriter with it: only a run with a list needs it

    try:
        return read_expected_list(path)
    except ListError as exc:
        raise CombineError(str(exc)) from exc

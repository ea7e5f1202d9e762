"""``xltools fill FORM.json -o OUT.xlsx [--template PATH]`` and
``xltools fill --targets 绩效目标表.xlsx -o DIR [--year YYYY] [--force]`` (one prefilled form per project)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from xltools.cli import whole_number
from xltools.form.layout import DEFAULT_YEAR

if TYPE_CHECKING:
    from xltools.io.targetsbook import TargetsFile


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fill", help="把 JSON 表单填入模板；或按绩效目标表为每个项目生成预填的自评表",
                       epilog="退出码：0 = 已写入；2 = 表单或绩效目标表无法读取、模板不对或输出文件已存在（未加 --force）。")
    p.add_argument("form", nargs="?", metavar="FORM.json", help="JSON 表单（与 --targets 二选一）")
    p.add_argument("-o", "--output", required=True, metavar="OUT.xlsx|DIR",
                   help="输出的工作簿；用 --targets 时为输出文件夹（每个项目一个 <实施单位>/<项目名称>.xlsx）")
    p.add_argument("--template", metavar="PATH", help="使用的模板（默认按表单年度新生成；.xlsm 需要带宏的模板）")
    p.add_argument("--targets", metavar="绩效目标表.xlsx",
                   help="按绩效目标表预填：批复的项目信息、年初预算数、年度总体目标和绩效指标已填好并锁定")
    p.add_argument("--year", type=whole_number, default=None, metavar="YYYY",
                   help=f"与 --targets 同用：预填表的年度（默认 {DEFAULT_YEAR}）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from xltools.core.errors import UserError

    if args.targets:
        if args.form or args.template:
            raise UserError("--targets 不能与 JSON 表单或 --template 同用：预填表总是用当前版本的模板生成")
        return _prefill(args)
    if args.form is None:
        raise UserError("请给出 JSON 表单，或用 --targets 绩效目标表.xlsx 生成预填的自评表")
    if args.year is not None:
        raise UserError("--year 只能与 --targets 同用（JSON 表单的年度写在表单中）")
    from xltools.excel.fill import fill_workbook
    from xltools.form.layout import DEFAULT_ROWS
    from xltools.io.forms import load_json_form
    from xltools.io.paths import FORM_WORKBOOK, Paths

    (Paths(force=args.force).read("", args.form).read("--template", args.template)
     .write("-o", args.output, FORM_WORKBOOK).check())
    loaded = load_json_form(Path(args.form))
    fill_workbook(loaded.form, Path(args.output), template=args.template, force=args.force)
    print(f"已写入 {args.output}")
    rows = sum(1 for ind in loaded.form.indicators if not ind.is_empty())
    if rows > DEFAULT_ROWS and args.template is None:
        print(f"  表单有 {rows} 条绩效指标，多于模板默认的 {DEFAULT_ROWS} 行：已生成 {rows} 行的表格")
    return 0


def _prefill(args: argparse.Namespace) -> int:
    from pathlib import Path

    from xltools.core.errors import UserError
    from xltools.excel.prefill import prefill_forms
    from xltools.io.targetsbook import read_targets

    folder = Path(args.output)
    if folder.suffix.lower() in (".xlsx", ".xlsm"):
        raise UserError(f"用 --targets 时 -o 应为文件夹（每个项目写一个表），不是工作簿 {folder}")
    year = args.year if args.year is not None else DEFAULT_YEAR
    if not 1900 <= year <= 9999:
        raise UserError(f"年度 {year} 无效：请输入四位年份，如 {DEFAULT_YEAR}")
    book = read_targets(args.targets)
    paths = prefill_forms(book.targets.projects, folder, year=year, force=args.force)
    units = len({p.parent for p in paths})
    print(f"已按 {args.targets} 生成 {len(paths)} 份预填的自评表（{units} 个实施单位，{year} 年度）：{folder}")
    print("  批复的项目信息、年初预算数、年度总体目标和绩效指标已填好并锁定（灰底）；请各单位填写浅黄色单元格")
    _warn_of_errors(book)
    return 0


#: Errors of the targets named on screen by ``fill --targets`` (the rest: ``xltools targets check``).
SHOWN_ERRORS = 5


def _warn_of_errors(book: TargetsFile) -> None:
    """Errors in the approved targets travel into the locked cells, where no unit can correct them: say so."""
    from xltools.core.targets import check_targets

    errors = [(p, f) for p, f in check_targets(book.targets, book.table.header) if f.severity == "error"]
    if not errors:
        return
    projects = len({id(p) for p, _ in errors})
    print(f"注意：绩效目标表中有 {len(errors)} 个错误（{projects} 个项目），已随批复目标预填并锁定，各单位无法改正；"
          f"请改正绩效目标表后加 --force 重新生成（全部错误见 xltools targets check {book.path}）：")
    for _, finding in errors[:SHOWN_ERRORS]:
        print(f"  {book.sheet}!{finding.cell} {finding.code}：{finding.message}")
    if len(errors) > SHOWN_ERRORS:
        print(f"  …… 另有 {len(errors) - SHOWN_ERRORS} 个")

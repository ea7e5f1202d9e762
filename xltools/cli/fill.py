"""``xltools fill FORM.json -o OUT.xlsx [--template PATH]``."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fill", help="把 JSON 表单填入模板，生成已填写的工作簿",
                       epilog="退出码：0 = 已写入；2 = 表单无法读取、模板不对或输出文件已存在（未加 --force）。")
    p.add_argument("form", metavar="FORM.json", help="JSON 表单")
    p.add_argument("-o", "--output", required=True, metavar="OUT.xlsx", help="输出的工作簿")
    p.add_argument("--template", metavar="PATH", help="使用的模板（默认按表单年度新生成；.xlsm 需要带宏的模板）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

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

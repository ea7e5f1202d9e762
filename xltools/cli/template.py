"""``xltools template``: the locked template (``--macro``: the .xlsm with the 检查评分 button)."""

from __future__ import annotations

import argparse

from xltools.cli import whole_number
from xltools.form.defaults import (
    DEFAULT_NAME,
    DEFAULT_PASSWORD,
    DEFAULT_ROWS,
    DEFAULT_YEAR,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("template", help="生成锁定的自评表模板（.xlsx；加 --macro 生成带按钮的 .xlsm）",
                       epilog="退出码：0 = 已生成；2 = 参数有误或输出文件已存在（未加 --force）。")
    p.add_argument("-o", "--output", metavar="PATH", help=f"输出文件（默认 {DEFAULT_NAME}）")
    p.add_argument("--year", type=whole_number, default=DEFAULT_YEAR, help=f"年度（默认 {DEFAULT_YEAR}）")
    p.add_argument("--rows", type=whole_number, default=DEFAULT_ROWS, help=f"绩效指标行数（默认 {DEFAULT_ROWS}）")
    p.add_argument("--password", default=DEFAULT_PASSWORD,
                   help=f"工作表保护密码（默认 {DEFAULT_PASSWORD}；只防误改，不防破解）")
    p.add_argument("--policy", metavar="NAME|FILE",
                   help="评分规则：名称（chaoyang、mof2020）或 TOML 文件（影响公式：小数位、等级、执行率分母与取整、总分封顶）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    p.add_argument("--macro", action="store_true",
                   help="生成带“检查评分”按钮的 .xlsm（宏源码随程序安装，见 macros/；默认文件名改为 .xlsm）")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from xltools.excel.template import build_template
    from xltools.excel.vba import template_vba_project
    from xltools.io.files import read_policy
    from xltools.io.paths import MACRO_TEMPLATE, TEMPLATE, Paths, policy_file

    out = Path(args.output or (DEFAULT_NAME if not args.macro else Path(DEFAULT_NAME).with_suffix(".xlsm")))
    (Paths(force=args.force).read("--policy", policy_file(args.policy))
     .write("-o", out, MACRO_TEMPLATE if args.macro else TEMPLATE).check())
    policy = read_policy(args.policy) if args.policy else None
    vba = template_vba_project() if args.macro else None
    build_template(out, year=args.year, rows=args.rows, policy=policy, password=args.password,
                   vba_project=vba, force=args.force)
    print(f"已生成模板 {out}（{args.year} 年度，绩效指标 {args.rows} 行，保护密码 {args.password}）")
    return 0

"""``xltools convert FILE -o FORM.xlsx [--force] [--json]``: a form in any format the reader seam reads
(.xls/.et/.ods/.xlsb, an older template version, a JSON form, and what registered readers add) moved into
the current template, then checked as ``xltools check`` checks it (same output, same exit codes)."""

from __future__ import annotations

import argparse

EPILOG = ("退出码：0 = 已转换，没有错误；1 = 已转换，表中有错误（见输出）；"
          "2 = 文件无法读取、不是自评表或输出文件已存在（未加 --force）。")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("convert", help="把旧格式或旧版本的自评表（.xls、.et、.ods、.xlsb 等）转入当前 .xlsx 模板并检查",
                       epilog=EPILOG)
    p.add_argument("file", metavar="FILE", help="要转换的自评表（.xls、.et、.ods、.xlsb、旧版本模板的 .xlsx、JSON 表单…）")
    p.add_argument("-o", "--output", required=True, metavar="FORM.xlsx", help="写出的工作簿（当前模板）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    p.add_argument("--json", action="store_true", help="检查结果输出为一行 JSON（同 check --json）")
    p.add_argument("--policy", metavar="NAME|FILE", help="评分规则（同 check --policy）")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import datetime as dt
    import json
    import sys
    from pathlib import Path

    from xltools.cli import EXIT_FINDINGS, EXIT_OK
    from xltools.cli.check import _print_text
    from xltools.excel.fill import fill_workbook
    from xltools.form.registry import current_layout
    from xltools.form.report import check_result
    from xltools.io.files import read_policy
    from xltools.io.forms import judge_loaded, load_form
    from xltools.io.paths import FORM_XLSX, Paths, policy_file
    from xltools.form.book import format_text

    source, out = Path(args.file), Path(args.output)
    (Paths(force=args.force).read("", source).read("--policy", policy_file(args.policy))
     .write("-o", out, FORM_XLSX).check())
    policy = read_policy(args.policy) if args.policy else None
    loaded = load_form(source)
    for note in loaded.notes:
        print(f"{source}：{note}", file=sys.stderr)
    fill_workbook(loaded.form, out, force=args.force)
    was = "JSON 表单" if loaded.format == "json" else format_text(loaded.format)
    version = f"，模板 {loaded.identity.version} 版" if loaded.identity is not None else ""
    print(f"已把 {source}（{was}{version}）转入当前模板（{current_layout().version} 版），写入 {out}",
          file=sys.stderr if args.json else sys.stdout)
    verdict = judge_loaded(load_form(out), policy, today=dt.date.today())
    result = check_result(str(out), verdict)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, allow_nan=False))
    else:
        _print_text(result)
    return EXIT_FINDINGS if verdict.errors else EXIT_OK

"""``xltools export BOOK.xlsx [-o OUT.json]``: a filled workbook as a JSON form."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="把已填写的工作簿导出为 JSON 表单",
                       description=("把已填写的工作簿导出为 JSON 表单。预算执行得分、总分是公式：工作簿里没有计算结果时"
                                    "（用 xltools fill 生成、未在 Excel/WPS 中打开保存过），按评分规则算出写入，"
                                    "并在标准错误输出上提示。"),
                       epilog="退出码：0 = 已导出；2 = 工作簿无法读取、不是本模板或输出文件已存在（未加 --force）。")
    p.add_argument("book", metavar="BOOK.xlsx", help="已填写的工作簿")
    p.add_argument("-o", "--output", metavar="OUT.json", help="输出文件（默认打印到屏幕）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from xltools.core import field_label
    from xltools.io.files import write_atomic
    from xltools.io.forms import FormReadError, load_workbook, with_formula_values
    from xltools.io.paths import JSON_FORM, Paths

    path = Path(args.book)
    if path.suffix.lower() == ".json":
        raise FormReadError(path, "export 只读取已填写的工作簿（.xlsx、.xlsm、.xls、.et、.ods、.xlsb），不读 JSON 表单")
    if args.output:
        Paths(force=args.force).read("", path).write("-o", args.output, JSON_FORM).check()
    loaded = load_workbook(path)
    for note in loaded.notes:
        print(f"{path}：{note}", file=sys.stderr)
    form, computed = with_formula_values(loaded)
    if computed:
        names = "、".join(field_label(name) for name in computed)
        print(f"注意：{path} 中的{names}是公式，尚无计算结果（工作簿未在 Excel/WPS 中打开保存过）；"
              f"已按评分规则算出写入 JSON", file=sys.stderr)
    text = form.to_json() + "\n"
    if not args.output:
        sys.stdout.write(text)
        return 0
    write_atomic(Path(args.output), text.encode("utf-8"), force=args.force)
    print(f"已导出 {args.output}")
    return 0

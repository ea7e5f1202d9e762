"""``xltools review import 汇总.xlsx [--store S]``: the reviewers' verdicts of a summary into the results store."""

from __future__ import annotations

import argparse

EPILOG = ("退出码：0 = 已导入；1 = 汇总表中复核人列以外的内容被改动、行被删除或加了行（未导入）；"
          "2 = 复核人填的值有误（得分超出范围、处理不在列表中、日期无法识别，未导入）、文件无法读取、"
          "不是本结果库生成的汇总表或参数有误。")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("review", help="复核：把汇总表中复核人填写的复核得分、意见、处理导入结果库", epilog=EPILOG)
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    i = actions.add_parser(
        "import", help="导入汇总表「汇总」「复核重点」两张表中复核人填写的五列", epilog=EPILOG,
        description=("读取 combine 生成的汇总表中复核人填写的复核得分、复核意见、处理（通过 / 退回修改 / 整改）、复核人、"
                     "复核日期，存入结果库；下一次 combine 据此显示每个项目的复核状态和最终得分。汇总表其余单元格"
                     "须保持生成时的样子，否则不导入。"))
    i.add_argument("summary", metavar="汇总.xlsx", help="复核人填写过的汇总表")
    i.add_argument("--store", metavar="S", help="结果库（默认：汇总表所在文件夹中的 xltools结果库.sqlite）")
    i.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="出错时打印详细的调用栈（供开发人员排查）")
    i.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from xltools.cli import EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE
    from xltools.district.review_import import ReviewImportError, import_reviews
    from xltools.district.store import Store, store_path_for
    from xltools.district.verdicts import ACTIONS
    from xltools.io.paths import Paths

    summary = Path(args.summary)
    store_path = Path(args.store) if args.store else store_path_for(summary)
    Paths(force=False).read("", summary).store("--store" if args.store else "结果库", store_path).check()
    if not summary.is_file():
        raise ReviewImportError("找不到该文件，请检查路径是否写对", file=summary)
    if not store_path.is_file():
        raise ReviewImportError(f"找不到结果库 {store_path}；请用 --store 指定生成这份汇总表时 combine 所用的结果库")
    with Store(store_path) as store:
        result = import_reviews(summary, store)
    for problem in result.problems:
        print(f"{summary} {problem}")
    if result.tampered:
        print(f"未导入：汇总表有 {len(result.tampered)} 处不是生成时的样子（见上）")
        return EXIT_FINDINGS
    if result.problems:
        print(f"未导入：复核人填写的值有 {len(result.problems)} 处需要改正（见上）")
        return EXIT_UNREADABLE
    if not result.verdicts:
        print(f"{summary} 中没有填写复核结果（「汇总」「复核重点」的复核人五列都是空的）；结果库未改动")
        return EXIT_OK
    counts = {action: sum(1 for v in result.verdicts if v.action == action) for action in ACTIONS}
    undecided = sum(1 for v in result.verdicts if not v.action)
    parts = [f"{action} {n}" for action, n in counts.items()] + ([f"未选处理 {undecided}"] if undecided else [])
    print(f"已导入「{result.label}」{len(result.verdicts)} 个项目的复核结果（{'，'.join(parts)}）到结果库 {store_path}")
    return EXIT_OK

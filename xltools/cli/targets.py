"""``xltools targets template [-o 绩效目标表.xlsx] [--force]`` and ``xltools targets check 绩效目标表.xlsx``."""

from __future__ import annotations

import argparse

EPILOG = ("退出码：0 = 已生成，或检查没有发现错误；1 = 检查发现错误；2 = 文件无法读取、表头不对、项目重复或参数有误。")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("targets", help="绩效目标表：生成空白表、检查已填写的表", epilog=EPILOG)
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    t = actions.add_parser("template", help="生成空白的绩效目标表（每行一条指标）", epilog=EPILOG)
    t.add_argument("-o", "--output", default="绩效目标表.xlsx", metavar="PATH", help="输出文件（默认 绩效目标表.xlsx）")
    t.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    t.set_defaults(run=run)
    c = actions.add_parser("check", help="检查绩效目标表（指标名称、分值、指标值等）并列出其中的项目", epilog=EPILOG)
    c.add_argument("file", metavar="绩效目标表.xlsx", help="绩效目标表")
    c.add_argument("--policy", metavar="NAME|FILE", help="评分规则：名称（chaoyang、mof2020）或 TOML 文件")
    c.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "template":
        return _template(args)
    return _check(args)


def _template(args: argparse.Namespace) -> int:
    from xltools.io.paths import TARGETS_BOOK, Paths
    from xltools.io.targetsbook import write_targets_template

    Paths(force=args.force).write("-o", args.output, TARGETS_BOOK).check()
    write_targets_template(args.output, force=args.force)
    print(f"已生成空白绩效目标表 {args.output}（工作表「绩效目标」，每行一条绩效指标）")
    return 0


def _check(args: argparse.Namespace) -> int:
    from xltools.cli import EXIT_FINDINGS, EXIT_OK
    from xltools.cli.rules import SEVERITY_TEXT
    from xltools.core.parse import normalize_text, parse_number
    from xltools.core.targets import check_targets
    from xltools.io.files import read_policy
    from xltools.io.targetsbook import read_targets

    policy = read_policy(args.policy) if args.policy else None
    book = read_targets(args.file)
    found = check_targets(book.targets, book.table.header, policy)
    by_project: dict[int, list] = {}
    for project, finding in found:
        by_project.setdefault(id(project), []).append(finding)
    projects = book.targets.projects
    header = book.table.header
    print(f"{book.path} 工作表「{book.sheet}」：{len(projects)} 个项目，"
          f"{sum(len(p.indicators) for p in projects)} 条绩效指标（表头在第 {header.row} 行）")
    if header.ignored:
        print(f"  未读取的列：{'、'.join(header.ignored)}")
    errors = 0
    for project in projects:
        weights = [parse_number(i.weight).value for i in project.indicators]
        weight = f"，分值合计 {sum(w for w in weights if w is not None):g}" if any(w is not None for w in weights) else ""
        budget = parse_number(project.budget).value
        code = normalize_text(project.code)
        print(f"第 {project.row} 行  {(code + '  ') if code else ''}{normalize_text(project.unit)}·"
              f"{normalize_text(project.name)}：{len(project.indicators)} 条指标{weight}"
              f"，年初预算数 {'—' if budget is None else f'{budget:g}'} 万元")
        for finding in by_project.get(id(project), []):
            errors += finding.severity == "error"
            print(f"  [{SEVERITY_TEXT[finding.severity]}] {book.sheet}!{finding.cell} {finding.code}：{finding.message}")
    print(f"错误 {errors} 个，警告 {len(found) - errors} 个")
    return EXIT_FINDINGS if errors else EXIT_OK

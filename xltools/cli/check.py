"""``xltools check FILE... [--json] [--policy NAME|FILE] [--targets 绩效目标表.xlsx]`` (a FILE may be a folder:
every workbook under it) and ``xltools check FILE --annotate OUT.xlsx [--force]``.

Contract (scripts depend on it): with ``--json`` one JSON object per file and line (keys ``file``,
``execution_rate``, ``budget_score``, ``indicator_scores``, ``total``, ``grade``, ``findings``
[``code``, ``severity``, ``field``, ``cell``, ``message``]; an unreadable file gives ``file`` and
``error``); exit 0 when no error-severity finding, 1 when any, 2 when a file cannot be read.
``--annotate OUT`` (one workbook) also writes the annotated copy (:mod:`xltools.io.annotate`).
Checking a folder or several files ends with one line of totals (files, 正常, 有问题, 无法读取, 已跳过) —
on stdout, or on stderr with ``--json`` (stdout stays one JSON object per file).
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterator

EPILOG = "退出码：0 = 没有错误；1 = 发现错误（见输出）；2 = 有文件无法读取、不是本模板或参数有误。"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="检查并评分（JSON 表单或已填写的工作簿）", epilog=EPILOG)
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="JSON 表单、已填写的工作簿（.xlsx、.xlsm、.xls、.et、.ods、.xlsb）、Word 自评表（.docx/.doc）、"
                        "其他格式的自评表或项目清单，或文件夹（检查其中所有工作簿，同 combine）")
    p.add_argument("--json", action="store_true", help="每个文件输出一行 JSON")
    p.add_argument("--policy", metavar="NAME|FILE",
                   help="评分规则：名称（chaoyang、mof2020、mof2021）或 TOML 文件（优先于工作簿自带的规则）")
    p.add_argument("--targets", metavar="绩效目标表.xlsx",
                   help="对照批复的绩效目标表：指标值降低或改动、指标删去或新增、分值或年初预算数不同")
    p.add_argument("--annotate", metavar="OUT", help="另存一份批注副本：结果、标色和批注已写入（只能检查一个工作簿）")
    p.add_argument("--force", action="store_true", help="与 --annotate 同用：覆盖已存在的输出文件")
    p.set_defaults(run=run, brief=True)  # xltools.cli: no GC until the first form is done, a quick exit


def _fmt_num(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _grade_text(result: dict[str, object]) -> str:
    """The grade as printed: 未评分 without a reviewed total, 未评级 without a grade."""
    if result["total"] is None:
        return "未评分"
    return str(result["grade"] or "未评级")


def _print_text(result: dict[str, object]) -> None:
    from xltools.cli.rules import SEVERITY_TEXT
    from xltools.form.report import place_of

    rate = result["execution_rate"]
    print(result["file"])
    print(f"  执行率 {'—' if rate is None else f'{rate:.2%}'}  预算执行得分 {_fmt_num(result['budget_score'])}"
          f"  自评总分 {_fmt_num(result['self_total'])}  复核总分 {_fmt_num(result['total'])}"
          f"  等级 {_grade_text(result)}")
    scores = result["indicator_scores"]
    assert isinstance(scores, list)
    print("  指标得分 " + " ".join(_fmt_num(s) for s in scores))
    findings = result["findings"]
    assert isinstance(findings, list)
    errors = sum(1 for f in findings if f["severity"] == "error")
    print(f"  错误 {errors} 个，警告 {len(findings) - errors} 个")
    for f in findings:
        tag = SEVERITY_TEXT[f["severity"]]
        print(f"  [{tag}] {place_of(f)} {f['code']}：{f['message']}")


def expand_inputs(names: list[str], tally: Counter[str] | None = None) -> Iterator[str | None]:
    """The files to check: a folder stands for every workbook under it, found as ``combine`` finds them
    (lock, hidden and temporary files and other file types skipped, the reason on stderr). ``None``
    for a folder without a workbook."""
    import sys
    from pathlib import Path

    for name in names:
        root = Path(name)
        if not root.is_dir():
            yield name
            continue
        from xltools.district.discover import (
            discover,  # only for a folder: a file's check stays light
        )

        found = discover([root])
        base = root.resolve()
        for item in found:
            path = Path(item.path)
            shown = str(root / path.relative_to(base)) if path.is_relative_to(base) else item.path
            if item.problem:  # a folder that cannot be opened
                print(f"无法读取 {shown}：{item.problem}", file=sys.stderr)
                yield None
            elif item.skip:
                print(f"已跳过 {shown}：{item.skip}", file=sys.stderr)
                if tally is not None:
                    tally["skipped"] += 1
            else:
                yield shown
        if not any(item.skip is None and item.problem is None for item in found):
            print(f"文件夹 {name} 中没有可检查的工作簿（.xlsx、.xlsm、.xls、.et、.ods、.xlsb）", file=sys.stderr)
            yield None


def run(args: argparse.Namespace) -> int:
    import datetime as dt
    import json
    import sys
    from pathlib import Path

    from xltools.cli import EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE, startup_over
    from xltools.form.report import check_result
    from xltools.io.files import read_policy
    from xltools.io.forms import FormReadError, judge_loaded, load_forms

    policy = read_policy(args.policy) if args.policy else None
    targets = None
    if args.targets:
        from xltools.io.targetsbook import read_targets

        targets = read_targets(args.targets).targets
    today = dt.date.today()
    if args.annotate:
        return _annotate(args, policy, today, targets)
    status = EXIT_OK
    tally: Counter[str] = Counter()
    for name in expand_inputs(args.files, tally):
        if name is None:
            status = EXIT_UNREADABLE
            tally["unreadable"] += 1
            continue
        try:
            forms = load_forms(Path(name))  # a list workbook: one form per project
        except FormReadError as exc:
            print(f"无法读取 {exc.path}：{exc.reason}", file=sys.stderr)
            if args.json:
                print(json.dumps({"file": exc.path, "error": exc.reason}, ensure_ascii=False))
            status = EXIT_UNREADABLE
            tally["unreadable"] += 1
            continue
        tally["files"] += 1
        for loaded in forms:
            for note in loaded.notes:
                print(f"{loaded.path}：{note}", file=sys.stderr)
            verdict = judge_loaded(loaded, policy, today=today, targets=targets)
            result = check_result(loaded.path, verdict)
            if args.json:
                print(json.dumps(result, ensure_ascii=False, allow_nan=False))
            else:
                _print_text(result)
            startup_over()  # the first form is done: the garbage collector runs again (no-op after the first)
            if status == EXIT_OK and verdict.errors:
                status = EXIT_FINDINGS
            tally["problems" if verdict.errors else "ok"] += 1
            tally["warned"] += bool(verdict.warnings) and not verdict.errors
            tally["errors"] += verdict.errors
    if len(args.files) > 1 or any(Path(name).is_dir() for name in args.files):
        print(totals_line(tally), file=sys.stderr if args.json else sys.stdout)
    return status


def totals_line(tally: Counter[str]) -> str:
    """The last line of a check of many files: how many, and how they fared."""
    checked, forms = tally["files"] + tally["unreadable"], tally["ok"] + tally["problems"]
    several = f"（共 {forms} 份表）" if forms != tally["files"] else ""  # a list workbook holds several forms
    line = (f"合计：检查文件 {checked} 个{several}，正常 {tally['ok']} 个（其中有警告 {tally['warned']} 个），"
            f"有问题 {tally['problems']} 个（错误共 {tally['errors']} 个），无法读取 {tally['unreadable']} 个")
    return line + (f"；另跳过 {tally['skipped']} 个非工作簿文件" if tally["skipped"] else "")


def _annotate(args: argparse.Namespace, policy: object, today: object, targets: object) -> int:
    """``check FILE --annotate OUT``: the verdict as usual, and the annotated copy written to OUT."""
    import json
    import sys
    from pathlib import Path

    from xltools.cli import EXIT_FINDINGS, EXIT_OK
    from xltools.core.errors import UserError
    from xltools.excel.fill import default_template
    from xltools.form.report import check_result
    from xltools.io.annotate import annotate_workbook
    from xltools.form.book import format_text
    from xltools.io.seam import read_source

    if len(args.files) != 1:
        raise UserError("--annotate 一次只能用于一个工作簿：请分别检查每个文件")
    from xltools.io.paths import FORM_WORKBOOK, Paths, policy_file

    (Paths(force=args.force).read("", args.files[0]).read("--policy", policy_file(args.policy))
     .read("--targets", args.targets).write("--annotate", args.annotate, FORM_WORKBOOK).check())
    verdict = annotate_workbook(Path(args.files[0]), Path(args.annotate), policy=policy,  # type: ignore[arg-type]
                                today=today, force=args.force, template=default_template,  # type: ignore[arg-type]
                                targets=targets)  # type: ignore[arg-type]
    result = check_result(args.files[0], verdict)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, allow_nan=False))
    else:
        _print_text(result)
    print(f"已写入批注副本 {args.annotate}", file=sys.stderr if args.json else sys.stdout)
    fmt = read_source(args.files[0]).format  # read again only to say how the copy was made
    if fmt not in ("xlsx", "xlsm"):
        print(f"注意：{args.files[0]} 是 {format_text(fmt)}；批注副本 {args.annotate} 是把其中的表单填入当前 .xlsx 模板后"
              "写出的（原文件不变），请改用 .xlsx 模板填报", file=sys.stderr)
    return EXIT_FINDINGS if verdict.errors else EXIT_OK

"""``xltools combine INPUT... -o SUMMARY.xlsx``: the district summary, with a progress bar and a final table."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from xltools.cli import whole_number

if TYPE_CHECKING:
    from xltools.district.combine import CombineReport
    from xltools.district.results import FileResult


class _Bar:
    """A one-line progress bar on a terminal's stderr."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, done: int, total: int, result: FileResult) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        width = 30
        filled = int(width * done / max(total, 1))
        sys.stderr.write(f"\r汇总中 [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _print_table(report: CombineReport) -> None:
    from xltools.core.text import pad
    from xltools.district.results import FATE_TEXT, PROBLEM_FATES

    counts = report.counts
    problems = sum(counts[f] for f in PROBLEM_FATES)
    print(f"汇总文件：{report.output}")
    print(f"{pad('文件状态', 16)}{'个数':>6}")
    for fate, text in FATE_TEXT.items():
        if fate == "ok":  # 正常 split: a form can be read fine and still have errors
            rows = [("正常、无错误", counts[fate] - report.ok_with_errors), ("正常、有错误", report.ok_with_errors)]
        else:
            rows = [(text, counts[fate])]
        for label, n in rows:
            if n:
                print(f"{pad(label, 16)}{n:>8}")
    print(f"本轮「{report.round_label}」：读取 {report.read} 个，沿用上次结果 {report.reused} 个（文件未改动）；"
          f"结果库 {report.store}")
    # 有问题 means "has errors" in `check FOLDER`'s totals: here the forms with errors are counted inside 正常
    print(f"正常 {counts['ok']} 个（其中有错误 {report.ok_with_errors} 个），需核实去向 {problems} 个，"
          f"跳过 {counts['skipped']} 个；"
          f"汇总项目 {report.projects} 个（错误 {report.errors} 个，警告 {report.warnings} 个）；"
          f"用时 {report.seconds:.1f} 秒（{report.jobs} 个进程）")
    _print_review(report)
    _print_not_summarised(report)
    _print_problems(report)


def _print_review(report: CombineReport) -> None:
    """What the approved targets and the list of projects that must report found (``--targets``, ``--expect``),
    and the projects' 复核状态 once reviewers' verdicts were imported."""
    extras = report.extras
    if "drift" in extras:
        serious = extras.get("drift_serious", 0)
        print(f"目标偏离 {extras['drift']} 处（其中指标值降低或批复的指标被删去 {serious} 处），见「目标偏离」"
              if extras["drift"] else "目标偏离：没有发现与批复的绩效目标不一致之处")
    if "missing" in extras:
        print(f"应报送名单：未报送 {extras['missing']} 个项目，收到但不在名单上 {extras.get('unexpected', 0)} 个，见「未报送」")
    statuses = extras.get("review_statuses")
    if isinstance(statuses, dict):  # verdicts imported with `xltools review import`
        print("复核状态：" + "，".join(f"{status} {n} 个" for status, n in statuses.items() if n)
              + "（见「汇总」的复核状态、最终得分列）")


def _print_not_summarised(report: CombineReport) -> None:
    """Name EVERY file that did not enter the summary (another format, unreadable …): its unit must hear of
    it, so none is left out; with ``--returns`` each is also in its unit's 退回清单."""
    from xltools.district.returns import NEXT_STEP, not_summarised_text

    missed = [r for r in report.files if r.fate in NEXT_STEP]
    if not missed:
        return
    units = {item["path"]: item["unit"] for item in report.extras.get("not_summarised", [])}  # type: ignore[union-attr]
    print(f"未能汇总的文件（{len(missed)} 个，各单位须重新报送或删除）：")
    for r in missed:
        where = f"（已写入「{units[r.path]}」的退回清单）" if r.path in units else ""
        print(f"  {r.path}：{not_summarised_text(r.fate, r.reason)}{where}")


#: How many files with problems the terminal table names (the rest are in 文件清单 and 问题清单).
SHOWN_PROBLEMS = 10


def _print_problems(report: CombineReport) -> None:
    """Name the files with problems (a bad fate, or error findings), the first few, with fate and reason."""
    from xltools.core.text import pad
    from xltools.district.results import FATE_TEXT, PROBLEM_FATES

    # the files that were not (or not cleanly) summarised first, then summarised files with errors
    from xltools.district.returns import NEXT_STEP

    bad = [r for r in report.files if r.fate in PROBLEM_FATES and r.fate not in NEXT_STEP]  # those named above
    bad += [r for r in report.files if r.fate not in PROBLEM_FATES and r.used and r.errors]
    if not bad:
        return
    print(f"有问题的文件（{len(bad)} 个{'，前 ' + str(SHOWN_PROBLEMS) + ' 个' if len(bad) > SHOWN_PROBLEMS else ''}）：")
    for r in bad[:SHOWN_PROBLEMS]:
        fate = FATE_TEXT[r.fate] if r.fate in PROBLEM_FATES else "有错误"
        why = r.reason or (f"错误 {r.errors} 个，见「问题清单」" if r.errors else "")
        print(f"  {pad(fate, 16)}{r.path}{'：' + why if why else ''}")
    if len(bad) > SHOWN_PROBLEMS:
        print(f"  …… 另有 {len(bad) - SHOWN_PROBLEMS} 个，见汇总文件的「文件清单」和「问题清单」")


def run(args: argparse.Namespace) -> int:
    from xltools.district.combine import ReviewOptions, combine
    from xltools.io.files import read_policy, write_atomic
    from xltools.io.paths import JSON_REPORT, Paths, policy_file

    paths = (Paths(force=args.force).read("--policy", policy_file(args.policy)).read("--targets", args.targets)
             .write("--json", args.json, JSON_REPORT))
    policy = read_policy(args.policy) if args.policy else None
    targets = None
    if args.targets:
        from xltools.io.targetsbook import read_targets

        targets = read_targets(args.targets).targets
    progress = _Bar() if sys.stderr.isatty() else None
    review = ReviewOptions(sample=args.sample or 0, seed=args.seed, expect=args.expect and Path(args.expect),
                           returns=args.returns and Path(args.returns), deadline=args.deadline,
                           contact=args.contact)
    report = combine(args.inputs, args.output, jobs=args.jobs, policy=policy, force=args.force,
                     progress=progress, store=args.store, full=args.full, round_label=args.round, year=args.year,
                     review=review, paths=paths, targets=targets)
    _print_table(report)
    if getattr(args, "debug", False):
        for path, trace in report.tracebacks.items():
            print(f"\n{path}：\n{trace}", file=sys.stderr)
    if args.json:
        text = json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n"
        write_atomic(Path(args.json), text.encode("utf-8"), force=True)  # checked up front (Paths)
    return report.exit_code


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "combine", help="把各街道的自评表汇总为一个汇总工作簿",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="汇总文件夹中所有已填写的自评表（.xlsx/.xlsm），生成汇总工作簿。",
        epilog=("退出码：0 = 已汇总，所有文件正常且没有错误；1 = 已汇总，但有错误、被改动、重复、"
                "旧版本或无法读取的文件；2 = 参数错误、输出已存在（未加 --force）或没有可汇总的项目。"))
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="文件或文件夹（递归查找）")
    p.add_argument("-o", "--output", required=True, metavar="SUMMARY.xlsx", help="汇总工作簿")
    p.add_argument("--jobs", type=whole_number, default=None, metavar="N", help="并行进程数（默认：CPU 核数）")
    p.add_argument("--policy", metavar="NAME|FILE",
                   help="评分规则：名称（chaoyang、mof2020、mof2021）或 TOML 文件（默认用各模板自带的规则）")
    p.add_argument("--json", metavar="REPORT", help="另存一份 JSON 报告（供程序读取）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的输出文件（和 --returns 的非空文件夹）")
    p.add_argument("--store", metavar="FILE", help="结果库（SQLite）文件（默认：汇总表所在文件夹中的 xltools结果库.sqlite）")
    p.add_argument("--full", action="store_true", help="全部重新读取（不沿用结果库中未改动文件的结果）")
    p.add_argument("--round", metavar="LABEL", help="本轮的名称，如 \"第二轮\"（默认：第 N 轮）")
    p.add_argument("--year", metavar="YEAR", help="本轮汇总的年度（默认：表中最常见的年度）；其他年度的表为“年度不符”")
    p.add_argument("--sample", type=int, metavar="N", help="抽查名单：按实施单位分层、按风险加权抽取 N 个项目")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="抽查的随机种子（同一种子抽到同一名单；默认 0）")
    p.add_argument("--expect", metavar="LIST.xlsx",
                   help="应报送项目名单（第一个工作表，表头含“实施单位”“项目名称”两列），列出未报送的项目")
    p.add_argument("--targets", metavar="绩效目标表.xlsx",
                   help="对照批复的绩效目标表：目标偏离列入「目标偏离」和「问题清单」；未给 --expect 时也作为应报送项目名单")
    p.add_argument("--returns", metavar="DIR",
                   help="退回文件夹：每个实施单位一个文件夹，内有每份有错误的表的批注副本和一份退回清单.xlsx")
    p.add_argument("--deadline", metavar="TEXT",
                   help="退回清单上写的重新报送期限，如 \"2027年3月15日\"（与 --returns 一起用）")
    p.add_argument("--contact", metavar="TEXT",
                   help="退回清单上写的区财政局联系人和电话，如 \"绩效科 张三 85991234\"（与 --returns 一起用）")
    p.set_defaults(run=run)

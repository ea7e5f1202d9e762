"""``xltools report``: the district report 自评汇总分析 from a summary workbook or a round of the results store
(``xltools report 汇总.xlsx | --store S [--round R] -o 自评汇总分析.docx``), or a draft 项目支出绩效自评报告 (Word)
per project (``xltools report FORM.xlsx|DIR -o OUT.docx|DIR``). Which one is told by the input's content: a
workbook with the summary's sheets (汇总, 按单位, 问题清单) is a summary, anything else is read as forms."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xltools.io.forms import LoadedForm


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="生成自评汇总分析（按汇总表）或项目支出绩效自评报告草稿（按自评表），Word 格式",
                       description=("给出汇总表（xltools combine 写出的工作簿）或 --store 结果库时，写出全区《自评汇总分析》"
                                    "（.docx）：总体情况（项目数、单位数、资金、预算执行率的平均和分布、等级，附图）、存在的"
                                    "主要问题（按问题类型计数并各举两例；给了批复目标时含目标偏离）、各实施单位情况、未报送和"
                                    "抽查名单。文中数字均取自汇总表。图表需要 matplotlib（pip install xltools-chaoyang[report]）"
                                    "和中文字体。"
                                    "给出自评表时，为每个项目生成一份《项目支出绩效自评报告》草稿（.docx），依次为：项目基本情况、"
                                    "绩效目标、自评结论（总分、等级）、预算执行情况、指标完成情况（表格）、偏差原因及改进措施、"
                                    "存在问题和建议、其他需要说明的事项。数字和引号中的文字均摘自自评表；只能由填表人写的内容"
                                    "标为【待填写】。给出文件夹时，其中每一份自评表各写一份草稿到输出文件夹。"),
                       epilog="退出码：0 = 已全部写出；2 = 有文件无法读取（其余照常写出）、输出已存在（未加 --force）、"
                              "缺少 matplotlib 或中文字体，或参数有误。")
    p.add_argument("input", nargs="?", metavar="汇总.xlsx|FORM.xlsx|DIR",
                   help="汇总表（写出自评汇总分析）；或一份自评表（工作簿、Word 自评表或 JSON 表单）、放自评表的文件夹（写出草稿）")
    p.add_argument("-o", "--output", required=True, metavar="OUT.docx|DIR",
                   help="输出：汇总分析或一份自评表时为 .docx 文件；文件夹时为输出文件夹")
    p.add_argument("--store", metavar="FILE", help="结果库（SQLite）：按其中一轮（默认最后一轮）的汇总表写出自评汇总分析")
    p.add_argument("--round", metavar="LABEL", help="与 --store 同用：轮次的名称（如 \"第二轮\"）或序号（默认：最后一轮）")
    p.add_argument("--force", action="store_true", help="覆盖以前生成的报告或草稿")
    p.set_defaults(run=run)


def forms_in(root: Path) -> list[tuple[str, Path]]:
    """The files a folder input stands for, with the name each output takes after (relative to ``root``);
    for a file ``root`` itself. A folder that cannot be opened is reported on stderr (``None`` entries)."""
    from xltools.cli.check import expand_inputs

    found = []
    for shown in expand_inputs([str(root)]):
        if shown is not None:
            path = Path(shown)
            found.append((shown, path.relative_to(root) if root.is_dir() else Path(path.name)))
    return found


def output_names(rel: Path, count: int, suffix: str, taken: set[Path]) -> list[Path]:
    """Output names (relative) for the ``count`` forms of the file ``rel``: ``a.docx``, or ``a-1.docx`` …
    for a list of many projects; a name already taken (``a.xlsx`` beside ``a.docx``) gets ``（2）``."""
    stems = [rel.stem] if count == 1 else [f"{rel.stem}-{n}" for n in range(1, count + 1)]
    names = []
    for stem in stems:
        name, n = rel.with_name(stem + suffix), 2
        while name in taken:
            name, n = rel.with_name(f"{stem}（{n}）{suffix}"), n + 1
        taken.add(name)
        names.append(name)
    return names


def read_forms(root: Path, suffix: str) -> tuple[list[tuple[int, int, LoadedForm, Path]], int]:
    """Every form of the input ``root`` (a file, or each file under a folder: a list workbook gives one form
    per project) with its file's place in the run, the number of files and the output name (relative to
    an output folder, ``suffix`` its extension); a file that cannot be read is reported on stderr and
    counted (the second value)."""
    import sys

    from xltools.io.forms import FormReadError, load_form, load_forms

    folder = root.is_dir()
    files = forms_in(root) if folder else [(str(root), Path(root.name))]
    found: list[tuple[int, int, LoadedForm, Path]] = []
    failed = 0
    taken: set[Path] = set()
    for index, (shown, rel) in enumerate(files, 1):
        try:
            loaded_forms = load_forms(shown) if folder else [load_form(shown)]
        except FormReadError as exc:
            print(f"[{index}/{len(files)}] {exc}", file=sys.stderr)
            failed += 1
            continue
        for loaded, name in zip(loaded_forms, output_names(rel, len(loaded_forms), suffix, taken)):
            found.append((index, len(files), loaded, name))
    return found, failed


def run(args: argparse.Namespace) -> int:
    from xltools.core.errors import UserError
    from xltools.district.analysis import is_summary

    if args.input is None and args.store is None:
        raise UserError("请给出汇总表、自评表或文件夹，或用 --store 给出结果库")
    if args.input is not None and args.store is not None:
        raise UserError("请只给出汇总表，或只用 --store 给出结果库（按其中一轮的汇总表写），不要同时给出")
    if args.round is not None and args.store is None:
        raise UserError("--round 只能与 --store 同用（汇总表本身就是一轮的结果）")
    if args.store is not None or Path(args.input).is_file() and is_summary(Path(args.input)):
        return run_district(args)
    return run_drafts(args)


def run_district(args: argparse.Namespace) -> int:
    """The district report 自评汇总分析 from a summary workbook, or from a round of the results store."""
    from xltools.cli import EXIT_OK
    from xltools.core.errors import UserError
    from xltools.district.analysis import read_summary, round_summary
    from xltools.district.district_report import Charts, report_bytes
    from xltools.io.files import write_atomic
    from xltools.io.fonts import NO_CJK_FONT, cjk_font_file
    from xltools.io.paths import DISTRICT_REPORT, Paths

    Paths(force=args.force).read("", args.input).read("--store", args.store) \
        .write("-o", args.output, DISTRICT_REPORT).check()
    if args.input is not None:
        summary = Path(args.input)
    else:
        label, summary = round_summary(Path(args.store), args.round)
        print(f"结果库 {args.store}：「{label}」的汇总表 {summary}")
        Paths(force=args.force).read("", summary).write("-o", args.output, DISTRICT_REPORT).check()
    try:
        import matplotlib  # noqa: F401  (only asked whether it is installed; drawn in district.charts)
    except ImportError as exc:
        raise UserError("写自评汇总分析的图表需要 matplotlib，本机未安装；请运行 pip install \"xltools-chaoyang[report]\""
                        "（离线安装包已含）后重试") from exc
    font = cjk_font_file()
    if font is None:
        raise UserError(NO_CJK_FONT)
    facts = read_summary(summary)
    from xltools.district.charts import grade_chart, rate_chart

    charts = Charts(grade_chart(facts.units(), facts.grade_names, font), rate_chart(facts.rate_bands(), font))
    write_atomic(Path(args.output), report_bytes(facts, charts), force=args.force)
    print(f"已写出 {args.output}（{len(facts.projects)} 个项目，{len(facts.units())} 个实施单位）")
    return EXIT_OK


def run_drafts(args: argparse.Namespace) -> int:
    from xltools.cli import EXIT_OK, EXIT_UNREADABLE
    from xltools.io.draft import draft_bytes
    from xltools.io.files import write_atomic
    from xltools.io.forms import judge_loaded, with_formula_values
    from xltools.io.paths import DRAFT, DRAFTS, Paths

    root = Path(args.input)
    folder = root.is_dir()
    Paths(force=args.force).read("", root).write("-o", args.output, DRAFTS if folder else DRAFT).check()
    out = Path(args.output)
    written = 0
    found, failed = read_forms(root, ".docx")
    for index, count, loaded, name in found:
        form, _ = with_formula_values(loaded)
        target = out / name if folder else out
        write_atomic(target, draft_bytes(form, judge_loaded(loaded)), force=args.force)
        written += 1
        print(f"[{index}/{count}] 已写出 {target}")
    if folder:
        print(f"共写出 {written} 份草稿" + (f"，{failed} 个文件无法读取（见上）" if failed else ""))
    return EXIT_UNREADABLE if failed or (folder and not written) else EXIT_OK

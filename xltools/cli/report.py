"""``xltools report FORM.xlsx|DIR -o OUT.docx|DIR``: a draft 项目支出绩效自评报告 (Word) per project."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xltools.io.forms import LoadedForm


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="按自评表生成项目支出绩效自评报告草稿（Word）",
                       description=("按自评表为每个项目生成一份《项目支出绩效自评报告》草稿（.docx），依次为：项目基本情况、"
                                    "绩效目标、自评结论（总分、等级）、预算执行情况、指标完成情况（表格）、偏差原因及改进措施、"
                                    "存在问题和建议、其他需要说明的事项。数字和引号中的文字均摘自自评表；只能由填表人写的内容"
                                    "标为【待填写】。给出文件夹时，其中每一份自评表各写一份草稿到输出文件夹。"),
                       epilog="退出码：0 = 已全部写出；2 = 有文件无法读取（其余照常写出）、输出已存在（未加 --force）或参数有误。")
    p.add_argument("input", metavar="FORM.xlsx|DIR", help="一份自评表（工作簿、Word 自评表或 JSON 表单），或放自评表的文件夹")
    p.add_argument("-o", "--output", required=True, metavar="OUT.docx|DIR",
                   help="输出：一份自评表时为 .docx 文件；文件夹时为输出文件夹")
    p.add_argument("--force", action="store_true", help="覆盖以前生成的草稿")
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

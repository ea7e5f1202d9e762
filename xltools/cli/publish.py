"""``xltools publish FORM|DIR -o OUT.pdf|DIR [--mask-phone] [--force]``: the filled form as a print-ready PDF."""

from __future__ import annotations

import argparse
from pathlib import Path

#: Forms printed per LibreOffice run (one progress line each batch).
BATCH = 20


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("publish", help="把已填写的自评表转成用于公开的 PDF（A4）",
                       description=("把已填写的自评表转成可打印、可公开的 PDF：A4 纵向、一页宽，不带批注、底色和彩色字，"
                                    "加 --mask-phone 时联系电话只留前 3 位和后 4 位。转换用 LibreOffice（须已安装）"
                                    "和中文字体。给出文件夹时，其中每一份自评表各转一份 PDF 到输出文件夹，并显示进度。"),
                       epilog="退出码：0 = 已全部写出；2 = 有文件无法读取（其余照常写出）、没有 LibreOffice 或中文字体、"
                              "输出已存在（未加 --force）或参数有误。")
    p.add_argument("input", metavar="FORM.xlsx|DIR", help="一份自评表（工作簿、Word 自评表或 JSON 表单），或放自评表的文件夹")
    p.add_argument("-o", "--output", required=True, metavar="OUT.pdf|DIR",
                   help="输出：一份自评表时为 .pdf 文件；文件夹时为输出文件夹")
    p.add_argument("--mask-phone", action="store_true", help="联系电话中间的数字以 * 代替（公开时用）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的 PDF")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import tempfile

    from xltools.cli import EXIT_OK, EXIT_UNREADABLE
    from xltools.cli.report import read_forms
    from xltools.excel.publish import masked, public_workbook, require_cjk_font
    from xltools.io.engine import EngineError, soffice_available, to_pdf
    from xltools.io.files import write_atomic
    from xltools.io.forms import with_formula_values
    from xltools.io.paths import PDF, PDFS, Paths

    root = Path(args.input)
    folder = root.is_dir()
    Paths(force=args.force).read("", root).write("-o", args.output, PDFS if folder else PDF).check()
    if not soffice_available():
        raise EngineError("没有找到 LibreOffice（soffice）：publish 要用它把自评表转成 PDF。请安装 LibreOffice "
                          "（Windows：从 https://zh-cn.libreoffice.org 下载安装；Debian/Ubuntu：apt-get install "
                          "libreoffice-calc-nogui）后重新运行")
    require_cjk_font()
    out = Path(args.output)
    found, failed = read_forms(root, ".pdf")
    jobs = []
    for _, _, loaded, name in found:
        form, _ = with_formula_values(loaded)
        jobs.append((public_workbook(masked(form) if args.mask_phone else form), out / name if folder else out))
    done = 0
    with tempfile.TemporaryDirectory(prefix="xltools-publish-") as scratch:
        for start in range(0, len(jobs), BATCH):
            batch = jobs[start:start + BATCH]
            books = []
            for n, (data, _) in enumerate(batch):
                book = Path(scratch) / f"{start + n}.xlsx"
                book.write_bytes(data)
                books.append(book)
            for pdf, (_, target) in zip(to_pdf(books, Path(scratch) / "pdf"), batch):
                write_atomic(target, pdf.read_bytes(), force=args.force)
                done += 1
                print(f"[{done}/{len(jobs)}] 已写出 {target}")
    if folder:
        print(f"共写出 {done} 份 PDF" + (f"，{failed} 个文件无法读取（见上）" if failed else ""))
    return EXIT_UNREADABLE if failed or (folder and not done) else EXIT_OK

"""Shell: LibreOffice headless as a spreadsheet engine (recalculate, print to PDF) and pdftoppm for PNG.

Every call runs ONE ``soffice`` process for all the files given, with a
throw-away user profile whose ``OOXMLRecalcMode`` is 0 ("always recalculate"):
by default LibreOffice trusts the cached values of .xlsx files and would show
stale results. Outputs are named after their inputs (``a.xlsx`` → ``outdir/a.pdf``);
an input file is never overwritten.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path

from xltools.core.errors import UserError

__all__ = ["EngineError", "soffice_path", "soffice_available", "cjk_font_missing", "convert", "recalculate", "to_pdf", "to_png",
           "pdf_to_pngs"]

_PROFILE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""


class EngineError(UserError):
    """LibreOffice or pdftoppm is missing or failed (message in Chinese)."""


def soffice_path() -> str | None:
    """The LibreOffice executable, or ``None`` when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def soffice_available() -> bool:
    return soffice_path() is not None


def cjk_font_missing() -> bool:
    """True when fontconfig knows no font with Chinese glyphs: LibreOffice would then draw every character as a box.

    Asks ``fc-list :lang=zh`` (which honours ``FONTCONFIG_FILE``). Where fontconfig is not installed
    (Windows) nothing can be told, and ``False`` is returned.
    """
    tool = shutil.which("fc-list")
    if tool is None:
        return False
    try:
        listed = subprocess.run([tool, ":lang=zh", "family"], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return listed.returncode == 0 and not listed.stdout.strip()


def _unique_outputs(paths: list[Path], outdir: Path, extension: str) -> list[Path]:
    outputs = [outdir / f"{path.stem}.{extension}" for path in paths]
    if len(set(outputs)) != len(outputs):
        raise EngineError("多个输入文件同名（扩展名除外），转换结果会互相覆盖：请先改名")
    for source, target in zip(paths, outputs):
        if source.resolve() == target.resolve():
            raise EngineError(f"输出文件 {target} 就是输入文件：请换一个输出目录")
    return outputs


def convert(paths: Iterable[Path | str], outdir: Path | str, target: str, *, timeout: float = 300) -> list[Path]:
    """Convert every file with one ``soffice --convert-to TARGET`` call; returns the outputs in order.

    ``target`` is LibreOffice's ``--convert-to`` argument (``xlsx``, ``pdf``…).
    """
    files = [Path(p) for p in paths]
    if not files:
        return []
    soffice = soffice_path()
    if soffice is None:
        raise EngineError("找不到 LibreOffice（soffice）：请安装 libreoffice-calc（Debian/Ubuntu：apt-get install "
                          "libreoffice-calc-nogui）")
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise EngineError(f"文件不存在：{'、'.join(missing)}")
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    outputs = _unique_outputs(files, out, target.split(":")[0])
    for path in outputs:
        path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="xltools-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_PROFILE_XCU, encoding="utf-8")
        command = [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
                   "--nolockcheck", "--convert-to", target, "--outdir", str(out), *(str(p) for p in files)]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise EngineError(f"LibreOffice 在 {timeout:g} 秒内没有完成转换") from exc
    failed = [str(src) for src, dst in zip(files, outputs) if not dst.is_file()]
    if failed or result.returncode != 0:
        raise EngineError(f"LibreOffice 转换失败（退出码 {result.returncode}）：{'、'.join(failed) or '—'}")
    return outputs


def recalculate(paths: Iterable[Path | str], outdir: Path | str) -> list[Path]:
    """Open every workbook in LibreOffice, recalculate all formulas and save it as .xlsx into ``outdir``."""
    return convert(paths, outdir, "xlsx")


def to_pdf(paths: Iterable[Path | str], outdir: Path | str) -> list[Path]:
    """Print every workbook to PDF with its own print setup (print area, fit to width, repeated rows)."""
    return convert(paths, outdir, "pdf")


def _pdftoppm() -> str:
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise EngineError("找不到 pdftoppm：请安装 poppler-utils")
    return tool


def to_png(pdf: Path | str, out: Path | str, *, dpi: int = 110, pages: int | None = None) -> Path:
    """Render the PDF's pages (all, or the first ``pages``) into ONE PNG, stacked top to bottom.

    pdftoppm writes raw PPM images; they are stacked with a grey rule between
    pages and encoded as PNG with :mod:`zlib` (no imaging library needed).
    """
    target = Path(out)
    if target.suffix.lower() != ".png":
        target = target.with_suffix(".png")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xltools-png-") as tmp:
        command = [_pdftoppm(), "-r", str(dpi)]
        if pages is not None:
            command += ["-f", "1", "-l", str(pages)]
        result = subprocess.run([*command, str(pdf), str(Path(tmp) / "page")], capture_output=True,
                                text=True, timeout=120, check=False)
        files = sorted(Path(tmp).glob("page*.ppm"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        if result.returncode != 0 or not files:
            raise EngineError(f"pdftoppm 无法渲染 {pdf}（退出码 {result.returncode}）")
        images = [_read_ppm(path.read_bytes()) for path in files]
    width = max(w for w, _, _ in images)
    rows: list[bytes] = []
    rule = bytes((160, 160, 160)) * width
    for i, (w, h, pixels) in enumerate(images):
        if i:
            rows += [rule, rule]
        pad = bytes((255, 255, 255)) * (width - w)
        rows += [pixels[y * w * 3:(y + 1) * w * 3] + pad for y in range(h)]
    target.write_bytes(_png(width, len(rows), rows))
    return target


def _read_ppm(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and RGB bytes of a binary PPM (P6, maxval 255) as pdftoppm writes it."""
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6" or fields[3] != b"255":
        raise EngineError("pdftoppm 输出的图像格式无法识别")
    width, height = int(fields[1]), int(fields[2])
    return width, height, data[pos + 1:pos + 1 + width * height * 3]


def _png(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


def pdf_to_pngs(pdf: Path | str, outdir: Path | str, *, dpi: int = 110) -> list[Path]:
    """Render every page of a PDF to ``outdir/<stem>-<n>.png``; returns the pages in order."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    prefix = out / Path(pdf).stem
    result = subprocess.run([_pdftoppm(), "-png", "-r", str(dpi), str(pdf), str(prefix)],
                            capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise EngineError(f"pdftoppm 无法渲染 {pdf}（退出码 {result.returncode}）")
    pages = sorted(out.glob(f"{prefix.name}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    if not pages:
        raise EngineError(f"pdftoppm 没有从 {pdf} 渲染出任何页面")
    return pages

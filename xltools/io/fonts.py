"""Shell: the Chinese font file a chart is drawn with (matplotlib needs a file, not a family name).

Where fontconfig is installed (Linux) it is asked (``fc-list :lang=zh file``, which honours
``FONTCONFIG_FILE``); a sans-serif face is preferred. Elsewhere (Windows) the fonts every Chinese
Windows ships are looked for in the system's font folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

__all__ = ["cjk_font_file", "NO_CJK_FONT"]

#: Said where no Chinese font can be found (a chart would show every character as a box).
NO_CJK_FONT = ("本机没有中文字体，图表中的汉字会显示为方框；请先安装中文字体（Debian/Ubuntu：apt-get install "
               "fonts-wqy-zenhei；Windows 自带微软雅黑、黑体），再重新运行")
#: Faces preferred when fontconfig lists several (sans-serif faces read best in a chart), by part of the file name.
_PREFERRED = ("wqy-zenhei", "NotoSansCJK", "SourceHanSans", "wqy-microhei", "droidsansfallback")
_WINDOWS_FONTS = ("msyh.ttc", "msyh.ttf", "simhei.ttf", "Deng.ttf", "simsun.ttc")
_FONT_SUFFIXES = (".ttf", ".ttc", ".otf")


def cjk_font_file() -> Path | None:
    """A font file with Chinese glyphs, or ``None`` when this machine has none."""
    tool = shutil.which("fc-list")
    if tool is None:
        folder = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
        return next((folder / name for name in _WINDOWS_FONTS if (folder / name).is_file()), None)
    try:
        listed = subprocess.run([tool, ":lang=zh", "file"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    files = sorted({line.split(":", 1)[0].strip() for line in listed.stdout.splitlines()})
    files = [f for f in files if f.lower().endswith(_FONT_SUFFIXES) and Path(f).is_file()]
    for part in _PREFERRED:
        for name in files:
            if part.lower() in name.lower():
                return Path(name)
    return Path(files[0]) if files else None

"""The 填报说明 sheet follows the layout and the policy; colour words name the colours really used; the print."""

from __future__ import annotations

import colorsys
import re
import subprocess
from pathlib import Path

from xltools.core import Policy
from xltools.core.tamper_rules import TamperLabelChanged
from xltools.core.validation import from_data
from xltools.excel.fill import fill_workbook
from xltools.excel.guide import colours, guide_rows
from xltools.excel.selfcheck import ERROR_FILL, OK_FILL, WARNING_FILL
from xltools.excel.template import FORMULA_FILL, INPUT_FILL, build_template
from xltools.form.checks import FULL_CHECK_ONLY, SHEET_RULES
from xltools.form.layout_v1_1 import GUIDE_SHEET, LayoutV1_1
from xltools.io.engine import to_pdf
from xltools.io.xlsxread import read_workbook

from .forms import seed_form
from .lo import require_soffice


def _hue(fill: str) -> tuple[float, float, float]:
    r, g, b = (int(fill[i:i + 2], 16) / 255 for i in (1, 3, 5))
    h, lightness, s = colorsys.rgb_to_hls(r, g, b)
    return h * 360, lightness, s


# Hue ranges (degrees) a colour word may name; 浅 = light (lightness above 0.75).
WORDS = {"黄色": (45, 65), "蓝色": (190, 250), "红色": (340, 360), "橙色": (20, 44), "绿色": (90, 150)}


def _matches(word: str, fill: str) -> bool:
    hue, lightness, _ = _hue(fill)
    base = word.removeprefix("浅")
    low, high = WORDS[base]
    in_range = low <= hue <= high or (base == "红色" and hue <= 10)
    return in_range and (not word.startswith("浅") or lightness > 0.75)


def test_colour_words_name_the_real_colours() -> None:
    legend = colours(INPUT_FILL, FORMULA_FILL, ERROR_FILL, WARNING_FILL, OK_FILL)
    for word, fill, _ in legend:
        assert _matches(word, fill), (word, fill, _hue(fill))
    assert len({fill for _, fill, _ in legend}) == len(legend)  # every meaning has its own colour
    # the tamper check's advice names the input cells' colour (light yellow, not white)
    advice = TamperLabelChanged.fix
    words = [w for w in ("浅黄色", "白色", "浅蓝色") if w in advice]
    assert words == ["浅黄色"] and _matches("浅黄色", INPUT_FILL)


def test_the_guide_follows_the_policy_and_names_every_rule(tmp_path: Path) -> None:
    policy = from_data(Policy, {"decimals": 0, "reverse_rule": "linear", "grade_thresholds": {"A": 95, "B": 85}, "lowest_grade": "D", "low_execution_rate": 0.8, "total_weight": 100})
    text = "\n".join(f"{a} {b}" for a, b in guide_rows(LayoutV1_1(), policy, 2031))
    assert "2031 年度" in text and "A ≥ 95 分" in text and "其余为D" in text and "保留 0 位小数" in text
    assert "80%" in text and "线性扣减" in text and "优" not in text.split("二、评分规则")[1].split("三、")[0]
    default = "\n".join(f"{a} {b}" for a, b in guide_rows(LayoutV1_1(), Policy(), 2026))
    assert "优 ≥ 90 分" in default and "指标值 ÷ 实际值" in default and "达成：得分占分值的 80%–100%" in default
    path = build_template(tmp_path / "t.xlsx", policy=policy)
    book = read_workbook(path)
    assert GUIDE_SHEET in book.sheet_names
    cells = " ".join(str(v) for v in book.sheets[GUIDE_SHEET].values.values())
    for rule in SHEET_RULES:  # the in-sheet list carries the code of the matching Python rule
        assert all(code in cells for code in rule.codes), rule.key
    for codes, _ in FULL_CHECK_ONLY:
        assert codes in cells
    assert "A ≥ 95 分" in cells


def _pages(pdf: Path) -> list[str]:
    count = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                                                            check=True).stdout).group(1))  # type: ignore[union-attr]
    return [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout for n in range(1, count + 1)]


def test_the_seed_form_prints_on_two_pages_and_the_guide_on_its_own(tmp_path: Path) -> None:
    require_soffice()
    seed = fill_workbook(seed_form(), tmp_path / "seed.xlsx")
    (pdf,) = to_pdf([seed], tmp_path / "pdf")
    pages = _pages(pdf)
    squeezed = [page.replace(" ", "") for page in pages]
    form = [i for i, page in enumerate(squeezed)  # 校验结果 is numbered too since template 1.3
            if re.search(r"(?m)^第\d+页，共\d+页$", page) and "校验结果：" not in page]
    guide = [i for i, page in enumerate(squeezed) if "填报说明第" in page]
    assert 1 <= len(form) <= 2, len(form)  # the nine long indicators of the seed: at most two A4 pages
    assert "总分" in squeezed[form[-1]] and "填表人" in squeezed[form[-1]]
    # no nearly empty page: the sign-off line of the last form page stands below the first third of the page
    # (template 1.3 prints the results column too, so the page is scaled a little smaller and page 1 holds more)
    last = str(form[-1] + 1)
    box = subprocess.run(["pdftotext", "-f", last, "-l", last, "-bbox", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', box).group(1))  # type: ignore[union-attr]
    signoff = float(re.search(r'yMin="([\d.]+)"[^>]*>填表人', box).group(1))  # type: ignore[union-attr]
    assert signoff > height / 3, (signoff, height)
    assert guide and not set(guide) & set(form) and "填报说明（2020年度" in squeezed[guide[0]]
    result = [i for i, page in enumerate(squeezed) if "校验结果" in page and i not in guide]
    assert result and "表内自动检查" in squeezed[result[0]] and "11" in squeezed[result[0]]  # not a blank page

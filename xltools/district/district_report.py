"""The district report 自评汇总分析 (Word), written from :class:`~xltools.district.analysis.DistrictFacts`.

Chapters: 一、总体情况 (projects, units, money, the execution rate's average and distribution, scores and
grades, two charts), 二、存在的主要问题 (findings by rule with two examples each; the drift from approved
targets where the round had them), 三、各实施单位情况 (a table), 四、未报送项目, 五、抽查项目 and, where 汇总 has
reviewer columns (a round after ``review import``, or a summary a reviewer filled in), 六、复核结果.
Every number is computed by DistrictFacts from the summary's rows; the numbers are written in one fixed way (:func:`money`, :func:`percent`, :func:`score`) so a reader (and a
test) can find each. The document's core properties carry :data:`REPORT_MARK`, by which ``--force``
recognises a report it may replace.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from xltools.core.findings import RULES
from xltools.district.analysis import DistrictFacts, FindingLine
from xltools.io.draft import REPORT_MARK, add_table, set_fonts

__all__ = ["REPORT_MARK", "REPORT_OUTLINE", "Charts", "report_bytes", "money", "percent", "score"]

REPORT_OUTLINE = ("一、总体情况", "二、存在的主要问题", "三、各实施单位情况", "四、未报送项目", "五、抽查项目")
_EXAMPLES = 2


@dataclass(frozen=True)
class Charts:
    """The two charts as PNG bytes."""

    grades: bytes
    rates: bytes


def money(value: float) -> str:
    """An amount in 万元 as the report writes it: thousands separated, two decimals."""
    return f"{value:,.2f}"


def percent(ratio: float) -> str:
    """A ratio as the report writes it: 0.9563 → 95.6%."""
    return f"{ratio * 100:.1f}%"


def score(value: float) -> str:
    return f"{value:.2f}"


def _share(count: int, total: int) -> str:
    return percent(count / total) if total else "—"


def _examples(rows: Sequence[FindingLine]) -> list[FindingLine]:
    """Two rows to quote: from different projects where there are."""
    chosen: list[FindingLine] = []
    for row in rows:
        if all((row.unit, row.name) != (c.unit, c.name) for c in chosen):
            chosen.append(row)
        if len(chosen) == _EXAMPLES:
            return chosen
    return chosen + [r for r in rows if r not in chosen][:_EXAMPLES - len(chosen)]


def _where(row: FindingLine) -> str:
    place = f"（单元格 {row.cell}）" if row.cell else ""
    return f"{row.unit or '（未填实施单位）'}「{row.name or '（未填项目名称）'}」{place}"


def _overview(document, facts: DistrictFacts, charts: Charts | None, note: str) -> None:  # type: ignore[no-untyped-def]
    projects, units = facts.projects, facts.units()
    budget, executed = facts.money()
    line = (f"本轮汇总 {len(projects)} 个项目，涉及 {len(units)} 个实施单位；全年预算数合计 {money(budget)} 万元，"
            f"全年执行数合计 {money(executed)} 万元")
    line += f"，总体预算执行率 {percent(executed / budget)}。" if budget > 0 else "。"
    document.add_paragraph(line)
    rates = facts.rates()
    if rates:
        document.add_paragraph(f"填有预算执行率的 {len(rates)} 个项目，执行率平均为 {percent(sum(rates) / len(rates))}，"
                               f"最高 {percent(max(rates))}，最低 {percent(min(rates))}；分布如下：")
        add_table(document, ("预算执行率", "项目数（个）", "占比"),
                  [[label, str(count), _share(count, len(rates))] for label, count in facts.rate_bands()],
                  widths=(4.0, 3.0, 3.0), size=10)
    scored = facts.scored()
    if scored:
        _after_table(document, f"有复核总分的 {len(scored)} 个项目，复核总分平均 {score(sum(scored) / len(scored))} 分，"
                               f"最高 {score(max(scored))} 分，最低 {score(min(scored))} 分。")
    grades = facts.grades()
    names = [*facts.grade_names, *sorted(g for g in grades if g not in facts.grade_names)]
    document.add_paragraph("等级分布：" + "，".join(f"{g} {grades.get(g, 0)} 个（{_share(grades.get(g, 0), len(projects))}）"
                                                  for g in names) + "。")
    if charts is None:
        document.add_paragraph(f"（未附图表：{note}）")
        return
    from docx.shared import Cm

    document.add_picture(io.BytesIO(charts.grades), width=Cm(15))
    document.add_paragraph("图1 各实施单位项目等级分布")
    document.add_picture(io.BytesIO(charts.rates), width=Cm(14))
    document.add_paragraph("图2 项目预算执行率分布")


def _after_table(document, text: str) -> None:  # type: ignore[no-untyped-def]
    """A paragraph with some space above it (a table has none below)."""
    from docx.shared import Pt

    document.add_paragraph(text).paragraph_format.space_before = Pt(8)


def _problems(document, facts: DistrictFacts) -> None:  # type: ignore[no-untyped-def]
    findings = facts.findings
    errors = sum(1 for f in findings if f.severity == "错误")
    touched = len({(f.unit, f.name) for f in findings})
    if not findings:
        document.add_paragraph("汇总未发现问题。")
    else:
        document.add_paragraph(f"汇总共发现问题 {len(findings)} 处（错误 {errors} 处，警告 {len(findings) - errors} 处），"
                               f"涉及 {touched} 个项目。按问题类型（错误在前，同级别按处数从多到少）：")
    for number, (code, severity, rows) in enumerate(facts.by_rule(), 1):
        title = RULES[code].title if code in RULES else code
        projects = len({(r.unit, r.name) for r in rows})
        document.add_paragraph(f"{number}. {title}（{code}，{severity}）：{len(rows)} 处，涉及 {projects} 个项目。")
        for example in _examples(rows):
            document.add_paragraph(f"例：{_where(example)}：{example.message}", style="List Bullet")
    if facts.drift is None:
        return
    document.add_heading("与批复绩效目标的偏离", level=2)
    drift = facts.drift
    if not drift:
        document.add_paragraph("本轮与批复的绩效目标比对，未发现不一致之处。")
        return
    serious = sum(1 for d in drift if d.severity == "错误")
    kinds = {}
    for d in drift:
        kinds.setdefault(d.code, []).append(d)
    document.add_paragraph(
        f"与批复的绩效目标比对，共 {len(drift)} 处不一致（错误 {serious} 处），涉及 {len({(d.unit, d.name) for d in drift})} 个项目、"
        f"{len({d.unit for d in drift})} 个实施单位。按类型：" +
        "，".join(f"{RULES[c].title if c in RULES else c} {len(rows)} 处" for c, rows in kinds.items()) + "。")
    for example in _examples(drift):
        document.add_paragraph(f"例：{_where(example)}：{example.message}", style="List Bullet")


def _units(document, facts: DistrictFacts) -> None:  # type: ignore[no-untyped-def]
    head = ("实施单位", "项目数", "全年预算数（万元）", "全年执行数（万元）", "执行率", "平均复核总分", *facts.grade_names)
    rows = []
    for u in facts.units():
        rate, mean = u.execution_rate, u.mean_total
        rows.append([u.unit, str(u.projects), money(u.annual_budget), money(u.executed),
                     percent(rate) if rate is not None else "—", score(mean) if mean is not None else "—",
                     *(str(u.grades.get(g, 0)) for g in facts.grade_names)])
    grades = (0.9,) * len(facts.grade_names)
    add_table(document, head, rows, widths=(3.6, 1.2, 2.5, 2.5, 1.6, 1.7, *grades)[:len(head)], size=9)


def _listing(document, rows: list[dict[str, object]] | None, columns: Sequence[str],  # type: ignore[no-untyped-def]
             widths: tuple[float, ...], absent: str, empty: str) -> None:
    if rows is None:
        document.add_paragraph(absent)
    elif not rows:
        document.add_paragraph(empty)
    else:
        add_table(document, tuple(columns), [[_cell(r.get(c)) for c in columns] for r in rows], widths=widths, size=9)


def _reviews(document, facts: DistrictFacts) -> None:  # type: ignore[no-untyped-def]
    """The reviewers' outcomes: statuses and final scores (after review import), the 处理 written on this summary."""
    total = len(facts.projects)
    statuses = facts.statuses()
    if facts.pending():
        document.add_paragraph(f"本轮 {total} 个项目均为待复核：尚未导入复核结果（复核人在汇总表的复核得分、复核意见、处理等列"
                               "填写后，用 xltools review import 导入，下一轮汇总即显示复核状态和最终得分）。")
        return
    if statuses:
        document.add_paragraph(f"本轮 {total} 个项目的复核状态：" + "，".join(
            f"{status} {n} 个（{_share(n, total)}）" for status, n in statuses if n) + "。")
    finals = facts.finals()
    if finals:
        document.add_paragraph(f"有最终得分的 {len(finals)} 个项目（复核人给了复核得分的以复核得分为准，其余为复核总分），"
                               f"最终得分平均 {score(sum(finals) / len(finals))} 分，最低 {score(min(finals))} 分。")
    followed = [p for p in facts.projects if p.review is not None and p.review.status not in ("", "待复核", "已通过")]
    if followed:
        document.add_paragraph("退回或整改的项目：")
        add_table(document, ("实施单位", "项目名称", "复核状态", "最终得分"),
                  [[p.unit, p.name, p.review.status, _cell(p.review.final)] for p in followed  # type: ignore[union-attr]
                   ], widths=(4.0, 7.0, 2.5, 2.5), size=9)
    decided = facts.decided()
    if decided:
        actions = Counter(p.review.action for p in decided)  # type: ignore[union-attr]
        _after_table(document, f"复核人在本表中对 {len(decided)} 个项目给出了处理意见：" +
                     "，".join(f"{a} {n} 个" for a, n in actions.items()) + "。")
        add_table(document, ("实施单位", "项目名称", "复核得分", "处理", "复核意见", "复核人"),
                  [[p.unit, p.name, _cell(p.review.score), p.review.action, p.review.opinion,  # type: ignore[union-attr]
                    p.review.reviewer] for p in decided], widths=(3.0, 4.0, 1.6, 1.8, 5.0, 1.6), size=9)  # type: ignore[union-attr]
    if not (statuses or finals or decided):
        document.add_paragraph("汇总表有复核列，但尚未填写或导入复核结果（xltools review import）。")


def _cell(value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return score(value)
    return "" if value is None else str(value)


def _a4(document) -> None:  # type: ignore[no-untyped-def]
    """A4 portrait with 2 cm side margins (python-docx's own template is US Letter)."""
    from docx.shared import Cm

    for section in document.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2)
        section.top_margin = section.bottom_margin = Cm(2.5)


def report_bytes(facts: DistrictFacts, charts: Charts | None, note: str = "") -> bytes:
    """The report as .docx bytes (``charts`` ``None``: a line saying why, ``note``, stands in their place)."""
    from docx import Document

    document = Document()
    set_fonts(document)
    _a4(document)
    document.core_properties.category = REPORT_MARK
    year = f"{facts.year}年度" if facts.year else ""
    title = f"{year}朝阳区项目支出绩效自评汇总分析"
    document.core_properties.title = title
    document.add_heading(title, level=0)
    document.add_paragraph(f"（由 xltools 根据汇总表 {facts.source.name} 生成；文中数字均取自汇总表。）")
    head = iter(REPORT_OUTLINE)
    document.add_heading(next(head), level=1)
    _overview(document, facts, charts, note)
    document.add_heading(next(head), level=1)
    _problems(document, facts)
    document.add_heading(next(head), level=1)
    _units(document, facts)
    document.add_heading(next(head), level=1)
    _listing(document, facts.expected, ("类别", "实施单位", "项目名称", "说明"), (2.2, 3.6, 4.6, 6.6),
             "本轮没有给出应报送项目名单（combine --expect 或 --targets），无法列出未报送项目。",
             "应报送的项目均已收到。")
    document.add_heading(next(head), level=1)
    _listing(document, facts.sample, ("实施单位", "项目名称", "复核总分", "抽取原因"), (3.6, 4.6, 1.6, 7.2),
             "本轮没有抽查（combine --sample N 抽取抽查名单）。", "抽查名单为空。")
    if facts.reviewed:
        document.add_heading("六、复核结果", level=1)
        _reviews(document, facts)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()

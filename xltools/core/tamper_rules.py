"""Rules of the tamper check: a filled workbook that no longer matches its template.

The check itself (:func:`xltools.tamper.check_tamper`) compares what the
workbook reader returns with the layout; these classes give its findings
stable codes, Chinese messages and fixes, and put them in the catalogue.
"""

from __future__ import annotations

from .findings import Rule

__all__ = ["TAMPER_CODES"]

_REFILL = "请用区财政局下发的原模板重新填写，只在浅黄色的填写单元格中录入"


class TamperMetaMissing(Rule):
    code, severity, area = "tamper-meta-missing", "error", "模板完整性"
    title = "缺少模板信息"
    template = "工作簿缺少模板信息（{what}），无法确认是本模板"
    fix = _REFILL


class TamperMetaMismatch(Rule):
    code, severity, area = "tamper-meta-mismatch", "error", "模板完整性"
    title = "模板信息不符"
    template = "模板信息「{key}」为“{found}”，应为“{expected}”"
    fix = "请使用当前版本的模板；" + _REFILL


class TamperPolicyChanged(Rule):
    code, severity, area = "tamper-policy-changed", "error", "模板完整性"
    title = "评分规则被改动"
    template = "工作簿自带的评分规则（{found}）与区里的评分规则（{expected}）不同；已按区里的评分规则复核"
    fix = "评分规则由区财政局统一规定，不能在工作簿中修改；" + _REFILL


class TamperLabelChanged(Rule):
    code, severity, area = "tamper-label-changed", "error", "模板完整性"
    title = "固定文字被改动"
    template = "{cell} 的固定文字被改为“{found}”，模板中为“{expected}”"
    fix = "表格中的固定文字不能修改；" + _REFILL


class TamperFormulaChanged(Rule):
    code, severity, area = "tamper-formula-changed", "error", "模板完整性"
    title = "公式被改动"
    template = "{cell} 的计算公式被改动或覆盖（现为“{found}”，模板公式为“{expected}”）"
    fix = "执行率、得分、总分和等级由模板自动计算，不能手工填写；" + _REFILL


class TamperCellUnlocked(Rule):
    code, severity, area = "tamper-cell-unlocked", "error", "模板完整性"
    title = "锁定单元格被解锁"
    template = "{count} 个应锁定的单元格被解除锁定：{cells}"
    fix = "固定文字和公式单元格应保持锁定；" + _REFILL


class TamperInputLocked(Rule):
    code, severity, area = "tamper-input-locked", "error", "模板完整性"
    title = "填写单元格被锁定"
    template = "{count} 个填写单元格被改为锁定：{cells}"
    fix = "填写单元格的格式被改动；" + _REFILL


class TamperUnprotected(Rule):
    code, severity, area = "tamper-unprotected", "error", "模板完整性"
    title = "工作表保护被撤销"
    template = "工作表「{sheet}」的保护已被撤销"
    fix = "模板的工作表保护不能撤销；" + _REFILL


class TamperTargetsChanged(Rule):
    code, severity, area = "tamper-targets-changed", "error", "模板完整性"
    title = "批复目标被改动"
    template = "预填的批复目标{what}，与「模板信息」中记录的校验码不符，无法确认批复的绩效目标"
    fix = "批复目标由区财政局预填并锁定，不能改动；请用下发的预填表重新填写"


#: Every tamper-check code (a file with any of them is "tampered").
TAMPER_CODES = frozenset(rule.code for rule in (
    TamperMetaMissing, TamperMetaMismatch, TamperPolicyChanged, TamperLabelChanged, TamperFormulaChanged, TamperCellUnlocked,
    TamperInputLocked, TamperUnprotected, TamperTargetsChanged))


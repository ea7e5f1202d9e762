"""The rule catalogue: one class per finding code, with its Chinese message template and fix.

``docs/rules.md`` is generated from these classes (``xltools rules
--markdown``) in definition order; the checks that raise them are in
:mod:`xltools.core.rules` and :mod:`xltools.core.indicator_rules`.
"""

from __future__ import annotations

from .findings import Rule

__all__: list[str] = []  # the classes register themselves in findings.RULES


class RequiredMissing(Rule):
    code, severity, area = "required-missing", "error", "通用"
    title = "必填项为空"
    template = "「{label}」未填写{detail}"
    defaults = {"detail": ""}
    fix = "请填写该项"


class NumberInvalid(Rule):
    code, severity, area = "number-invalid", "error", "通用"
    title = "不是数字"
    template = "「{label}」填写的“{raw}”不是数字"
    fix = "请只填写数字，例如 6.6296"


class NumberAsText(Rule):
    code, severity, area = "number-as-text", "error", "通用"
    title = "数字以文本填写"
    template = "「{label}」填写的是文本“{raw}”，已按 {value} 识别"
    fix = "请只填写数字（金额单位已是万元，分值单位已是分），不要带单位或逗号"


class YearInvalid(Rule):
    code, severity, area = "year-invalid", "error", "表头"
    title = "年度无效"
    template = "「{label}」“{raw}”不是有效年份"
    fix = "请填写四位年份，例如 2020"


class PhoneInvalid(Rule):
    code, severity, area = "phone-invalid", "warning", "表头"
    title = "电话格式不对"
    template = "「{label}」“{raw}”不像电话号码"
    fix = "请填写 8 位座机号（可带 010- 区号和分机号）或 11 位手机号"


class DateInvalid(Rule):
    code, severity, area = "date-invalid", "error", "签署"
    title = "日期无法识别"
    template = "「{label}」“{raw}”不是日期"
    fix = "请按 2021-02-24 的格式填写日期"


class DateBeforeYearEnd(Rule):
    code, severity, area = "date-before-year-end", "warning", "签署"
    title = "填写日期早于年度结束"
    template = "「{label}」{date} 早于 {year} 年度结束（{year}-12-31）"
    fix = "自评应在年度结束后填写，请核对填写日期或年度"


class DateInFuture(Rule):
    code, severity, area = "date-in-future", "error", "签署"
    title = "填写日期在将来"
    template = "「{label}」{date} 晚于今天（{today}）"
    fix = "请填写实际填表的日期"


class AmountNegative(Rule):
    code, severity, area = "amount-negative", "error", "项目资金"
    title = "金额为负"
    template = "「{label}」为负数 {value}"
    fix = "金额不能为负，请按万元填写非负数"


class AmountImplausible(Rule):
    code, severity, area = "amount-implausible", "warning", "项目资金"
    title = "金额大得不合常理"
    template = "「{label}」为 {value} 万元，超过 {limit} 万元，不像一个项目的金额"
    fix = "金额以万元为单位，请核对是否按元填写或多打了位数"


#: Amounts above this (万元, i.e. 100 亿元) are not a street office's project: a warning.
IMPLAUSIBLE_AMOUNT = 1e6


class AmountInYuan(Rule):
    code, severity, area = "amount-in-yuan", "warning", "项目资金"
    title = "金额疑似按元填写"
    template = "「{label}」为 {value}，超过 {limit} 万元：金额疑似按元填写"
    fix = "表中金额以万元为单位，请把按元填写的金额除以 10000（例如 1234567 元填 123.4567）；本地区表格按元填写时，评分规则中设 money_unit = \"元\""


class AmountPrecision(Rule):
    code, severity, area = "amount-precision", "warning", "项目资金"
    title = "金额超过四位小数"
    template = "「{label}」{value} 超过 4 位小数"
    fix = "金额以万元为单位，请保留 4 位小数（精确到元）"


class BudgetNotPositive(Rule):
    code, severity, area = "budget-not-positive", "error", "项目资金"
    title = "预算数为零"
    template = "「{label}」为 {value}，无法按年度资金总额计算执行率{detail}"
    fix = "请在年度资金总额行填写大于 0 的预算数（万元）"
    defaults = {"detail": ""}


class ExecutedOverBudget(Rule):
    code, severity, area = "executed-over-budget", "error", "项目资金"
    title = "执行数超过预算数"
    template = "「{label}」{executed} 大于全年预算数 {budget}"
    fix = "请核对全年执行数与全年预算数；执行数不应超过预算数"


class BreakdownMismatch(Rule):
    code, severity, area = "breakdown-mismatch", "error", "项目资金"
    title = "其中各项之和不等于总额"
    template = "「{label}」为 {total}，但当年财政拨款、上年结转资金、其他资金之和为 {parts}"
    fix = "请核对“其中”三行，使其之和等于年度资金总额"


class LowExecutionUnexplained(Rule):
    code, severity, area = "low-execution-unexplained", "error", "项目资金"
    title = "执行率偏低且未说明原因"
    template = "预算执行率 {rate} 低于 {threshold}，但{state}"
    defaults = {"state": "没有填写任何偏差原因"}
    fix = "请在相关绩效指标的“偏差原因分析及改进措施”中说明执行率偏低的原因和改进措施"


class BudgetWeightInvalid(Rule):
    code, severity, area = "budget-weight-invalid", "error", "项目资金"
    title = "预算执行分值无效"
    template = "「{label}」{value} 不在 0 到 {total} 之间"
    fix = "预算执行分值一般为 10 分"


class BudgetScoreMismatch(Rule):
    code, severity, area = "budget-score-mismatch", "error", "项目资金"
    title = "预算执行得分与执行率不符"
    template = "「{label}」自评 {score}，按执行率计算应为 {expected}"
    fix = "预算执行得分 = min(执行率, 100%) × 分值，请改为 {expected}"


class GoalCopied(Rule):
    code, severity, area = "goal-copied", "warning", "年度总体目标"
    title = "实际完成情况照抄预期目标"
    template = "「{label}」与预期目标完全相同"
    fix = "请写明实际完成了什么（数量、时间、效果），不要照抄预期目标"


class IndicatorsMissing(Rule):
    code, severity, area = "indicators-missing", "error", "绩效指标"
    title = "没有绩效指标"
    template = "「{label}」一行也没有填写"
    fix = "请至少填写产出、效益、满意度三类指标"


class Level1Invalid(Rule):
    code, severity, area = "level1-invalid", "error", "绩效指标"
    title = "一级指标不规范"
    template = "「{label}」“{raw}”不是规定的一级指标"
    fix = "请从下拉列表选择：{allowed}"


class Level2Invalid(Rule):
    code, severity, area = "level2-invalid", "error", "绩效指标"
    title = "二级指标与一级指标不符"
    template = "「{label}」“{raw}”不属于{level1}"
    fix = "{level1}下的二级指标只能是：{allowed}"


class Level1WeightMismatch(Rule):
    code, severity, area = "level1-weight-mismatch", "error", "分值结构"
    title = "一级指标标注的分值与合计不符"
    template = "「{label}」标注{level1} {stated} 分，但其下各行分值合计为 {sum}"
    fix = "请使一级指标后标注的分值等于其下各条指标的分值之和"


class Level1Absent(Rule):
    code, severity, area = "level1-absent", "error", "绩效指标"
    title = "缺少一级指标"
    template = "绩效指标中没有{level1}"
    fix = "请至少填写一条{level1}"


class NameIsSentence(Rule):
    code, severity, area = "name-is-sentence", "warning", "绩效指标"
    title = "三级指标写成了句子"
    template = "「{label}」有 {length} 个字或带句读，像一句话而不是指标名称"
    fix = "三级指标应是简短的名称（如“慰问志愿者人数”），具体内容写在指标值中"


class WeightNotPositive(Rule):
    code, severity, area = "weight-not-positive", "error", "绩效指标"
    title = "分值无效"
    template = "「{label}」为 {value}"
    fix = "分值应为大于 0 的数"


class WeightsSum(Rule):
    code, severity, area = "weights-sum", "error", "分值结构"
    title = "分值合计不等于 100"
    template = "预算执行分值与各指标分值合计为 {sum}，不是 {total}{note}"
    fix = "请调整各项分值，使合计为 {total} 分"
    defaults = {"note": ""}


class WeightsAbsent(Rule):
    code, severity, area = "weights-absent", "warning", "分值结构"
    title = "没有分值"
    template = "预算执行和各条绩效指标都没有填写分值，无法评分（未评分）"
    fix = "如需评分，请填写预算执行分值和每条指标的分值（合计 {total} 分）；不评分的表可不理会此提示"


class WeightSplit(Rule):
    code, severity, area = "weight-split", "warning", "分值结构"
    title = "分值结构与标准不同"
    template = "分值结构为 {actual}，标准为 {standard}"
    fix = "如无特殊理由，请按标准结构分配分值（仅提示，不影响评分）"


class ScoreOutOfRange(Rule):
    code, severity, area = "score-out-of-range", "error", "绩效指标"
    title = "得分超出分值"
    template = "「{label}」{score} 不在 0 到分值 {weight} 之间"
    fix = "得分应在 0 到该指标分值之间"


class ScoreMismatch(Rule):
    code, severity, area = "score-mismatch", "error", "绩效指标"
    title = "得分与完成值不符"
    template = "「{label}」自评 {score}，按年度指标值和实际完成值计算应为 {expected}"
    fix = "请核对实际完成值，或将得分改为 {expected}"


class QualitativeBand(Rule):
    code, severity, area = "qualitative-band", "error", "绩效指标"
    title = "定性指标得分与完成程度不符"
    template = "「{label}」自评 {score}，但实际完成值{reason}，属“{band}”，应在 {low}–{high} 分之间"
    fix = "各档次得分占分值的比例：{bands}；请调整得分或实际完成值"


class DeviationMissing(Rule):
    code, severity, area = "deviation-missing", "error", "绩效指标"
    title = "扣分未说明原因"
    template = "「{label}」{state}，而{which} {score} 低于分值 {weight}"
    fix = "请说明未达到指标的原因和改进措施"
    defaults = {"state": "未填写", "which": "得分"}


class OverAchievementUnexplained(Rule):
    code, severity, area = "over-achievement-unexplained", "error", "绩效指标"
    title = "超额完成未说明原因"
    template = "「{label}」{state}，而实际完成值 {actual} 超出年度指标值 {target} 的 {gap}（达到 {threshold}）{deducted}"
    fix = "超额完成较多时请说明原因（例如指标值是否定得偏低）"
    defaults = {"state": "未填写", "deducted": ""}


class ActualCopied(Rule):
    code, severity, area = "actual-copied", "warning", "绩效指标"
    title = "实际完成值照抄"
    template = "「{label}」与{source}相同"
    fix = "请写明实际完成的情况，不要照抄{source}"


class ValuePlaceholder(Rule):
    code, severity, area = "value-placeholder", "error", "绩效指标"
    title = "填写了占位符"
    template = "「{label}」填写的“{raw}”是占位符，不是{what}"
    fix = "请写明{what}，不要用“—”“/”“无”等代替；该指标确实不适用时，请删除该行并调整分值"


class ValueGarbled(Rule):
    code, severity, area = "value-garbled", "error", "绩效指标"
    title = "数字中夹有字母或杂字"
    template = "「{label}」“{raw}”像数字却夹有字母或杂字（可能是扫描识别错误），无法读取"
    fix = "请改成正确的数字和单位，例如“230人”“100%”"


class TargetImplausible(Rule):
    code, severity, area = "target-implausible", "warning", "绩效指标"
    title = "比率超过 100%"
    template = "「{label}」“{raw}”超过 100%，而“{name}”是比率（不会超过 100%），不据此计算得分（复核得分按自评计）"
    fix = "请核对是否印错或多写了一位（例如“≥90%”印成了“290%”），改为正确的百分比"


class ActualNotStated(Rule):
    code, severity, area = "actual-not-stated", "warning", "绩效指标"
    title = "实际完成值未写明数量或时间"
    template = "「{label}」“{raw}”没有写明{what}，无法与年度指标值“{target}”比较，得分按自评计"
    fix = "请写明实际完成的{what}，例如“{example}”"


class IndicatorInapplicable(Rule):
    code, severity, area = "indicator-inapplicable", "warning", "绩效指标"
    title = "指标按不适用处理"
    template = "「{label}」为“{raw}”，该指标（分值 {weight}）不计分，其余得分按 {total}/{rest} 折算"
    fix = "如该指标适用，请填写年度指标值和实际完成值"


class UnitMismatch(Rule):
    code, severity, area = "unit-mismatch", "error", "绩效指标"
    title = "单位不一致"
    template = "「{label}」单位“{actual_unit}”与年度指标值单位“{target_unit}”不一致，无法计算得分"
    fix = "请使用与年度指标值相同的单位"


class SatisfactionNotQuantified(Rule):
    code, severity, area = "satisfaction-not-quantified", "warning", "绩效指标"
    title = "满意度未量化"
    template = "「{label}」“{raw}”不是百分比"
    fix = "满意度指标值应量化，例如“≥90%”"


class TotalMismatch(Rule):
    code, severity, area = "total-mismatch", "error", "总分"
    title = "总分不等于各项得分之和"
    template = "「{label}」为 {total}，各项得分之和为 {sum}"
    fix = "总分应为预算执行得分与各指标得分之和"


class TotalReviewDiffers(Rule):
    code, severity, area = "total-review-differs", "error", "总分"
    title = "总分与复核总分不符"
    template = "「{label}」为 {total}，复核总分为 {review}，相差 {diff}{note}"
    fix = "请按各项的复核结果（见本表其他问题）核对得分后修改总分"
    defaults = {"note": ""}


class FieldNotLocated(Rule):
    code, severity, area = "field-not-located", "warning", "读取"
    title = "按栏目名称找不到该项"
    template = "{source}中找不到「{label}」{detail}，该项按未填写处理"
    defaults = {"detail": "这一栏"}
    fix = "请按自评表的栏目名称（如「{label}」）填写该栏，或改用 .xlsx 模板填报"


class FormatLegacy(Rule):
    code, severity, area = "format-legacy", "warning", "文件格式"
    title = "非 .xlsx 格式，模板保护无法核对"
    template = ("本文件是 {format}{renamed}：其中的数值已读取并按同样规则检查评分，但该格式不保存或本程序读不到"
                "{unseen}，无法核对模板是否被改动（只核对了表中固定文字）")
    fix = "请用 .xlsx 模板填报"
    defaults = {"renamed": ""}


# --- drift from the approved targets (绩效目标表, or a 1.2 form's own approved targets) ---------------

_KEEP_APPROVED = "批复的绩效目标不能在自评表中改动；如目标确经批准调整，请附调整文件并按调整后的批复填写"


class TargetLowered(Rule):
    code, severity, area = "target-lowered", "error", "批复目标"
    title = "指标值低于批复"
    template = "「{label}」为“{reported}”，比批复的“{approved}”{how}"
    fix = "请按批复的指标值“{approved}”填写。" + _KEEP_APPROVED


class TargetChanged(Rule):
    code, severity, area = "target-changed", "warning", "批复目标"
    title = "指标值与批复不同"
    template = "「{label}」为“{reported}”，批复的是“{approved}”{detail}"
    defaults = {"detail": ""}
    fix = "请按批复的“{approved}”填写，或说明改动的依据。" + _KEEP_APPROVED


class IndicatorRemoved(Rule):
    code, severity, area = "indicator-removed", "error", "批复目标"
    title = "批复的指标被删去"
    template = "批复的绩效指标“{indicator}”（{levels}，指标值“{approved}”）在表中没有{near}"
    defaults = {"near": ""}
    fix = "请把该指标按批复填回绩效指标表。" + _KEEP_APPROVED


class IndicatorAdded(Rule):
    code, severity, area = "indicator-added", "warning", "批复目标"
    title = "指标不在批复中"
    template = "「{label}」“{indicator}”（指标值“{reported}”）不在批复的绩效目标中{near}"
    defaults = {"near": ""}
    fix = "自评应按批复的指标逐条填写；新增指标请说明依据，改了名称的请改回批复的名称"


class WeightChanged(Rule):
    code, severity, area = "weight-changed", "warning", "批复目标"
    title = "分值与批复不同"
    template = "「{label}」为 {reported}，批复的分值为 {approved}"
    fix = "请按批复的分值 {approved} 填写。" + _KEEP_APPROVED


class BudgetDiffers(Rule):
    code, severity, area = "budget-differs", "warning", "批复目标"
    title = "年初预算数与批复不同"
    template = "「{label}」为 {reported} 万元，批复的年初预算数为 {approved} 万元"
    fix = "年初预算数应为批复的金额 {approved} 万元（年中调整请填在全年预算数中）"


class ProjectNotInTargets(Rule):
    code, severity, area = "project-not-in-targets", "warning", "批复目标"
    title = "项目不在绩效目标表中"
    template = "项目“{project}”（实施单位“{unit}”）不在绩效目标表中{near}"
    defaults = {"near": ""}
    fix = "请核对项目名称、实施单位是否与批复一致（名称不同会无法对照批复的绩效目标）"

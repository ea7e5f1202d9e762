"""One verdict per workbook: identity, tamper check, form, scores and findings, whatever the door.

``xltools check``, ``export``, ``combine``, the xlwings add-in and the web page all call
:func:`judge` (a workbook) or :func:`judge_form` (a JSON form), so a workbook gets the same
findings at the same cells whichever way it comes in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from xltools.core import Evaluation, Finding, Form, Policy, evaluate, sheet_total
from xltools.core.scoring import formula_fields
from xltools.form.approved import embedded_targets
from xltools.form.book import BookView
from xltools.form.identify import Identity, identify
from xltools.form.layout import SHEET, Layout
from xltools.form.registry import current_layout, released_policy
from xltools.form.tamper import check_tamper, same_policy

if TYPE_CHECKING:
    from xltools.core.targets import TargetProject, Targets

__all__ = ["Verdict", "judge", "judge_form", "read_form", "as_shown"]


@dataclass(frozen=True)
class Verdict:
    """What one workbook (or JSON form) is, what it scores and what is wrong with it."""

    form: Form
    evaluation: Evaluation
    layout: Layout
    identity: Identity | None = None
    #: Tamper findings (the metadata's own problems first), placed at cells.
    tamper: tuple[Finding, ...] = ()
    #: The policy that scored it: the run's, else the template version's released policy.
    policy: Policy | None = None
    #: What the reader of the file found (``format-legacy`` for a format that cannot show protection …).
    reading: tuple[Finding, ...] = ()
    #: Drift from the approved targets (the run's 绩效目标表, or a prefilled form's own), placed at cells.
    drift: tuple[Finding, ...] = ()
    #: 自评总分: the 总分 cell's number (a formula's cached value), else what its formula computes (with the scoring
    #: policy); ``None`` when the cell shows no number (template 1.1 marks a non-number there). See :func:`as_shown`.
    self_total: float | None = None

    @property
    def findings(self) -> list[Finding]:
        """Every finding: tamper check, then the reader's, then the form's, then drift from the approved targets,
        each placed at its cell where it has one."""
        return [*self.tamper, *self.reading, *self.evaluation.findings, *self.drift]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def tampered(self) -> bool:
        return bool(self.tamper)

    @property
    def blank(self) -> bool:
        """An unfilled template: no header text, no amounts, no indicators (year and 分值 come preset)."""
        form = self.form
        header = (form.project_name, form.implementing_unit, form.department, form.project_lead)
        return all(value is None for value in header) and form.funds.total is None and not form.indicators


def read_form(book: BookView, identity: Identity) -> Form:
    """The form in ``book``, read with the layout of its own version."""
    sheet = book.sheet(SHEET)
    assert sheet is not None, "identify() guarantees the form sheet"
    return identity.layout.form_from_cells(sheet.value)


def _placed(evaluation: Evaluation, layout: Layout, origins: Mapping[str, str] | None = None) -> Evaluation:
    """Findings placed at their cells: where the field was read (``origins``) when given (a field without an
    origin gets no cell: the template's cells mean nothing to a form of another layout), else the layout's."""
    if not evaluation.findings:  # most forms: nothing to place, no copy
        return evaluation
    if origins:
        findings = [f.at_cell(f.cell or origins.get(f.field)) for f in evaluation.findings]
    else:
        findings = [f.at_cell(f.cell or layout.cell_of(f.field)) for f in evaluation.findings]
    return Evaluation(evaluation.form, evaluation.sheet, findings)


def _self_total(form: Form, marked: frozenset[str], policy: Policy) -> float | None:
    """:attr:`Verdict.self_total` of ``form`` (``marked``: its fields showing a non-number marker)."""
    total = form.total_score
    if isinstance(total, (int, float)) and not isinstance(total, bool):
        return float(total)
    if "total_score" in marked:
        return None
    return sheet_total(form, policy)


def as_shown(form: Form, layout: Layout, template: Policy, district: Policy) -> tuple[Form, float | None]:
    """The form as its workbook shows it once recalculated, and its :attr:`Verdict.self_total`.

    预算执行得分 and 总分 are formula cells: a workbook never recalculated (written by a program) leaves them blank,
    which is not the filler's omission; they are judged as the template's formulas (``template``: the policy the
    workbook carries, else the district's) show them; template 1.1 shows 非数字 there when an amount or score is
    text. The 总分 the formula computes is computed once: it is also the self total when the district scores with
    the template's policy (every field of the two equal)."""
    marked = layout.marked_formulas(form)
    update = formula_fields(form, template)
    if marked:
        update.update(layout.marked_values(form, template))
    shown = replace(form, **update) if update else form
    if form.total_score is None and "total_score" not in marked and same_policy(template, district):
        return shown, update["total_score"]  # type: ignore[return-value]
    return shown, _self_total(form, marked, district)


def _drift(form: Form, targets: Targets | None, policy: Policy, layout: Layout,
           own: TargetProject | None = None, origins: Mapping[str, str] | None = None) -> tuple[Finding, ...]:
    """Drift from the run's targets (matched by the form's own 项目代码 when it carries one), else from the
    targets a prefilled form carries; placed where ``origins`` says a field was read, else at the layout's cell."""
    if targets is None and own is None:
        return ()
    from xltools.core.drift import drift_findings, targets_findings  # only for forms with targets (it needs difflib)

    if targets is not None:
        found = targets_findings(form, targets, policy, code=own.code if own is not None else None)
    else:
        found = drift_findings(form, own, policy)
    where = origins or {}
    return tuple(f.at_cell(f.cell or where.get(f.field) or layout.cell_of(f.field)) for f in found)


def judge(book: BookView, policy: Policy | None = None, *, today: dt.date | None = None,
          identity: Identity | None = None, reading: tuple[Finding, ...] = (),
          targets: Targets | None = None) -> Verdict:
    """The verdict on a workbook, scored with the district's policy: ``policy`` (the run's, e.g.
    ``--policy``), else the released policy of the workbook's template version. The policy stored in
    the workbook never scores it; one that differs is a ``tamper-policy-changed`` finding. ``reading``
    are the findings of the reader that read the file (:mod:`xltools.io.seam`), kept with the verdict.
    With ``targets`` (a 绩效目标表) the form is also compared with its project's approved targets; without, a
    prefilled 1.2 form is compared with the approved targets it carries.

    Raises :class:`~xltools.form.identify.NotTemplate` (or ``UnknownVersion``) when it is not a
    form of ours.
    """
    identity = identity or identify(book)
    district = policy or released_policy(identity.version)
    own = embedded_targets(book, identity)
    tamper = [*check_tamper(book, identity, district, own.approved_cells), *own.problems]
    form = read_form(book, identity)
    layout = identity.layout
    shown, self_total = as_shown(form, layout, identity.policy or district, district)
    evaluation = evaluate(shown, district, today=today)
    return Verdict(form, _placed(evaluation, layout), layout, identity,
                   tuple(f.at_cell(f.cell or layout.cell_of(f.field)) for f in tamper) if tamper else (), district, reading,
                   _drift(form, targets, district, layout, own.project), self_total)


def judge_form(form: Form, policy: Policy | None = None, *, today: dt.date | None = None,
               reading: tuple[Finding, ...] = (), origins: Mapping[str, str] | None = None,
               targets: Targets | None = None) -> Verdict:
    """The verdict on a form read without a template layout (JSON, or a reader's ``Source.form``).

    Findings are placed where ``origins`` says each field was read (``表1 第12行 第5列``; a reader's form
    holds no empty indicator, so its indices stay those of its origins), else at the cells of the workbook ``xltools fill`` would write: that workbook has as many indicator rows as the
    form has indicators (at least the template's default) and leaves out empty indicators, so the form
    is judged as ``fill`` writes it. ``reading`` are the reader's findings, kept with the verdict.
    """
    rows = [ind for ind in form.indicators if not ind.is_empty()]
    if len(rows) != len(form.indicators):
        if origins:
            raise ValueError("a form with origins must hold no empty indicator: its origins would shift")
        form = replace(form, indicators=rows)
    layout = current_layout(max(len(rows), current_layout().rows))
    policy = policy or released_policy(layout.version)
    return Verdict(form, _placed(evaluate(form, policy, today=today), layout, origins), layout, policy=policy,
                   reading=reading, drift=_drift(form, targets, policy, layout, origins=origins),
                   self_total=_self_total(form, layout.marked_formulas(form), policy))

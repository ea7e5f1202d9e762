"""Two template versions side by side: each workbook is read with the layout of its own version."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from xltools.district.combine import combine
from xltools.excel.template import template_bytes
from xltools.form.identify import identify
from xltools.form.layout import Layout
from xltools.form.registry import layout_for, register, unregister
from xltools.io.fill import fill_template
from xltools.io.xlsxread import read_workbook

from .forms import seed_form


class SwappedColumns(Layout):
    """A deliberately different version: 年度指标值 and 实际完成值 trade columns, the table starts a row lower."""

    version = "9.0"
    indicator_columns = {**Layout.indicator_columns, "target": "F", "actual": "E"}
    first_row = 16

    @property
    def labels(self):  # type: ignore[override]
        swap = {"E14": "F14", "F14": "E14"}
        return tuple(replace(label, cell=swap.get(label.cell, label.cell)) for label in super().labels)


@pytest.fixture
def next_version():
    register(SwappedColumns)
    yield SwappedColumns
    unregister(SwappedColumns)


def test_both_versions_read_correctly_in_one_combine_run(next_version, tmp_path: Path) -> None:
    form = seed_form()
    old = tmp_path / "in" / "v1_0.xlsx"
    new = tmp_path / "in" / "v9_0.xlsx"
    old.parent.mkdir()
    fill_template(form, old, template_bytes(year=2020))
    other = replace(form, project_name=f"{form.project_name}（新版模板）")
    fill_template(other, new, template_bytes(year=2020, version="9.0"))

    new_layout = identify(read_workbook(new)).layout
    assert (new_layout.version, new_layout.rows) == ("9.0", 15)
    assert new_layout.indicator_cell(0, "target") == "F16" != layout_for("1.0", 15).indicator_cell(0, "target")
    cells = read_workbook(new).sheet("自评表")
    assert cells.value("F16") == form.indicators[0].target and cells.value("E16") == form.indicators[0].actual

    report = combine([tmp_path / "in"], tmp_path / "s.xlsx", jobs=1)
    by_name = {Path(r.path).name: r for r in report.files}
    assert {r.fate for r in report.files} == {"ok"}
    for name in ("v1_0.xlsx", "v9_0.xlsx"):
        project = by_name[name].project
        assert project is not None and project.review_total == 100 and project.grade == "优"
        rows = project.indicator_tuples()
        assert [(r[3], r[4]) for r in rows] == [(i.target, i.actual) for i in form.indicators]
        assert not any(f[2].startswith("tamper-") for f in by_name[name].findings)
    old_cells = {f[1] for f in by_name["v1_0.xlsx"].findings}
    new_cells = {f[1] for f in by_name["v9_0.xlsx"].findings}
    assert "F20" in old_cells and "E21" in new_cells  # the same actual-copied finding, at each version's cell


def test_a_workbook_of_an_unknown_version_is_its_own_fate(tmp_path: Path) -> None:
    register(SwappedColumns)
    try:
        path = tmp_path / "in" / "future.xlsx"
        path.parent.mkdir()
        fill_template(seed_form(), path, template_bytes(year=2020, version="9.0"))
    finally:
        unregister(SwappedColumns)
    report = combine([tmp_path / "in"], tmp_path / "s.xlsx", jobs=1)
    (result,) = report.files
    assert result.fate == "unknown-version" and "9.0" in result.reason and "1.0" in result.reason
    assert report.exit_code == 2  # no project could be read

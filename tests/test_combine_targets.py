"""A run's approved targets (``combine --targets``) apply to that run only, also when it judges in its own process
(one job): a later judgement in the same process (the web page, the add-in, the next run) does not see them."""

from __future__ import annotations

from pathlib import Path

from xltools.core.targets import Targets
from xltools.district.combine import combine
from xltools.district.process import process_file
from xltools.excel.fill import fill_workbook

from .test_addin import TEMPLATES
from .test_drift import approved, with_indicator


def _drift(findings) -> list[str]:  # type: ignore[no-untyped-def]
    return [f[2] for f in findings if f[2].startswith("target-")]


def test_a_runs_targets_do_not_stay_with_the_process(tmp_path: Path) -> None:
    folder = tmp_path / "forms" / "朝外街道办事处"
    folder.mkdir(parents=True)
    form = fill_workbook(with_indicator(0, target="≥35个"), folder / "a.xlsx",  # approved: ≥40个
                         template=TEMPLATES / "朝阳区项目支出绩效自评表.xlsx")
    report = combine([tmp_path / "forms"], tmp_path / "汇总.xlsx", jobs=1, targets=Targets((approved(),)))
    assert _drift(report.files[0].findings) == ["target-lowered"]
    assert _drift(process_file((str(form), form.name)).findings) == []

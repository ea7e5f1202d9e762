"""The --expect list (应报送项目名单): read by the one header-table reader, its inputs and messages as before.

Accepted: the first sheet, a header row within the first 10 rows naming 实施单位 and 项目名称 in any order
(other columns ignored), one project per row, names compared normalised. Refused with a Chinese message
naming the file and what to do: no such header row, a file that is no workbook."""

from __future__ import annotations

import openpyxl
import pytest

from xltools.district.discover import CombineError
from xltools.district.review_options import read_expected

from .tablekit import table_book


def test_columns_in_any_order_other_columns_ignored_names_normalised(tmp_path):
    path = table_book(tmp_path / "名单.xlsx", [["序号", "项目名称", "主管部门", "实施单位", "备注"],
                                               [1, " 桶站改造（一期） ", "区城管委", "朝外街道办事处", "x"],
                                               [2, "路灯维修", "区城管委", "双井街道办事处", None],
                                               [3, 2024, None, "双井街道办事处", None]])
    assert read_expected(path) == [("朝外街道办事处", "桶站改造(一期)"), ("双井街道办事处", "路灯维修"),
                                   ("双井街道办事处", "2024")]


def test_a_header_below_a_title_and_blank_rows(tmp_path):
    rows = [["2024年度应报送项目名单"], [], ["实施单位", "项目名称"], ["朝外街道办事处", "绿化"], [], [None, None],
            ["双井街道办事处", "路灯维修"]]
    assert read_expected(table_book(tmp_path / "名单.xlsx", rows)) == [("朝外街道办事处", "绿化"), ("双井街道办事处", "路灯维修")]


def test_a_header_within_the_first_ten_rows_only(tmp_path):
    rows = [[f"说明第{i}行"] for i in range(1, 10)] + [["实施单位", "项目名称"], ["朝外街道办事处", "绿化"]]
    assert read_expected(table_book(tmp_path / "a.xlsx", rows)) == [("朝外街道办事处", "绿化")]  # row 10: read
    late = table_book(tmp_path / "b.xlsx", [["说明"], *rows])  # row 11: not searched
    with pytest.raises(CombineError) as info:
        read_expected(late)
    text = str(info.value)
    assert "b.xlsx" in text and "Sheet" in text and "实施单位" in text and "项目名称" in text and "10 行" in text


def test_both_columns_are_required(tmp_path):
    with pytest.raises(CombineError, match="项目名称"):
        read_expected(table_book(tmp_path / "a.xlsx", [["实施单位", "名称"], ["朝外街道办事处", "绿化"]]))
    with pytest.raises(CombineError, match="实施单位"):
        read_expected(table_book(tmp_path / "b.xlsx", [["单位", "名称"], ["朝外街道办事处", "绿化"]]))


def test_only_the_first_sheet_is_read(tmp_path):
    path = table_book(tmp_path / "名单.xlsx", [["实施单位", "项目名称"], ["朝外街道办事处", "绿化"]],
                      sheet="名单", cover=(None, [["封面"]]))
    with pytest.raises(CombineError, match="实施单位"):
        read_expected(path)


def test_a_file_that_is_no_workbook(tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(CombineError) as info:
        read_expected(path)
    text = str(info.value)
    assert "名单.xlsx" in text and "应报送项目名单" in text and "另存为 .xlsx" in text


def test_a_unit_merged_or_left_blank_below_is_the_row_above(tmp_path):
    rows = [["实施单位", "项目名称"], ["朝外街道办事处", "绿化"], [None, "路灯维修"], ["双井街道办事处", "桶站"], [None, "修路"]]
    path = table_book(tmp_path / "名单.xlsx", rows, merges=("A2:A3",))
    assert read_expected(path) == [("朝外街道办事处", "绿化"), ("朝外街道办事处", "路灯维修"), ("双井街道办事处", "桶站"),
                                   ("双井街道办事处", "修路")]


def test_a_bad_list_stops_combine_before_any_form_is_read(tmp_path, monkeypatch):
    from xltools.district import combine as module
    from xltools.district.combine import ReviewOptions, combine

    def no_discovery(*args, **kwargs):
        raise AssertionError("the forms were looked for before the --expect list was read")

    monkeypatch.setattr(module, "discover", no_discovery)
    forms = tmp_path / "forms"
    forms.mkdir()
    (forms / "a.xlsx").write_bytes(b"never read")
    bad = table_book(tmp_path / "名单.xlsx", [["单位", "名称"]])
    with pytest.raises(CombineError, match="名单.xlsx"):
        combine([forms], tmp_path / "汇总.xlsx", review=ReviewOptions(expect=bad))
    assert not (tmp_path / "汇总.xlsx").exists() and not (tmp_path / "xltools结果库.sqlite").exists()


def test_a_list_from_column_c_below_a_title_with_merged_units(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws["B1"] = "应报送项目名单"
    for ref, value in {"C3": "实施单位", "D3": "项目名称", "C4": "朝外街道办事处", "D4": "绿化", "D5": "路灯维修",
                       "C6": "双井街道办事处", "D6": "桶站"}.items():
        ws[ref] = value
    ws.merge_cells("C4:C5")
    book.save(tmp_path / "名单.xlsx")
    assert read_expected(tmp_path / "名单.xlsx") == [("朝外街道办事处", "绿化"), ("朝外街道办事处", "路灯维修"),
                                                   ("双井街道办事处", "桶站")]

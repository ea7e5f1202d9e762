"""One error path: every error a user can cause ends in a Chinese message naming the file, exit 2, no English."""

from __future__ import annotations

import errno
import json
import re
from pathlib import Path

import pytest

from xltools.cli import main
from xltools.core.errors import UserError, os_reason, validation_reasons
from xltools.core.model import field_titles
from xltools.core.policy import PolicyError
from xltools.district.discover import CombineError
from xltools.excel.template import TemplateError
from xltools.form.identify import NotTemplate, UnknownVersion
from xltools.io.engine import EngineError
from xltools.io.files import OutputExistsError
from xltools.io.fill import FillError
from xltools.io.forms import FormReadError
from xltools.io.xlsxread import WorkbookReadError

#: Words of English library or OS text that must never reach a user message.
ENGLISH = re.compile(r"Input should|Field required|errors\.pydantic|No such file|Permission denied|"
                     r"Is a directory|Errno|Traceback|ValidationError|Extra inputs|[A-Za-z]+Error")


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err


def test_every_error_class_a_user_can_fix_shares_one_base():
    for cls in (PolicyError, CombineError, TemplateError, NotTemplate, UnknownVersion, EngineError, FillError,
                OutputExistsError, FormReadError, WorkbookReadError):
        assert issubclass(cls, UserError), cls


def test_a_json_form_with_wrong_types_names_the_fields_in_chinese(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"project_name": ["a", "b"], "funds": {"total": {"executed": {"x": 1}}},
                               "indicators": [{"weight": [1]}], "colour": "red"}), encoding="utf-8")
    code, err = _cli(["check", str(bad)], capsys)
    assert code == 2 and str(bad) in err
    assert "「项目名称」" in err and "「项目资金（万元）·年度资金总额·全年执行数」" in err
    assert "「绩效指标·第1条·分值」" in err and "「colour」不认识这一项" in err
    assert not ENGLISH.search(err), err


def test_a_bad_policy_file_names_the_key(tmp_path, capsys):
    policy = tmp_path / "p.toml"
    # issue 27 made ``rounding`` a key: a wrong value is named with what it allows; a misspelt key is unknown
    policy.write_text('[policy]\ndecimals = "two"\nrounding = 1\nroundings = 1\n', encoding="utf-8")
    form = Path(__file__).parent / "fixtures" / "v1_0" / "clean.xlsx"
    code, err = _cli(["check", str(form), "--policy", str(policy)], capsys)
    assert code == 2 and str(policy) in err
    assert "decimals" in err and "应为整数" in err and "「roundings」不认识这一项" in err
    assert "「rounding」的值不在可选范围内" in err and '"half_up" 或 "down"' in err
    assert not ENGLISH.search(err), err
    policy.write_text("[policy\n", encoding="utf-8")
    code, err = _cli(["check", str(form), "--policy", str(policy)], capsys)
    assert code == 2 and "不是有效的 TOML" in err and not ENGLISH.search(err), err


@pytest.mark.parametrize("name", ["missing.xlsx", "missing.json"])
def test_a_missing_file_is_said_in_chinese(tmp_path, capsys, name):
    code, err = _cli(["check", str(tmp_path / name)], capsys)
    assert code == 2 and "找不到该文件" in err and name in err and not ENGLISH.search(err), err


def test_a_folder_named_like_a_workbook_is_said_in_chinese(tmp_path, capsys):
    folder = tmp_path / "form.xlsx"
    folder.mkdir()
    code, err = _cli(["check", str(folder)], capsys)
    assert code == 2 and "文件夹" in err and not ENGLISH.search(err), err
    code, err = _cli(["check", str(Path(__file__).parent / "fixtures" / "v1_0" / "clean.xlsx"),
                      "--policy", str(tmp_path)], capsys)
    assert code == 2 and "文件夹" in err and not ENGLISH.search(err), err


@pytest.mark.parametrize("number, words", [
    (errno.ENOENT, "找不到"), (errno.EACCES, "没有访问权限"), (errno.EISDIR, "文件夹"), (errno.ENOSPC, "磁盘空间已满"),
    (errno.EROFS, "只读"), (errno.EPERM, "不被允许"), (9999, "错误号 9999"),
])
def test_os_errors_are_translated(number, words):
    reason = os_reason(OSError(number, "English text from the system"))
    assert words in reason and "English" not in reason


def test_validation_reasons_use_titles_and_never_the_english_message():
    errors = [{"type": "float_parsing", "loc": ("funds", "total", "executed"), "msg": "Input should be a number"},
              {"type": "less_than_equal", "loc": ("decimals",), "msg": "x", "ctx": {"le": 6}},
              {"type": "something_new", "loc": ("indicators", 2, "score"), "msg": "English"}]
    text = validation_reasons(errors, field_titles())
    assert text == ("「项目资金（万元）·年度资金总额·全年执行数」应为数字；「decimals」不能大于 6；"
                    "「绩效指标·第3条·得分」格式不对")


def test_user_error_names_file_sheet_and_cell():
    exc = UserError("得分不能为负数，请改正", file="a.xlsx", sheet="自评表", cell="H21")
    assert str(exc) == "a.xlsx 工作表「自评表」单元格 H21：得分不能为负数，请改正"

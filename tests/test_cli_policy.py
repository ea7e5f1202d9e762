"""``xltools policy show [NAME]`` and ``--policy NAME|FILE`` (issue 11)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from xltools.cli import main
from xltools.core import Policy, policy_from_toml, profile
from xltools.core.validation import as_json

from .forms import clean_form


def test_policy_show_prints_the_default_and_each_profile(capsys):
    assert main(["policy", "show"]) == 0
    assert policy_from_toml(capsys.readouterr().out) == Policy()
    assert main(["policy", "show", "mof2020"]) == 0
    out = capsys.readouterr().out
    assert "mof2020" in out.splitlines()[0] and 'equal_rule = "positive"' in out
    assert policy_from_toml(out) == profile("mof2020")


def test_policy_show_of_a_file_is_the_file_on_its_profile(tmp_path, capsys):
    path = tmp_path / "district.toml"
    path.write_text('[policy]\nprofile = "mof2020"\nrate_decimals = 0\n', encoding="utf-8")
    assert main(["policy", "show", str(path)]) == 0
    shown = policy_from_toml(capsys.readouterr().out)
    assert shown.rate_decimals == 0 and shown.equal_rule == "positive"


@pytest.mark.parametrize(("text", "says"), [
    ("decimals = 0\n", "缺少 [policy] 表"),
    ("[policy]\nlow_execution_rate = 90\n", "「low_execution_rate」为 90"),
    ('[policy]\nqualitative_bands = { "好" = [0.8, 1.0], "部分达成" = [0.6, 0.8], "未达成" = [0.0, 0.6] }\n',
     "缺少评分需要的档次“达成”"),
])
def test_a_bad_policy_file_is_exit_2_with_a_chinese_message(tmp_path, capsys, text, says):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    form = tmp_path / "form.json"
    form.write_text(as_json(clean_form()), encoding="utf-8")
    assert main(["check", str(form), "--policy", str(path)]) == 2
    err = capsys.readouterr().err
    assert says in err and str(path) in err and "Traceback" not in err


def test_an_unknown_policy_name_is_exit_2(capsys):
    assert main(["policy", "show", "beijing"]) == 2
    assert "chaoyang、mof2020" in capsys.readouterr().err


def test_check_with_a_named_profile(tmp_path, capsys):
    # "=100人" against 110人: chaoyang scores the gap, 1 - 10/100 = 0.9 → 18 of 20; mof2020 scores it
    # like a positive target → 20
    form = clean_form()
    rows = [replace(ind) for ind in form.indicators]
    rows[0] = replace(rows[0], target="=100人", actual="110人", score=20)
    path = tmp_path / "form.json"
    path.write_text(as_json(replace(form, indicators=rows)), encoding="utf-8")
    main(["check", str(path), "--json", "--policy", "chaoyang"])
    assert json.loads(capsys.readouterr().out)["indicator_scores"][0] == 18
    assert main(["check", str(path), "--json", "--policy", "mof2020"]) == 0
    assert json.loads(capsys.readouterr().out)["indicator_scores"][0] == 20

"""Issue 18, commands and help: --version, argparse's frame in Chinese, help on every argument, exit codes in
``check --help``, 错误/警告 in ``rules``, and ``check FOLDER``."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from xltools.cli import COMMANDS, build_parser, main
from xltools.excel.fill import fill_workbook

from .forms import clean_form

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_FRAME = ("usage:", "options:", "optional arguments", "positional arguments", "show this help",
                 "error:", "the following arguments", "unrecognized arguments", "invalid choice", "invalid int")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xltools", *args], capture_output=True, text=True, cwd=ROOT)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_version() -> None:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"xltools {version}"


def test_help_frame_is_chinese_for_every_command() -> None:
    parser = build_parser()
    pages = {"xltools": parser.format_help(), **{name: p.format_help() for name, p in _subparsers(parser).items()}}
    assert set(pages) == {"xltools", *COMMANDS}
    for name, text in pages.items():
        assert text.startswith("用法：") and "选项" in text and "显示帮助并退出" in text, name
        assert not any(english in text for english in ENGLISH_FRAME), (name, text)
    assert argparse._("usage: ") == "usage: "  # the translation does not leak into other parsers in the process


def test_every_argument_has_a_chinese_help_text() -> None:
    parser = build_parser()
    for name, sub in {"xltools": parser, **_subparsers(parser)}.items():
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = [a.help for a in action._choices_actions]
                assert name != "xltools" or len(helps) == len(COMMANDS)  # a command may have actions of its own
                assert helps and all(h and CJK.search(h) for h in helps), name
                continue
            assert action.help and CJK.search(action.help), (name, action.dest)


def test_check_help_lists_the_exit_codes() -> None:
    text = run_cli("check", "--help").stdout
    assert "退出码" in text
    assert all(f"{code} =" in text for code in (0, 1, 2)), text


@pytest.mark.parametrize(("args", "message"), [
    (("check",), "缺少必需的参数：FILE"),
    (("combine", "in", "-o", "out.xlsx", "--jobs", "x"), "参数 --jobs：'x' 不是整数"),
    (("check", "--bogus", "x.json"), "无法识别的参数：--bogus"),
    (("nope",), "无效的选择：'nope'"),
])
def test_argument_errors_are_chinese(args: tuple[str, ...], message: str) -> None:
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert message in proc.stderr and "错误：" in proc.stderr and proc.stderr.startswith("用法：")
    assert not any(english in proc.stderr for english in ENGLISH_FRAME), proc.stderr


def test_rules_prints_the_severity_as_check_does(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    by_code = {line.split()[0]: line.split()[1] for line in lines[1:]}
    assert by_code["weights-sum"] == "错误" and by_code["weight-split"] == "警告"
    assert set(by_code.values()) == {"错误", "警告"}


def test_check_a_folder_checks_every_workbook_under_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "各街道报送"
    book = fill_workbook(clean_form(), root / "朝外" / "a.xlsx")
    other = fill_workbook(clean_form(total_score=1, implementing_unit="建外街道办事处"), root / "建外" / "b.xlsx")
    shutil.copy(book, root / "朝外" / "~$a.xlsx")  # Excel's lock file while someone has a.xlsx open
    (root / "说明.txt").write_text("请于 1 月底前报送", encoding="utf-8")
    assert main(["check", "--json", str(root)]) == 0  # b.xlsx: 总分 is a formula, the typed 1 never reaches it
    out = capsys.readouterr()
    results = [json.loads(line) for line in out.out.splitlines()]
    assert [r["file"] for r in results] == [str(root / "建外" / "b.xlsx"), str(root / "朝外" / "a.xlsx")]
    assert main(["check", "--json", str(book)]) == 0
    alone = json.loads(capsys.readouterr().out)
    assert {**alone, "file": None} == {**results[1], "file": None}  # the same verdict as on the file itself
    assert f"已跳过 {root / '朝外' / '~$a.xlsx'}：Excel 锁定文件" in out.err
    assert "说明.txt" in out.err
    assert other.exists()


def test_check_an_empty_folder_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "空").mkdir()
    assert main(["check", str(tmp_path / "空")]) == 2
    assert "没有可检查的工作簿" in capsys.readouterr().err

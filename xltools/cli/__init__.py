"""Command line: ``xltools <command>``, one module per command (argparse lives only here).

Each command module has ``register(sub)`` (the parser: no heavy imports) and ``run(args)``
(imports what the command uses, when it runs), so ``xltools rules`` never loads openpyxl,
XlsxWriter or xlwings. Every error a user can fix is a :class:`~xltools.core.errors.UserError`:
:func:`main` prints it in Chinese after “错误：” and exits 2; no traceback reaches a user.
"""

from __future__ import annotations

import argparse
import contextlib
import gettext
import importlib
import sys
from collections.abc import Iterator, Sequence

from xltools.core.errors import UserError

__all__ = ["main", "build_parser", "whole_number", "COMMANDS", "EXIT_OK", "EXIT_FINDINGS", "EXIT_UNREADABLE"]

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2

#: Command modules in the order ``xltools --help`` lists them.
COMMANDS = ("check", "schema", "rules", "policy", "template", "fill", "export", "combine", "demo", "serve",
            "doctor")


#: argparse's own texts (its gettext message ids) in Chinese: usage, section titles, help, errors.
ARGPARSE_ZH: dict[str, str] = {
    "usage: ": "用法：",
    "options": "选项",
    "optional arguments": "选项",  # Python 3.10
    "positional arguments": "位置参数",
    "show this help message and exit": "显示帮助并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择：%(value)r（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "无效的值：%(value)r",
    "expected one argument": "需要一个值",
    "expected at least one argument": "需要至少一个值",
    "expected at most one argument": "最多一个值",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是 %(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "参数 %s 必须有一个",
    "ignored explicit argument %r": "多余的值 %r",
    "unexpected option string: %s": "意外的选项：%s",
}


def _zh(message: str) -> str:
    return ARGPARSE_ZH.get(message, gettext.gettext(message))


@contextlib.contextmanager
def _chinese() -> Iterator[None]:
    """argparse's texts in Chinese while our parser builds, parses or formats help (not process-wide)."""
    saved = argparse._  # type: ignore[attr-defined]
    argparse._ = _zh  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = saved  # type: ignore[attr-defined]


class ChineseParser(argparse.ArgumentParser):
    """An ArgumentParser whose frame (用法, 选项, 显示帮助, error messages) is Chinese; subcommands too."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        with _chinese():
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def parse_args(self, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        with _chinese():
            return super().parse_args(*args, **kwargs)

    def parse_known_args(self, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        with _chinese():
            return super().parse_known_args(*args, **kwargs)

    def error(self, message: str):  # type: ignore[no-untyped-def, override]
        with _chinese():
            super().error(message)

    def format_usage(self) -> str:
        with _chinese():
            return super().format_usage()

    def format_help(self) -> str:
        with _chinese():
            return super().format_help()

    def add_argument_group(self, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        with _chinese():
            return super().add_argument_group(*args, **kwargs)


def whole_number(text: str) -> int:
    """An argparse ``type`` for a whole number, with a Chinese message."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} 不是整数") from None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("xltools-chaoyang")
    except PackageNotFoundError:  # running from a checkout that is not installed
        from xltools import __version__

        return __version__


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseParser(prog="xltools", description="朝阳区项目支出绩效自评表工具")
    parser.add_argument("--version", action="version", version=f"xltools {_version()}", help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令", title="命令",
                                help="各命令的用法：xltools 命令 --help")
    for name in COMMANDS:
        importlib.import_module(f"xltools.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except UserError as exc:  # what the user can fix: a Chinese message, no traceback
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_UNREADABLE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""Command line: ``xltools <command>``, one module per command (argparse lives only here).

Each command module has ``register(sub)`` (the parser: no heavy imports) and ``run(args)``
(imports what the command uses, when it runs), so ``xltools rules`` never loads openpyxl,
XlsxWriter or xlwings. Every error a user can fix is a :class:`~xltools.core.errors.UserError`:
:func:`main` prints it in Chinese after “错误：” and exits 2; no traceback reaches a user.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from xltools.core.errors import UserError

__all__ = ["main", "build_parser", "COMMANDS", "EXIT_OK", "EXIT_FINDINGS", "EXIT_UNREADABLE"]

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2

#: Command modules in the order ``xltools --help`` lists them.
COMMANDS = ("check", "schema", "rules", "template", "fill", "export", "combine", "demo", "serve")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xltools", description="朝阳区项目支出绩效自评表工具")
    sub = parser.add_subparsers(dest="command", required=True)
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

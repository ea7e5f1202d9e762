"""``xltools doctor``: what is installed on this PC for the Excel button, and what is missing.

Exit 0 when nothing needs doing (on Linux and macOS the Windows-only checks are reported as not
applicable), 1 when something is missing or needs attention.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="检查本机的安装情况（Python、xltools、xlwings 与 Excel 加载项）")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from xltools.cli import EXIT_FINDINGS, EXIT_OK
    from xltools.excel.doctor import diagnose, render

    checks = diagnose()
    print(render(checks))
    return EXIT_FINDINGS if any(c.status in ("missing", "warning") for c in checks) else EXIT_OK

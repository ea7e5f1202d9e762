"""Command line: ``xltools <command>``, one module per command (argparse lives only here).

Each command module has ``register(sub)`` (the parser: no heavy imports) and ``run(args)``
(imports what the command uses, when it runs), so ``xltools rules`` never loads openpyxl,
XlsxWriter or xlwings. Every error a user can fix is a :class:`~xltools.core.errors.UserError`:
:func:`main` prints it in Chinese after “错误：” and exits 2; no traceback reaches a user (a bug of
ours is a Chinese message and exit 3; ``--debug`` prints the traceback). Ctrl-C exits 130 and
SIGTERM 143, quietly (workers stopped, temporary files removed); a closed pipe (``| head``) ends
quietly with 141.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Sequence

from xltools.core.errors import UserError

__all__ = ["main", "build_parser", "COMMANDS", "EXIT_OK", "EXIT_FINDINGS", "EXIT_UNREADABLE"]

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2
#: A bug of ours (not the user's input); Ctrl-C; the reader of our output went away; SIGTERM.
EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE, EXIT_TERMINATED = 3, 130, 141, 143

#: Command modules in the order ``xltools --help`` lists them.
COMMANDS = ("check", "schema", "rules", "template", "fill", "export", "combine", "demo")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xltools", description="朝阳区项目支出绩效自评表工具")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"xltools.cli.{name}").register(sub)
    for command in sub.choices.values():
        command.add_argument("--debug", action="store_true", help="出错时打印详细的调用栈（供开发人员排查）")
    return parser


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that every ``finally`` (temporary files, workers) runs."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = getattr(args, "debug", False)
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 is printed with escapes
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main else None
    try:
        code = int(args.run(args))
        sys.stdout.flush()
        return code
    except UserError as exc:  # what the user can fix: a Chinese message, no traceback
        if debug:
            traceback.print_exc()
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except KeyboardInterrupt:
        print("\n已中断。", file=sys.stderr)
        return EXIT_INTERRUPTED
    except _Terminated:
        return EXIT_TERMINATED
    except BrokenPipeError:  # `xltools check … | head`: the reader is gone; say nothing more
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception:  # noqa: BLE001 - a bug of ours: a Chinese message, the traceback only with --debug
        if debug:
            traceback.print_exc()
        print("错误：程序内部错误（不是您的文件或操作的问题）。请加 --debug 重新运行，把显示的详细信息发给开发人员。",
              file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _silence_stdout() -> None:
    """Point stdout at the null device, so the interpreter's last flush finds no closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass  # no real stdout to redirect (a test's captured stream): nothing will be flushed to a pipe


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

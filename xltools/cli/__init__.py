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
import atexit
import contextlib
import gc
import gettext
import importlib
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence

from xltools.core.errors import UserError

# The command line uses no pydantic plugin: pydantic (imported only for JSON forms, policy files and JSON
# output, xltools.core.validation) would otherwise scan every installed package's entry points for one
# when it builds its first model (~4 ms of every command's start; documented
# setting, https://docs.pydantic.dev/latest/concepts/plugins/). A value already set is kept.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

__all__ = ["main", "entry", "build_parser", "whole_number", "COMMANDS", "EXIT_OK", "EXIT_FINDINGS", "EXIT_UNREADABLE"]

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2
#: A bug of ours (not the user's input); Ctrl-C; the reader of our output went away; SIGTERM.
EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE, EXIT_TERMINATED = 3, 130, 141, 143

#: Command modules in the order ``xltools --help`` lists them.
COMMANDS = ("check", "schema", "rules", "policy", "template", "fill", "export", "convert", "combine", "demo",
            "serve", "doctor", "targets", "report", "publish", "review")


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


class _VersionAction(argparse.Action):
    """``--version``: the installed version, looked up only when asked for (reading the package metadata
    costs a few milliseconds every command would pay otherwise)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest, default=argparse.SUPPRESS, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: object, values: object,
                 option_string: str | None = None) -> None:
        print(f"xltools {_version()}")
        parser.exit()


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of the command ``only`` alone (what :func:`main` builds when the
    first argument names a command: its help, errors and usage are the same, and the other commands'
    modules are not imported)."""
    parser = ChineseParser(prog="xltools", description="朝阳区项目支出绩效自评表工具")
    parser.add_argument("--version", action=_VersionAction, help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令", title="命令",
                                help="各命令的用法：xltools 命令 --help")
    for name in COMMANDS if only is None else (only,):
        importlib.import_module(f"xltools.cli.{name}").register(sub)
    for command in sub.choices.values():
        command.add_argument("--debug", action="store_true", help="出错时打印详细的调用栈（供开发人员排查）")
    return parser


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that every ``finally`` (temporary files, workers) runs."""


#: the process that installed :func:`_on_sigterm` (a process forked from it inherits the handler)
_sigterm_owner = 0


def _on_sigterm(signum: int, frame: object) -> None:
    if os.getpid() != _sigterm_owner:  # a child forked before it set its own handler: end as SIGTERM's default
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    raise _Terminated


def _install_sigterm() -> object:
    """Handle SIGTERM in this process by :class:`_Terminated`; returns the handler it replaces."""
    global _sigterm_owner
    _sigterm_owner = os.getpid()
    return signal.signal(signal.SIGTERM, _on_sigterm)


def entry() -> None:
    """The ``xltools`` program: :func:`main`, and after Ctrl-C or SIGTERM an immediate exit (the workers
    are stopped and the temporary files removed already; nothing waits on a worker pool's threads)."""
    code = main()
    if code in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        _quiet_exit(code)
    if _brief_run:
        _exit_at_once(code)
    sys.exit(code)


def _exit_at_once(code: int) -> None:
    """End a brief command's process (``check``) once its output is flushed, without the interpreter's
    teardown: a last garbage collection over every object the start-up made and every module torn down one
    by one, ~8 % of a first check's instructions, for nothing — provided nothing is left that the teardown
    would do. That is: no other thread, no exit handler registered (``atexit``: multiprocessing, temporary
    directories, weakref finalizers register one) and both streams flushed; otherwise the process ends as
    usual. The command itself wrote its files completely (xltools.io.files) before it returned."""
    count = getattr(atexit, "_ncallbacks", None)  # CPython's count (tests/test_cli_exit.py checks it counts)
    if count is None or count() or threading.active_count() != 1:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return  # the interpreter's own exit says what went wrong, as before
    os._exit(code)


def _quiet_exit(code: int) -> None:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        devnull = os.open(os.devnull, os.O_WRONLY)  # late noise of a stopped pool's threads goes nowhere
        os.dup2(devnull, sys.stderr.fileno())
    except (OSError, ValueError):
        pass
    os._exit(code)


#: Whether :func:`main` switched the cyclic garbage collector off for the command's start-up.
_gc_paused = False
#: Whether the last command :func:`main` ran is brief (its parser sets ``brief``: ``check``).
_brief_run = False


def startup_over() -> None:
    """The command's start-up is over: the cyclic garbage collector runs again if :func:`main` switched it off.

    Start-up (importing the core and the reader, compiling their regular expressions, the first
    form's caches) makes some hundred thousand objects that live as long as the process; the collector
    would walk them again and again while they are made (~3 % of a first check's instructions) and find
    nothing to free. ``main`` switches it off before the parser is built and on again before a command runs,
    or, for a command whose parser sets ``brief`` (``check``), when the command says its first
    form is done; and in any case when the command returns."""
    global _gc_paused
    if _gc_paused:
        _gc_paused = False
        gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    global _gc_paused, _brief_run
    _brief_run = False
    if gc.isenabled():
        gc.disable()
        _gc_paused = True
    try:
        return _main(argv)
    finally:
        startup_over()


def _print_traceback() -> None:
    import traceback  # only with --debug: not every command's start pays for it

    traceback.print_exc()


def _main(argv: Sequence[str] | None) -> int:
    first = (sys.argv[1:] if argv is None else list(argv))[:1]
    try:
        parser = build_parser(first[0] if first and first[0] in COMMANDS else None)
    except KeyboardInterrupt:  # Ctrl-C while the commands load
        return EXIT_INTERRUPTED
    args = parser.parse_args(argv)
    debug = getattr(args, "debug", False)
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 is printed with escapes
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    in_main = threading.current_thread() is threading.main_thread()
    previous = _install_sigterm() if in_main else None
    global _brief_run
    _brief_run = getattr(args, "brief", False)
    if not _brief_run:
        startup_over()
    try:
        code = int(args.run(args))
        sys.stdout.flush()
        return code
    except UserError as exc:  # what the user can fix: a Chinese message, no traceback
        if debug:
            _print_traceback()
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
            _print_traceback()
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

"""A brief command's start and end: no cyclic GC until its first form, and no interpreter teardown after it.

``xltools check`` switches the garbage collector off while it imports and checks its first form, and ends
its process with ``os._exit`` once its output is flushed when nothing is left for the interpreter's teardown
to do (no other thread, no exit handler). These tests make each condition fail on purpose.
"""

from __future__ import annotations

import atexit
import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from xltools.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "v1_0"
CLEAN = FIXTURES / "clean.xlsx"

#: Runs the command line as the ``xltools`` program does (``entry``), with an object whose finaliser
#: prints ``teardown`` on stderr when the interpreter tears its module down at a normal exit.
_PROGRAM = """
import sys
import xltools.cli

class _Probe:
    def __del__(self):
        sys.stderr.write("teardown\\n")

xltools.cli._probe = _Probe()
{setup}
sys.argv = ["xltools", *{argv!r}]
try:
    xltools.cli.entry()
finally:  # reached only when entry() ends the usual way (sys.exit), never after os._exit
    {after}
"""


def _program(argv: list[str], setup: str = "", after: str = "pass") -> subprocess.CompletedProcess[str]:
    code = _PROGRAM.format(setup=setup, argv=argv, after=after)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8",
                          timeout=120, cwd=ROOT)


def test_atexit_counts_its_callbacks():
    # the quick exit relies on CPython's count of exit handlers: it must see one being registered
    before = atexit._ncallbacks()

    def handler() -> None:
        pass

    atexit.register(handler)
    try:
        assert atexit._ncallbacks() == before + 1
    finally:
        atexit.unregister(handler)  # (3.11 still counts its emptied slot: the quick exit is then skipped)


def test_check_ends_without_teardown_and_keeps_its_output_and_exit_code():
    forms = sorted(str(p) for p in FIXTURES.glob("*.xlsx"))
    done = _program(["check", "--json", *forms])
    assert "teardown" not in done.stderr
    lines = done.stdout.splitlines()
    assert [json.loads(line)["file"] for line in lines] == forms  # every line flushed, in order
    expected = 1 if any(json.loads(line).get("findings") and any(f["severity"] == "error" for f in
                        json.loads(line)["findings"]) for line in lines) else 0
    assert done.returncode == expected
    assert "合计：检查文件" in done.stderr  # the totals line (stderr with --json) flushed too


def test_check_of_a_missing_file_still_exits_2_at_once():
    done = _program(["check", str(ROOT / "tests" / "no-such-form.xlsx")])
    assert done.returncode == 2 and "无法读取" in done.stderr and "teardown" not in done.stderr


def test_an_exit_handler_gets_the_usual_exit():
    done = _program(["check", str(CLEAN)], setup="import atexit\natexit.register(print, 'handler ran')")
    assert done.returncode == 0
    assert "handler ran" in done.stdout and "teardown" in done.stderr


def test_a_running_thread_gets_the_usual_exit():
    # the thread runs until the program's own exit path releases it: alive whatever the machine's speed
    setup = ("import threading\n"
             "release = threading.Event()\n"
             "threading.Thread(target=lambda: (release.wait(), print('thread done', flush=True))).start()")
    done = _program(["check", str(CLEAN)], setup=setup, after="release.set()")
    assert done.returncode == 0
    assert "thread done" in done.stdout and "teardown" in done.stderr


def test_other_commands_end_as_usual():
    done = _program(["rules"])
    assert done.returncode == 0 and "teardown" in done.stderr


def test_check_runs_without_gc_until_its_first_form_is_done(monkeypatch, capsys):
    import xltools.io.forms as forms

    seen: list[bool] = []
    judge = forms.judge_loaded

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return judge(*args, **kwargs)

    monkeypatch.setattr(forms, "judge_loaded", spy)
    assert gc.isenabled()
    assert main(["check", str(CLEAN), str(CLEAN), str(CLEAN)]) == 0
    assert seen == [False, True, True]
    assert gc.isenabled()


def test_other_commands_run_with_gc(monkeypatch, capsys):
    import xltools.cli.rules as rules

    seen: list[bool] = []
    run = rules.run
    monkeypatch.setattr(rules, "run", lambda args: seen.append(gc.isenabled()) or run(args))
    assert main(["rules"]) == 0
    assert seen == [True] and gc.isenabled()


@pytest.mark.parametrize("argv", [["check", str(CLEAN)], ["rules"], ["check"]])
def test_a_caller_that_switched_gc_off_keeps_it_off(argv, capsys):
    gc.disable()
    try:
        try:
            main(argv)
        except SystemExit:  # ["check"] without a file: argparse's usage error
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()

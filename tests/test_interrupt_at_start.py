"""Ctrl-C while the ``xltools`` program is still loading its command line: 「已中断。」 and exit 130, no traceback.

The signal is a real SIGINT, sent by the process to itself at the moment Python starts importing
:mod:`xltools.cli` (a finder on ``sys.meta_path`` sends it), so the interrupt lands inside the import,
where a Ctrl-C in the first ~20 ms of a command lands. The same start through ``xltools.cli.entry``
directly shows the traceback the guard is there to stop (so the test can tell the two apart).
"""

from __future__ import annotations

import importlib.metadata
import signal
import subprocess
import sys
from pathlib import Path

import xltools.__main__
import xltools.cli

ROOT = Path(__file__).resolve().parent.parent

_START = """
import os, signal, sys
class Interrupt:
    def find_spec(self, name, path=None, target=None):
        if name == "xltools.cli":
            os.kill(os.getpid(), signal.SIGINT)  # Python raises KeyboardInterrupt inside this import
        return None
sys.meta_path.insert(0, Interrupt())
sys.argv = ["xltools", "rules"]
{start}
"""


def _as_from_a_terminal() -> None:
    """Ctrl-C's signal neither ignored nor blocked in the child, as a terminal starts a command (a pytest worker's
    ignored SIGINT would be inherited: see tests/test_reliability_output.py)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _run(start: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _START.format(start=start)], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, preexec_fn=_as_from_a_terminal)


def test_ctrl_c_while_the_command_line_loads_exits_130_quietly():
    proc = _run("from xltools.__main__ import main\nmain()")
    assert proc.returncode == 130, (proc.returncode, proc.stderr)
    assert proc.stderr == "\n已中断。\n"
    assert proc.stdout == ""


def test_without_the_guard_the_same_interrupt_shows_a_traceback():
    proc = _run("from xltools.cli import entry\nentry()")
    assert proc.returncode != 130
    assert "Traceback" in proc.stderr and "KeyboardInterrupt" in proc.stderr


def test_the_program_and_python_m_start_through_the_guard():
    (script,) = importlib.metadata.entry_points(group="console_scripts", name="xltools")
    assert script.value == "xltools.__main__:main"
    assert xltools.__main__.EXIT_INTERRUPTED == xltools.cli.EXIT_INTERRUPTED
    proc = subprocess.run([sys.executable, "-m", "xltools", "rules"], capture_output=True, text=True, timeout=60,
                          cwd=ROOT)
    assert (proc.returncode, proc.stderr) == (0, "") and proc.stdout.strip()

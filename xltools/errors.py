"""The one error class the command line reports to the user instead of a traceback."""

from __future__ import annotations

__all__ = ["UserError"]


class UserError(Exception):
    """A problem the user can fix (bad argument, unreadable input, output exists).

    Its message is Chinese and names the file (and sheet/cell where there is one);
    ``xltools`` prints it after “错误：” on stderr and exits with code 2.
    """

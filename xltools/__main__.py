"""``python -m xltools`` and the ``xltools`` program (its console script names :func:`main`).

The command line's own module (:mod:`xltools.cli`) turns Ctrl-C into 「已中断。」 and exit 130 once it is
loaded; loading it takes some tens of milliseconds, and a Ctrl-C in that time would stop Python in the
middle of an import with a traceback. :func:`main` gives that moment the same answer. (What is left is the
interpreter's own start, before any code of ours runs.)
"""

import sys

EXIT_INTERRUPTED = 130  # as xltools.cli's


def main() -> None:
    try:
        from xltools.cli import entry
    except KeyboardInterrupt:
        sys.stderr.write("\n已中断。\n")
        sys.exit(EXIT_INTERRUPTED)
    entry()


if __name__ == "__main__":
    main()

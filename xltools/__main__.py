"""``python -m xltools``: the command line."""

from xltools.cli import entry

entry()

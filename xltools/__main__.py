"""``python -m xltools``: the command line."""

import sys

from xltools.cli import main

sys.exit(main())

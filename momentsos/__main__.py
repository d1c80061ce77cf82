"""``python -m momentsos``: the command line of :mod:`momentsos.cli` (``solve``, ``show``, ``demo``).

Without arguments it runs the demo: three classic problems, each certified, exit status 0 when all
are. ``python -m momentsos --help`` lists the commands with examples.
"""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())

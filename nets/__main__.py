"""``python -m nets``: the command line of :mod:`nets.cli` (``fit``, ``show``, ``predict``).

``python -m nets fit --help`` explains the data, the network and the exit status, with examples.
"""

from __future__ import annotations

import sys

from nets.cli import main

if __name__ == "__main__":
    sys.exit(main())

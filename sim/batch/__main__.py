"""``python -m sim.batch``: the batch command line, which :mod:`sim.cli` parses like the others.

Only this entry point imports :mod:`sim.cli`; the modules of :mod:`sim.batch` never do.
"""

from __future__ import annotations

import sys

from sim.cli import batch_main

if __name__ == "__main__":
    sys.exit(batch_main())

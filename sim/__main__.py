"""``python -m sim`` is the ``ladera`` command."""

import sys

from sim.cli import main

sys.exit(main())

"""``python -m camerabench``: the same command line as ``camerabench`` and ``python -m camerabench.cli``."""

import sys

from camerabench.cli import main

sys.exit(main())

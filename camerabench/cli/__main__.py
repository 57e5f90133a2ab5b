"""``python -m camerabench.cli``."""

import sys

from camerabench.cli import main

sys.exit(main())

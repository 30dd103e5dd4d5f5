"""``python -m portfolio.cli``: the ``portfolio`` command without the installed script."""

import sys

from portfolio.cli import main

sys.exit(main())

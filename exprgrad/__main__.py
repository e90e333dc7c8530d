"""CLI layer: ``python -m exprgrad ...`` runs the same command as the ``exprgrad`` script."""

import sys

from .cli.entry import main

sys.exit(main())

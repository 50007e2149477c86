"""``python -m pipeline``: see ``pipeline.cli``."""

from .cli import main

raise SystemExit(main())

"""Entry point of `python -m eval`."""

from __future__ import annotations

from eval.cli import main

raise SystemExit(main())

"""Command line: `viva ...` (typer). Heavy modules are imported inside commands so
`viva --help` and `viva bank ...` start fast."""

from __future__ import annotations

import sys

from assistant.cli import answers, bank, demo, models, practice, voice  # noqa: F401  (registers the commands)
from assistant.cli import bank_edit, doctor  # noqa: F401  (your own questions; viva doctor)
from assistant.cli import db  # noqa: F401  (viva db check / recover)
from assistant.cli import mock, plan, progress, wiki  # noqa: F401  (the study plan's commands)
from assistant.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        sys.exit(130)

"""Command line: `viva ...` (typer). Heavy modules are imported inside commands so
`viva --help` and `viva bank ...` start fast."""

from __future__ import annotations

import sys

from assistant.cli.app import app


def main() -> None:
    # Importing registers the command groups on `app`.
    from assistant.cli import answers, bank, models  # noqa: F401

    try:
        app()
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        sys.exit(130)

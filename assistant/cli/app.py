"""The typer application and helpers shared by the command modules."""

from __future__ import annotations

import errno
import json
import sqlite3
import sys
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

from assistant.errors import ActionableError


class _VivaGroup(TyperGroup):
    """Every command, sub-commands included, runs inside this `invoke`: one place that turns a
    problem the user can fix (a bad config value, a read-only, damaged or full store) into its
    message and exit code 2 instead of a traceback."""

    def invoke(self, ctx):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except ActionableError as exc:
            _fail_with(exc)
        except (sqlite3.Error, OSError) as exc:
            # A storage error the store did not see (it names its own): SQLite's, or a full disk.
            # Not other OSErrors: an unreadable input file is not a read-only store.
            from assistant.store.errors import explain

            store_like = isinstance(exc, sqlite3.Error) or exc.errno in (errno.ENOSPC, errno.EDQUOT)
            explained = explain(exc) if store_like else None
            if explained is None:
                raise
            _fail_with(explained)


def _fail_with(exc: ActionableError) -> NoReturn:
    typer.secho(f"error: {exc.summary}", fg=typer.colors.RED, err=True)
    typer.echo(f"  fix: {exc.fix}", err=True)
    raise typer.Exit(2)


app = typer.Typer(
    name="viva",
    cls=_VivaGroup,
    help="Viva: practise answering ML interview questions out loud, offline.",
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def open_app(ctx: typer.Context) -> None:
    """With no command, open the terminal app (`viva --help` lists the commands)."""
    if ctx.invoked_subcommand is None:
        launch_app()


def launch_app(question_ids: list[str] | None = None) -> None:
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        fail("the app needs an interactive terminal; `viva --help` lists the scriptable commands")
    from assistant.ui.app import run_app

    run_app(question_ids)


def fail(message: str, code: int = 2) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def services(engine: str | None = None):  # -> Services, imported lazily
    from assistant.services import Services

    return Services(asr_engine=engine)


def stored_attempt(svc, attempt_id: int):  # -> (Attempt, Question)
    """A saved attempt and its question, or a clear error naming what is missing."""
    try:
        attempt = svc.store.get(attempt_id)
        return attempt, svc.bank.get(attempt.question_id)
    except KeyError as exc:
        fail(str(exc.args[0]))

"""`viva db check` and `viva db recover`: the attempts database when something went wrong."""

from __future__ import annotations

import typer

from assistant.cli.app import app, fail

db_app = typer.Typer(help="The attempts database: check it, recover a damaged one.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _paths():  # -> (database, recordings folder), from the settings alone (the store may not open)
    from assistant.config import load_settings

    settings = load_settings()
    return settings.database_path, settings.audio_dir


@db_app.command("check")
def check() -> None:
    """Say whether the database is healthy (read-only: nothing is written); exit 1 when damaged."""
    from assistant.store.recover import is_healthy

    database, _ = _paths()
    if not database.exists():
        typer.echo(f"no database yet at {database}; the first saved answer creates it")
        return
    if not is_healthy(database):
        fail(f"{database} is damaged; `viva db recover` keeps it aside and rebuilds it from what it still holds "
             "and from the recordings", code=1)
    typer.echo(f"{database} is healthy")


@db_app.command("recover")
def recover(
    force: bool = typer.Option(False, "--force", help="Rebuild even a healthy database (the old file is kept aside)."),
) -> None:
    """Rebuild a damaged database: keep the damaged file aside, salvage every row SQLite can read,
    and rebuild the attempts it lost from the recordings' JSON files. Close the app first."""
    from assistant.store.recover import is_healthy, recover_database

    database, audio_dir = _paths()
    if is_healthy(database) and not force:
        typer.echo(f"{database} is healthy: nothing to recover (--force rebuilds it anyway)")
        return
    try:
        result = recover_database(database, audio_dir)
    except OSError as exc:  # the folder is read-only, or the disk full: nothing was moved or lost
        from assistant.store.errors import explain

        explained = explain(exc, place=database.parent)
        fail(f"cannot rebuild {database}: {explained.summary if explained else exc}\n  fix: "
             f"{explained.fix if explained else 'check the permissions of ' + str(database.parent)}; "
             "then run `viva db recover` again")
    if result.damaged_copy is not None:
        typer.echo(f"The damaged database is kept as {result.damaged_copy}")
    typer.echo(f"Salvaged {result.salvaged} attempt(s) from it; rebuilt {result.rebuilt} from the recordings in "
               f"{audio_dir}; {result.ratings} review rating(s) kept.")
    typer.secho(f"{database} now holds {result.salvaged + result.rebuilt} attempt(s) and is healthy.", fg="green")
    if result.bad_sidecars:
        typer.secho(f"{len(result.bad_sidecars)} recording sidecar(s) could not be read and were left as they are, "
                    f"e.g. {result.bad_sidecars[0]}", fg="yellow")
    if result.lost_ids:
        shown = ", ".join(f"#{i}" for i in result.lost_ids[:10]) + (" …" if len(result.lost_ids) > 10 else "")
        typer.secho(f"{len(result.lost_ids)} attempt(s) could not be rebuilt ({shown}): their rows were unreadable "
                    "and they had no recording. `sqlite3 FILE .recover` on the damaged copy may still find them.",
                    fg="yellow")

"""`viva wiki ID` (your note for a question) and `viva export` (bank + notes + best scores)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from assistant.cli.app import app, fail, services


@app.command()
def wiki(
    question: str = typer.Argument(..., help="Question id (see `viva bank list`)."),
    print_path: bool = typer.Option(False, "--path", help="Only print the note's path."),
) -> None:
    """Open your note for a question in $EDITOR (created from a template, linked to your best attempt)."""
    from assistant.wiki import launch_editor, open_note

    svc = services()
    try:
        path = open_note(svc, question)
    except (KeyError, ValueError) as exc:
        fail(str(exc.args[0]))
    if print_path or not launch_editor(path):
        typer.echo(str(path))
        if not print_path:
            typer.secho("(Set $EDITOR to open notes directly.)", fg="yellow", err=True)


class Format(str, Enum):
    md = "md"
    json = "json"
    anki = "anki"


@app.command()
def export(
    fmt: Format = typer.Option(Format.md, "--format", "-f", help="md, json or anki (.apkg deck)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write here; default: stdout (md, json), viva.apkg (anki)."),
) -> None:
    """Export the question bank with your notes and best scores."""
    from assistant.export import build_export, to_json, to_markdown, write_anki
    from assistant.store.files import atomic_write_text

    data = build_export(services())
    if fmt is Format.anki:
        path = write_anki(data, out or Path("viva.apkg"))
        typer.echo(f"Wrote {len(data.questions)} cards to {path}", err=True)
        return
    text = to_json(data) if fmt is Format.json else to_markdown(data)
    if out is None:
        typer.echo(text, nl=False)
    else:
        atomic_write_text(out, text)
        typer.echo(f"Wrote {len(data.questions)} questions to {out}", err=True)

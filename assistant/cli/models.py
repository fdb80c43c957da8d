"""`viva models convert`: make the openai-whisper checkpoint from the bundled model."""

from __future__ import annotations

from pathlib import Path

import typer

from assistant.cli.app import app, fail, services

models_app = typer.Typer(help="Prepare and inspect models.", no_args_is_help=True)
app.add_typer(models_app, name="models")


@models_app.command("convert")
def convert(
    source: Path | None = typer.Option(None, "--from", help="CTranslate2 Whisper directory (default: bundled tiny.en)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Checkpoint path (default: the cache openai-whisper uses)."),
) -> None:
    """Convert a CTranslate2 Whisper model into an openai-whisper checkpoint (offline)."""
    from assistant.speech.asr.convert import convert_ctranslate2_to_openai
    from assistant.speech.asr.models import bundled_ctranslate2_dir, converted_checkpoint_path

    target = out or converted_checkpoint_path(services().settings.cache_dir)
    try:
        path = convert_ctranslate2_to_openai(source or bundled_ctranslate2_dir(), target)
    except (ValueError, FileNotFoundError, ImportError) as exc:
        fail(str(exc))
    typer.echo(f"wrote {path}")

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


@models_app.command("judge")
def judge(
    out: Path | None = typer.Option(None, "--out", "-o", help="Weights file (default: the bundled judge's, in the package)."),
) -> None:
    """Train the point judge from the built-in bank (CPU; minutes with bfloat16 units, longer without)."""
    import sys

    from assistant.judge_build import build_judge
    from assistant.scoring.judge import WEIGHTS_DIR, WEIGHTS_FILE

    target = out or WEIGHTS_DIR / WEIGHTS_FILE
    typer.echo(f"training the point judge from the question bank into {target}", err=True)
    last = -1

    def progress(done: float) -> None:
        nonlocal last
        if int(done * 100) != last:
            last = int(done * 100)
            print(f"\r  {last:3d}%", end="", file=sys.stderr, flush=True)

    try:
        path = build_judge(services().settings, target, progress=progress)
    except (OSError, ImportError) as exc:
        fail(f"could not train the judge: {exc}")
    print(file=sys.stderr)
    typer.echo(f"wrote {path}")

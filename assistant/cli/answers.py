"""`viva transcribe`, `viva score`, `viva grade`, `viva history`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from assistant.cli.app import app, fail, print_json, services, stored_attempt
from assistant.cli.report import print_attempt, print_critique, stream_token


class Engine(str, Enum):
    faster_whisper = "faster-whisper"
    openai_whisper = "openai-whisper"


def _question(svc, question_id: str | None):
    if question_id is None:
        return None
    try:
        return svc.bank.get(question_id)
    except KeyError as exc:
        fail(str(exc.args[0]))


@app.command()
def transcribe(
    audio: Path = typer.Argument(..., help="WAV, FLAC, OGG or MP3, any rate and channel count."),
    question: str | None = typer.Option(None, "--question", "-q", help="Prime recognition with this question's terms."),
    engine: Engine | None = typer.Option(None, "--engine", "-e", help="ASR engine (default from config)."),
    as_json: bool = typer.Option(False, "--json", help="Segments and words with timestamps as JSON."),
) -> None:
    """Transcribe an answer recording."""
    from assistant.audio.files import AudioError
    from assistant.practice import hear_file
    from assistant.store.serialize import to_data

    svc = services(engine.value if engine else None)
    q = _question(svc, question)
    try:
        heard = hear_file(svc, audio, q)
    except (AudioError, FileNotFoundError, ImportError) as exc:
        fail(str(exc))
    transcript = heard.transcript
    if heard.unheard is not None:
        typer.secho(f"note: {heard.unheard}", fg="yellow", err=True)
    if as_json:
        print_json(to_data(transcript))
    else:
        typer.echo(transcript.text or "(no speech recognised)")


@app.command()
def score(
    audio: Path = typer.Argument(..., help="The recorded answer."),
    question: str = typer.Option(..., "--question", "-q", help="Question id (see `viva bank list`)."),
    engine: Engine | None = typer.Option(None, "--engine", "-e", help="ASR engine (default from config)."),
    as_json: bool = typer.Option(False, "--json", help="Full result as JSON."),
    no_save: bool = typer.Option(False, "--no-save", help="Do not store the attempt."),
    critique: bool = typer.Option(False, "--critique", help="Add coaching and a follow-up from the local LLM."),
) -> None:
    """Transcribe and score an answer against the question's rubric; saves the attempt."""
    from assistant.audio.files import AudioError
    from assistant.practice import add_critique, require_rubric, score_recording
    from assistant.store.attempts import attempt_to_data
    from assistant.store.errors import MIN_FREE_BYTES, StoreError

    svc = services(engine.value if engine else None)
    q = _question(svc, question)
    try:
        # Everything that would refuse the answer is asked before the seconds of transcribing.
        require_rubric(q)
        if not no_save:
            # A read-only, damaged or too full store (the copy of the audio needs its size, and more).
            svc.store.ensure_writable(needed_bytes=_file_size(audio) + MIN_FREE_BYTES)
        attempt = score_recording(svc, audio, q, save=False)
    except (AudioError, FileNotFoundError, ImportError, ValueError) as exc:
        fail(str(exc))
    except StoreError as exc:
        fail(f"{exc.summary}\n  fix: {exc.fix}; or add --no-save to score without saving")
    not_saved = None
    if not no_save:
        attempt, not_saved = _save(svc, attempt, audio)
    if not as_json:
        print_attempt(attempt, q)
    if critique:
        attempt = add_critique(svc, attempt, q, on_token=None if as_json else stream_token,
                               save=not no_save and not_saved is None)
        if not as_json:
            print_critique(attempt.critique)
    if as_json:
        print_json(attempt_to_data(attempt))
    if not_saved is not None:
        fail(f"this result was NOT saved: {not_saved}\nYour recording {audio} is unchanged; once that is fixed, "
             "run the same `viva score` again to save it (or add --no-save).")


def _file_size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else 0  # a missing file is reported when it is read


def _save(svc, attempt, audio: Path):  # -> (Attempt, why it was not saved or None)
    """Store the attempt; when that fails, the unsaved attempt (to print) and the reason."""
    from dataclasses import replace

    try:
        # A copy: a save that fails half-way must not leave the printed result pointing at the store.
        return svc.store.save(replace(attempt), source_audio=audio), None
    except Exception as exc:  # whatever stops the save, the user keeps the result they waited for
        return attempt, str(exc) or type(exc).__name__


class LlmEngine(str, Enum):
    auto = "auto"
    llama_cpp = "llama-cpp"
    transformers = "transformers"
    openai = "openai"


@app.command("critique")
def critique_attempt(
    attempt_id: int = typer.Argument(..., help="Attempt id (see `viva history`)."),
    engine: LlmEngine | None = typer.Option(None, "--engine", help="Critique engine for this run (default from config)."),
    model: str | None = typer.Option(None, "--model", help="GGUF file, model directory, or server model name for this run."),
) -> None:
    """Write (or rewrite) the LLM critique of a saved attempt, and save it. With --engine or
    --model, compare another model on the same attempt: its critique replaces the saved one."""
    from assistant.practice import add_critique

    svc = services()
    if engine is not None or model is not None:
        on_server = (engine.value if engine else svc.settings.llm_engine) == "openai"  # there --model names a server model
        if model is not None and not on_server and not Path(model).expanduser().exists():
            fail(f"--model {model}: no such file or directory")
        svc.settings = svc.settings.model_copy(update={k: v for k, v in
                                                       {"llm_engine": engine.value if engine else None,
                                                        "llm_model": model}.items() if v is not None})
    attempt, q = stored_attempt(svc, attempt_id)
    svc.store.ensure_writable()  # before the minute of generating: a critique that cannot be saved is lost
    typer.secho(q.prompt, bold=True)
    attempt = add_critique(svc, attempt, q, on_token=stream_token, save=True)
    print_critique(attempt.critique)


@app.command()
def grade(
    file: Path = typer.Argument(..., help="CSV or JSONL with question, reference (or question_id) and answer."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write here (format from suffix) instead of stdout."),
    check: bool = typer.Option(False, "--check", help="Re-read every credited point with the LLM (point_check; "
                                                      "about a second per credited point instead of 30+ rows/s)."),
) -> None:
    """Grade written answers in bulk against reference answers or bank rubrics."""
    from assistant.cli.gradefile import GradeFileError, grade_file

    try:
        grade_file(services(), file, out, check=check)
    except GradeFileError as exc:
        fail(str(exc))


@app.command()
def history(
    question: str | None = typer.Option(None, "--question", "-q", help="Only attempts at this question."),
    limit: int = typer.Option(50, "--limit", "-n", help="How many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List saved attempts, newest first."""
    from dataclasses import asdict

    rows = services().store.list(question_id=question, limit=limit)
    if as_json:
        print_json([asdict(r) for r in rows])
        return
    if not rows:
        typer.echo("No attempts yet. Score one with `viva score AUDIO --question ID`.")
    for r in rows:
        score_text = f"{r.score:5.1f}" if r.graded else "  n/a"
        typer.echo(f"#{r.id:<5} {r.created_at}  {score_text}  {r.duration:6.1f}s  {r.question_id}")

"""`viva practice --no-ui` and `viva replay`: practise and review in a plain terminal."""

from __future__ import annotations

import random
import sys
import threading

import typer

from assistant.cli.app import app, fail, services, stored_attempt
from assistant.cli.report import print_attempt, print_critique, stream_token
from assistant.cli.voice import make_speaker, wait_for_enter


def _pick_questions(svc, question_ids: list[str], count: int) -> list:
    from assistant.practice import require_rubric

    if question_ids:
        try:
            chosen = [svc.bank.get(q) for q in question_ids]
            for q in chosen:
                require_rubric(q)  # refused before any question is asked or answer recorded
        except KeyError as exc:
            fail(str(exc.args[0]))
        except ValueError as exc:
            fail(str(exc))
        return chosen
    pool = [q for q in svc.bank.questions.values() if q.rubric is not None]
    if not pool:
        fail("the question bank is empty; `viva bank validate` shows why")
    return random.sample(pool, min(count, len(pool)))


def _ask(svc, question, quiet: bool) -> None:
    """Show the question and speak it; a missing voice is a notice, not an error."""
    from assistant.audio.devices import AudioDeviceError
    from assistant.speech.tts import TTSUnavailable

    typer.secho(f"\n{question.prompt}", bold=True)
    typer.echo(f"({question.id}, {question.time_limit}s. Answer after the question; press Enter to stop.)")
    if quiet:
        return
    try:
        speaker = make_speaker(svc)
        speaker.say(question.prompt, block=True)
        if speaker.error is not None:
            raise speaker.error
    except (TTSUnavailable, AudioDeviceError) as exc:
        typer.secho(f"(The question was not spoken: {exc})", fg="yellow", err=True)


@app.command()
def practice(
    no_ui: bool = typer.Option(False, "--no-ui", help="Plain terminal practice instead of the app (scriptable)."),
    question: list[str] = typer.Option(None, "--question", "-q", help="Question id(s); default: random."),
    count: int = typer.Option(1, "--count", "-n", help="How many random questions."),
    max_seconds: float | None = typer.Option(None, "--max-seconds", help="Stop each answer after this long."),
    device: str | None = typer.Option(None, "--device", "-d", help="Input device (see `viva devices`)."),
    quiet: bool = typer.Option(False, "--quiet", help="Don't speak the questions."),
    no_critique: bool = typer.Option(False, "--no-critique", help="Skip the LLM coaching (rubric result only)."),
    today: bool = typer.Option(False, "--today", help="Today's questions from the study plan not yet answered."),
) -> None:
    """Answer questions out loud: speak, record until Enter/silence/limit, transcribe live, score, save."""
    from assistant.audio.leftovers import describe_leftover, recover_record_leftovers
    from assistant.practice import in_progress_dir, recover_unsaved_attempts

    if not no_ui:
        from assistant.cli.app import launch_app

        launch_app(list(question or []) or None)
        return
    svc = services()
    if not no_critique:
        # Load the critique model and its fixed prompt while the first answer is being given.
        threading.Thread(target=lambda: svc.critic.warm_up(), name="viva-llm-warmup", daemon=True).start()
    for recovered in recover_unsaved_attempts(svc):
        typer.secho(f"Recovered an interrupted answer to {recovered.question_id} as attempt #{recovered.id}.", fg="yellow")
    for leftover in recover_record_leftovers(in_progress_dir(svc)):
        typer.secho(describe_leftover(leftover), fg="yellow")
    if today:
        from datetime import date

        from assistant.schedule.today import todays_questions

        question = [i.question_id for i in todays_questions(svc, date.today()) if not i.done]
        if not question:
            typer.secho("All of today's questions are answered (`viva today`).", fg="green")
            return
    for q in _pick_questions(svc, question or [], count):
        answer_one(svc, q, device=device, max_seconds=max_seconds, quiet=quiet, critique=not no_critique)


def answer_one(svc, q, *, device: str | None, max_seconds: float | None, quiet: bool, critique: bool,
               follow_up: str | None = None):  # -> Attempt
    """Ask one question (or one of its follow-ups), record, score, save, print; shared by `viva mock`."""
    from dataclasses import replace

    from assistant.audio.devices import AudioDeviceError
    from assistant.practice import AnswerSession, add_critique

    _ask(svc, replace(q, prompt=follow_up) if follow_up else q, quiet)
    extra = {"follow_up": follow_up} if follow_up else {}
    session = AnswerSession(svc, q, device=device, max_seconds=max_seconds, on_partial=_show_partial,
                            warm_critique=critique, **extra)
    try:
        session.start()
    except AudioDeviceError as exc:
        fail(str(exc))
    enter = wait_for_enter()
    threading.Thread(target=lambda: (enter.wait(), session.stop_requested.set()), daemon=True).start()
    typer.echo("● recording…", err=True)
    try:
        reason = session.wait()
    except KeyboardInterrupt:
        reason = "interrupted"
    typer.echo(f"\n■ stopped ({reason}); scoring…", err=True)
    attempt = session.finish()
    print_attempt(attempt, q)
    if critique:
        attempt = add_critique(svc, attempt, q, on_token=stream_token)
        print_critique(attempt.critique)
    return attempt


def _show_partial(text: str) -> None:
    sys.stderr.write(f"\r… {text[-110:]}")
    sys.stderr.flush()


@app.command()
def replay(
    attempt_id: int = typer.Argument(..., help="Attempt id (see `viva history`)."),
    no_audio: bool = typer.Option(False, "--no-audio", help="Only print the transcript and result."),
    device: str | None = typer.Option(None, "--device", "-d", help="Output device."),
) -> None:
    """Play a saved answer with its transcript, rubric evidence and delivery metrics (Ctrl-C stops)."""
    from assistant.audio.devices import AudioDeviceError
    from assistant.audio.files import AudioError
    from assistant.audio.playback import Player

    svc = services()
    attempt, q = stored_attempt(svc, attempt_id)
    print_attempt(attempt, q)
    if no_audio:
        return
    if attempt.audio_path is None or not attempt.audio_path.exists():
        fail(f"the recording of attempt #{attempt_id} is missing ({attempt.audio_path}); the transcript above is all that is left", code=1)
    player = Player(device or svc.settings.output_device)
    try:
        duration = player.play_file(attempt.audio_path, block=False)
        typer.echo(f"▶ playing {duration:.0f} s (Ctrl-C to stop)", err=True)
        _follow_along(player, attempt)
    except KeyboardInterrupt:
        player.stop()
        typer.echo("\n■ stopped", err=True)
    except (AudioError, AudioDeviceError) as exc:
        fail(f"cannot play attempt #{attempt_id}: {exc}", code=1)


def _follow_along(player, attempt) -> None:
    """Print each transcript segment as playback reaches it."""
    segments = list(attempt.transcript.segments)
    while player.playing or segments:
        while segments and segments[0].start <= player.position:
            typer.echo(f"  [{segments[0].start:5.1f}s] {segments.pop(0).text}")
        if not player.playing:
            break
        player.wait(0.1)

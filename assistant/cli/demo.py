"""`viva demo`: hear nothing, install nothing — see a scored answer on the bundled models.

A bundled voice speaks the question's model answer and a weak answer into WAV files, and
both go through the same path as a recorded answer (transcribe, score). Nothing is saved.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer

from assistant.cli.app import app, fail, services
from assistant.cli.report import print_attempt

WEAK_ANSWER = "I think it's about making the model bigger so it gets more accurate, and then you test it."


@app.command()
def demo(question: str = typer.Option("sl-bias-variance", "--question", "-q", help="Question to demonstrate.")) -> None:
    """Speak a strong and a weak answer with the bundled voice and score both (nothing saved)."""
    from assistant.practice import score_recording
    from assistant.speech.tts import PiperSynthesizer, TTSUnavailable, write_speech

    svc = services()
    try:
        q = svc.bank.get(question)
    except KeyError as exc:
        fail(str(exc.args[0]))
    voice = PiperSynthesizer()
    with tempfile.TemporaryDirectory() as tmp:
        for label, text in (("strong answer (the model answer)", q.model_answer), ("weak answer", WEAK_ANSWER)):
            typer.secho(f"\n=== {label} ===", bold=True)
            try:
                wav = write_speech(voice, text, Path(tmp) / "answer.wav")
            except TTSUnavailable as exc:
                fail(str(exc))
            print_attempt(score_recording(svc, wav, q, save=False), q)

"""`viva devices`, `viva say`, `viva record`: the audio side, usable on its own."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import typer

from assistant.cli.app import app, fail, print_json, services


@app.command()
def devices(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """List audio input and output devices (* marks the defaults)."""
    from dataclasses import asdict

    from assistant.audio.devices import AudioDeviceError, list_devices

    try:
        found = list_devices()
    except AudioDeviceError as exc:
        fail(str(exc))
    if as_json:
        print_json([asdict(d) for d in found])
        return
    if not found:
        typer.echo("No audio devices found. Is PulseAudio/PipeWire running? Is a microphone connected?")
    for d in found:
        mark = "*" if d.is_default_input or d.is_default_output else " "
        typer.echo(f"{mark}{d.index:>3}  in {d.max_input_channels:>2}  out {d.max_output_channels:>2}  "
                   f"{d.default_samplerate:>7.0f} Hz  {d.name} ({d.host_api})")


def make_speaker(svc, device: str | None = None):
    from assistant.audio.playback import Player
    from assistant.speech.tts import Speaker, make_synthesizer

    s = svc.settings
    return Speaker(make_synthesizer(s.tts_engine, s.tts_voice, s.tts_rate), Player(device or s.output_device))


@app.command()
def say(
    text: str | None = typer.Argument(None, help="What to say."),
    question: str | None = typer.Option(None, "--question", "-q", help="Say this question's prompt."),
    device: str | None = typer.Option(None, "--device", "-d", help="Output device (see `viva devices`)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the speech to this audio file instead."),
) -> None:
    """Speak text (or a question) with the configured voice."""
    from assistant.audio.devices import AudioDeviceError
    from assistant.speech.tts import TTSUnavailable, write_speech

    svc = services()
    if question:
        try:
            text = svc.bank.get(question).prompt
        except KeyError as exc:
            fail(str(exc.args[0]))
    if not text:
        fail("say what? Give TEXT or --question ID")
    try:
        speaker = make_speaker(svc, device)
        if out is not None:
            write_speech(speaker.synthesizer, text, out)
            typer.echo(f"wrote {out}")
            return
        speaker.say(text, block=True)
    except (TTSUnavailable, AudioDeviceError) as exc:
        fail(str(exc))
    if speaker.error is not None:
        fail(str(speaker.error))


@app.command()
def record(
    out: Path = typer.Argument(..., help="Audio file to write (.wav or .flac)."),
    seconds: float | None = typer.Option(None, "--seconds", "-s", help="Stop after this long (default: Enter or silence)."),
    device: str | None = typer.Option(None, "--device", "-d", help="Input device (see `viva devices`)."),
) -> None:
    """Record from the microphone into a file; stops on Enter, --seconds, trailing silence or Ctrl-C."""
    import shutil

    from assistant.audio.devices import AudioDeviceError
    from assistant.audio.leftovers import forget_recording, note_recording
    from assistant.audio.recorder import Recorder, RecordingInUse, release
    from assistant.audio.vad import SilenceDetector
    from assistant.practice import in_progress_dir

    svc = services()
    silence = SilenceDetector(svc.settings.trailing_silence)
    fmt = "wav" if out.suffix.lower() == ".wav" else "flac"
    recorder = Recorder(out.with_suffix(""), device=device or svc.settings.input_device, listeners=[silence],
                        audio_format=fmt)
    # Lets `viva practice` and the app find this run's audio if it is killed (see audio/leftovers.py).
    note = note_recording(in_progress_dir(svc), recorder.part_path)
    try:
        recorder.start()
    except RecordingInUse as exc:
        fail(str(exc))  # the note is the other run's too: it stays
    except AudioDeviceError as exc:
        forget_recording(note)
        _tell_leftover(recorder, out)
        fail(str(exc))
    _tell_leftover(recorder, out)
    stop = wait_for_enter()
    typer.echo("Recording… press Enter to stop.", err=True)
    try:
        while not stop.is_set() and not silence.triggered.is_set():
            if seconds is not None and recorder.elapsed >= seconds:
                break
            time.sleep(0.05)
    except KeyboardInterrupt:
        typer.echo("\nStopped (Ctrl-C); keeping what was recorded.", err=True)
    recording = recorder.stop()
    release(recording)
    if recording.path != out:
        shutil.move(recording.path, out)
    forget_recording(note)
    typer.echo(f"wrote {out} ({recording.duration:.1f} s at {recording.samplerate} Hz)")


def _tell_leftover(recorder, out: Path) -> None:
    leftover = recorder.leftover
    if leftover is None:
        return
    if leftover.duration is None:
        what = f"its raw audio could not be decoded and is kept as {leftover.path}"
    else:
        what = f"its {leftover.duration:.1f} s are saved as {leftover.path}"
    typer.secho(f"note: an earlier recording to {out} was interrupted; {what}. This recording starts empty.",
                fg="yellow", err=True)


def wait_for_enter() -> threading.Event:
    """An event set when a line arrives on stdin: Enter in a terminal, or a newline from a script.

    End of input (stdin closed, e.g. </dev/null in CI) never sets it.
    """
    import sys

    pressed = threading.Event()

    def read() -> None:
        try:
            if sys.stdin and sys.stdin.readline():
                pressed.set()
        except (OSError, ValueError):
            pass

    threading.Thread(target=read, daemon=True).start()
    return pressed

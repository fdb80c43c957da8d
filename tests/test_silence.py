"""Silent answers are "not graded", never graded 0/100: the level check refuses digital and near
silence before Whisper runs, and a repeated-token transcript over quiet audio is dropped."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from assistant.audio.level import SILENT_PEAK_DBFS, measure_loudness, silence_reason
from assistant.cli import answers, app
from assistant.speech.hallucination import is_repetition, made_up_reason
from tests.fakes import BagOfWordsEmbedder, FakeTranscriber, transcript_from_words
from tests.study_fakes import bundled_bank

RATE = 16000
QUESTION = "sl-gradient-descent"
HALLUCINATION = [("you", 0.0, 2.0), ("You", 2.0, 4.0), ("You", 4.0, 6.0), ("You", 6.0, 8.0), ("you", 8.0, 9.0)]


class NoASR:
    """A transcriber the level check must never reach."""

    engine = model_name = "must-not-run"

    def transcribe(self, audio, *, prompt=None):
        raise AssertionError("Whisper ran on a silent recording")


def make_services(transcriber):
    from assistant.config import Settings
    from assistant.services import Services

    svc = Services(settings=Settings(scorer="embedding"))
    svc.__dict__.update(bank=bundled_bank(), embedder=BagOfWordsEmbedder(), transcriber=transcriber)
    return svc


@pytest.fixture
def use_services(monkeypatch: pytest.MonkeyPatch):
    def install(transcriber):
        svc = make_services(transcriber)
        monkeypatch.setattr(answers, "services", lambda engine=None: svc)
        return svc

    return install


def write(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    sf.write(str(path), samples, rate, subtype="PCM_16")
    return path


def noise(seconds: float, dbfs: float, seed: int = 0) -> np.ndarray:
    rms = 10 ** (dbfs / 20)
    return (np.random.default_rng(seed).standard_normal(int(seconds * RATE)) * rms).astype(np.float32)


def tone(seconds: float, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_level_of_digital_silence_quiet_room_and_speech() -> None:
    zeros = measure_loudness(np.zeros(RATE * 2, dtype=np.float32))
    assert zeros.peak_dbfs == float("-inf") and zeros.voiced_seconds == 0 and zeros.duration == 2.0
    assert "digital silence" in silence_reason(zeros)
    hiss = measure_loudness(noise(3.0, -70))
    assert hiss.peak_dbfs < SILENT_PEAK_DBFS and "loudest moment is -" in silence_reason(hiss)
    room = measure_loudness(noise(3.0, -50))  # a live microphone in a quiet room: let Whisper listen
    assert silence_reason(room) is None and room.voiced_seconds == 0
    voice = measure_loudness(tone(3.0))
    assert silence_reason(voice) is None and voice.voiced_seconds == pytest.approx(3.0, abs=0.05)
    assert measure_loudness(np.zeros(10, dtype=np.float32)).duration == pytest.approx(10 / RATE)  # under one frame


def test_repeated_tokens_over_quiet_audio_are_made_up_but_real_words_are_not() -> None:
    assert is_repetition("you You You You") and is_repetition("Thank you. Thank you. Thank you.")
    assert not is_repetition("gradient descent steps downhill") and not is_repetition("you you")
    made_up = transcript_from_words(HALLUCINATION, duration=30.0)
    reason = made_up_reason(made_up, voiced_seconds=0.2)
    assert reason and "almost silent" in reason and '"you You You You …" (5 words)' in reason
    assert made_up_reason(made_up, voiced_seconds=20.0) is None  # someone really said it, loudly
    said = transcript_from_words([("gradient", 0, 1), ("descent", 1, 2), ("steps", 2, 3)], duration=30.0)
    assert made_up_reason(said, voiced_seconds=0.0) is None  # not a repetition: the quality check decides


@pytest.mark.parametrize("seconds", [1, 30, 600])
def test_silence_is_not_graded_and_whisper_never_runs(tmp_path: Path, use_services, seconds: int) -> None:
    use_services(NoASR())
    # FLAC keeps ten minutes of zeros tiny; the level check reads it in well under a second.
    audio = write(tmp_path / f"silence-{seconds}s.flac", np.zeros(seconds * RATE, dtype=np.float32))
    started = time.monotonic()
    result = CliRunner().invoke(app, ["score", str(audio), "-q", QUESTION, "--no-save"])
    assert result.exit_code == 0, result.output
    assert f"Not graded: the recording is silent (all {seconds:.1f} s are digital silence" in result.output
    assert "Score:" not in result.output and "(no speech recognised)" in result.output
    assert time.monotonic() - started < 10


def test_a_saved_silent_answer_is_an_ungraded_attempt_with_its_audio(tmp_path: Path, use_services) -> None:
    svc = use_services(NoASR())
    audio = write(tmp_path / "muted.wav", noise(30.0, -75))
    result = CliRunner().invoke(app, ["score", str(audio), "-q", QUESTION, "--json"])
    assert result.exit_code == 0, result.output
    saved = svc.store.get(svc.store.list()[0].id)
    assert not saved.score.graded and "the recording is silent" in saved.score.reason
    assert saved.audio_path.exists() and audio.exists()  # nothing lost: the store has a copy


def test_whisper_repeating_you_over_a_quiet_room_is_not_graded(tmp_path: Path, use_services) -> None:
    use_services(FakeTranscriber(transcript_from_words(HALLUCINATION, duration=30.0)))
    audio = write(tmp_path / "room.wav", noise(30.0, -50))  # above the silent line: Whisper runs
    result = CliRunner().invoke(app, ["score", str(audio), "-q", QUESTION, "--no-save"])
    assert result.exit_code == 0, result.output
    assert "Not graded: the recording is almost silent" in result.output and "Score:" not in result.output
    assert "Transcript: (no speech recognised)" in result.output  # the made-up words are not kept


def test_the_same_words_over_real_sound_are_graded(tmp_path: Path, use_services) -> None:
    use_services(FakeTranscriber(transcript_from_words(
        [("gradient", 0.2, 0.6), ("descent", 0.6, 1.0), ("steps", 1.0, 1.4), ("downhill.", 1.4, 2.0)], duration=3.0)))
    audio = write(tmp_path / "speech.wav", tone(3.0))
    result = CliRunner().invoke(app, ["score", str(audio), "-q", QUESTION, "--no-save"])
    assert result.exit_code == 0, result.output
    assert "Score:" in result.output and "Not graded" not in result.output


def test_transcribe_says_why_a_silent_file_has_no_text(tmp_path: Path, use_services) -> None:
    use_services(NoASR())
    audio = write(tmp_path / "silence.wav", np.zeros(RATE, dtype=np.float32))
    result = CliRunner().invoke(app, ["transcribe", str(audio)])
    assert result.exit_code == 0, result.output
    assert "(no speech recognised)" in result.stdout and "note: the recording is silent" in result.stderr


def test_a_live_answer_of_silence_with_made_up_words_is_not_graded() -> None:
    """The practice path streams, so it has no file to measure: the silence detector's voiced time counts."""
    from assistant.practice import AnswerSession

    svc = make_services(FakeTranscriber(transcript_from_words(HALLUCINATION, duration=30.0)))
    question = svc.bank.get(QUESTION)

    class Stream:
        def finish(self):
            return transcript_from_words(HALLUCINATION, duration=30.0)

    class Part:
        def stop(self):
            from assistant.audio.recorder import Recording

            path = svc.settings.audio_dir / "live.flac"
            path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(str(path), np.zeros(RATE, dtype=np.float32), RATE)
            return Recording(path, RATE, 1, 30.0, {})

    session = AnswerSession.__new__(AnswerSession)
    session.services, session.question, session.follow_up = svc, question, None
    session.recorder, session.stream = Part(), Stream()
    session.live_check, session._answer_over = None, threading.Event()  # no point check, no critique to prepare
    from assistant.audio.vad import SilenceDetector

    session.silence = SilenceDetector()  # heard nothing: 0 s of speech
    attempt = session.finish()
    assert not attempt.score.graded and "almost silent" in attempt.score.reason
    assert attempt.id is not None and attempt.audio_path.exists()
    with sqlite3.connect(svc.settings.database_path) as db:
        assert db.execute("SELECT graded FROM attempts").fetchall() == [(0,)]

"""Voice building blocks without devices or models: silence detection, streaming chunking,
hallucination filtering, crash recovery of part files, device errors, the speaker."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.audio import devices
from assistant.audio.recorder import PART_SUFFIX, recover_partial_recordings
from assistant.audio.vad import SilenceDetector
from assistant.domain import Segment, Word
from assistant.speech.asr.base import clean_segments
from assistant.speech.streaming import StreamingTranscriber
from assistant.speech.tts import Speaker
from tests.fakes import transcript_from_words

RATE = 16000


def tone(seconds: float, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def feed(listener, audio: np.ndarray, block: float = 0.1) -> None:
    size = int(RATE * block)
    for start in range(0, len(audio), size):
        listener(audio[start : start + size], RATE)


def test_silence_detector_waits_for_speech_then_trailing_silence() -> None:
    detector = SilenceDetector(trailing_silence=1.0)
    feed(detector, silence(3.0))
    assert not detector.triggered.is_set()  # thinking time before the first word is not "done"
    feed(detector, tone(2.0))
    feed(detector, silence(0.5))
    assert not detector.triggered.is_set()
    feed(detector, silence(0.7))
    assert detector.triggered.is_set()
    assert detector.first_speech_at == pytest.approx(3.0, abs=0.1)


class ChunkRecorder:
    engine = "fake"
    model_name = "fake"

    def __init__(self) -> None:
        self.calls: list[tuple[float, str | None]] = []

    def transcribe(self, audio: np.ndarray, *, prompt: str | None = None):
        self.calls.append((len(audio) / RATE, prompt))
        n = len(self.calls)
        return transcript_from_words([(f"chunk{n}", 0.1, 0.4), ("words.", 0.4, 0.8)], duration=len(audio) / RATE)


def test_streaming_cuts_at_pauses_offsets_times_and_skips_silent_chunks() -> None:
    asr = ChunkRecorder()
    partials: list[str] = []
    stream = StreamingTranscriber(asr, "Question prompt.", min_chunk=2.0, max_chunk=6.0, pause=0.3,
                                  on_partial=partials.append)
    feed(stream, np.concatenate([tone(2.5), silence(0.5), tone(3.0), silence(0.6), silence(3.0)]))
    transcript = stream.finish()
    # Cut once 0.3 s of pause is seen (at a 0.1 s block boundary); the silent tail is not transcribed.
    assert [round(d, 1) for d, _ in asr.calls] == [2.9, 3.4]
    assert asr.calls[0][1] == "Question prompt." and "chunk1 words." in asr.calls[1][1]  # context carries over
    # The second chunk opens in lower case, so the stop Whisper put at the cut becomes a comma.
    assert transcript.text == "chunk1 words, chunk2 words."
    assert transcript.words[2].start == pytest.approx(2.9 + 0.1, abs=0.01)  # second chunk shifted by its offset
    assert transcript.duration == pytest.approx(9.6, abs=0.01)
    assert partials[-1] == "chunk1 words, chunk2 words."


def test_streaming_splits_long_speech_at_the_maximum() -> None:
    asr = ChunkRecorder()
    stream = StreamingTranscriber(asr, None, min_chunk=2.0, max_chunk=4.0)
    feed(stream, tone(9.0))
    stream.finish()
    assert [round(d) for d, _ in asr.calls] == [4, 4, 1]


def test_hallucinated_segments_are_dropped() -> None:
    real = Segment("L2 shrinks the weights smoothly.", 0.0, 3.0, -0.3, 0.1)
    echo = Segment("What is the difference between L1 and L2", 3.0, 5.0, -0.4, 0.2)
    dense = Segment("so that's the difference between them all", 5.0, 5.4, -1.1, 0.6)
    kept = clean_segments([real, echo, dense], "Umm. What is the difference between L1 and L2 regularization?")
    assert kept == (real,)


def test_runs_of_dots_are_stripped_and_dot_only_segments_dropped() -> None:
    words = (Word("token.", 0.0, 0.4, 0.9), Word(".", 0.5, 0.6, 0.3), Word(".", 0.6, 0.7, 0.3))
    trailing = Segment("For one token. . . . . .", 0.0, 2.0, -0.3, 0.1, words)
    dots = Segment(" . . . . .", 2.0, 6.0, -0.5, 0.2)
    kept = clean_segments([trailing, dots, Segment("Wait... e.g. this.", 6.0, 7.0, -0.2, 0.1)], None)
    assert [s.text for s in kept] == ["For one token.", "Wait... e.g. this."]
    assert [w.text for w in kept[0].words] == ["token."]


class LoopingFastPass(ChunkRecorder):
    """A greedy pass that stalls on dots; its careful twin (with fallback) gets the words."""

    def __init__(self) -> None:
        super().__init__()
        self.careful_calls: list[str | None] = []

    def streaming_variant(self):
        fast = ChunkRecorder()
        fast.transcribe = lambda audio, prompt=None: transcript_from_words([], duration=len(audio) / RATE)
        return fast

    def transcribe(self, audio: np.ndarray, *, prompt: str | None = None):
        self.careful_calls.append(prompt)
        return transcript_from_words([("recovered", 0.1, 0.5), ("words.", 0.5, 0.9)], duration=len(audio) / RATE)


def test_a_chunk_with_speech_but_no_words_is_decoded_again_without_context() -> None:
    asr = LoopingFastPass()
    stream = StreamingTranscriber(asr, "Question prompt.", min_chunk=2.0, max_chunk=6.0)
    feed(stream, np.concatenate([tone(3.0), silence(0.5), tone(3.0), silence(0.5)]))
    assert stream.finish().text == "recovered words, recovered words."
    assert stream.redecoded == 2
    assert asr.careful_calls == ["Question prompt.", "Question prompt."]  # no running context


def write_part(directory: Path, name: str, seconds: float, torn: bool = False) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    pcm = (tone(seconds) * 32767).astype(np.int16).tobytes()
    part = directory / f"{name}{PART_SUFFIX}"
    part.write_bytes(pcm + (b"\x01" if torn else b""))
    (directory / f"{name}.part.json").write_text(json.dumps({"samplerate": RATE, "channels": 1, "question_id": "q1"}))
    return part


def test_part_files_left_by_a_crash_are_recovered(tmp_path: Path) -> None:
    write_part(tmp_path, "a", 2.0, torn=True)  # killed mid-write: half a sample at the end
    recovered = recover_partial_recordings(tmp_path)
    assert len(recovered) == 1 and recovered[0].metadata["question_id"] == "q1"
    assert recovered[0].duration == pytest.approx(2.0, abs=0.01)
    assert sf.info(str(recovered[0].path)).format == "FLAC"
    assert not list(tmp_path.glob(f"*{PART_SUFFIX}"))
    # Still unsaved (meta kept) until released: a second start finds it again rather than losing it.
    assert len(recover_partial_recordings(tmp_path)) == 1


def test_recovered_recording_becomes_a_saved_attempt(tmp_path: Path) -> None:
    from assistant.config import Settings
    from assistant.practice import in_progress_dir, recover_unsaved_attempts
    from assistant.services import Services
    from tests.fakes import BagOfWordsEmbedder, FakeTranscriber

    services = Services(settings=Settings(data_dir=tmp_path / "d", recordings_dir=tmp_path / "r"))
    services.__dict__["transcriber"] = FakeTranscriber(transcript_from_words([("gradient", 0.1, 0.5), ("steps.", 0.5, 0.9)]))
    services.__dict__["embedder"] = BagOfWordsEmbedder()
    write_part(in_progress_dir(services), "20261127T101010-sl-gradient-descent", 1.5)
    (in_progress_dir(services) / "20261127T101010-sl-gradient-descent.part.json").write_text(
        json.dumps({"samplerate": RATE, "channels": 1, "question_id": "sl-gradient-descent"}))
    attempts = recover_unsaved_attempts(services)
    assert len(attempts) == 1 and attempts[0].recovered and attempts[0].question_id == "sl-gradient-descent"
    assert services.store.get(attempts[0].id).recovered
    assert attempts[0].audio_path.exists() and not list(in_progress_dir(services).iterdir())
    assert recover_unsaved_attempts(services) == []


def test_database_from_schema_version_1_is_migrated(tmp_path: Path) -> None:
    from assistant.store import AttemptStore
    from assistant.store.attempts import SCHEMA_VERSION

    database = tmp_path / "viva.sqlite3"
    with sqlite3.connect(database) as db:
        db.executescript(
            "CREATE TABLE attempts (id INTEGER PRIMARY KEY AUTOINCREMENT, question_id TEXT NOT NULL, created_at TEXT NOT NULL,"
            " audio_path TEXT, duration REAL NOT NULL, transcript_text TEXT NOT NULL, score REAL NOT NULL, graded INTEGER NOT NULL,"
            " transcript_json TEXT NOT NULL, score_json TEXT NOT NULL, delivery_json TEXT, engines_json TEXT NOT NULL);"
            "PRAGMA user_version = 1;"
        )
    AttemptStore(database, tmp_path / "rec")
    with sqlite3.connect(database) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(attempts)")]
        assert {"recovered", "critique_json", "follow_up"} <= set(columns)
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_missing_portaudio_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(devices.AudioDeviceError, match="apt-get install libportaudio2"):
        devices.sounddevice()


def test_no_device_and_unknown_device_are_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    speaker_only = devices.DeviceInfo(3, "HDMI out", "ALSA", 0, 2, 48000, False, True)
    monkeypatch.setattr(devices, "list_devices", lambda: [speaker_only])
    with pytest.raises(devices.AudioDeviceError, match="no audio input device found. Connect a microphone"):
        devices.resolve_device(None, "input")
    with pytest.raises(devices.AudioDeviceError, match="no output device matches 'USB'. Available: 3: HDMI out"):
        devices.resolve_device("USB", "output")
    assert devices.resolve_device("hdmi", "output").index == 3


class FakeSynth:
    name = "fake"

    def synthesize_sentences(self, text: str):
        for sentence in text.split(". "):
            yield np.zeros(100, dtype=np.float32), RATE


class FakePlayer:
    def __init__(self) -> None:
        self.played = 0
        self.release = threading.Event()

    def play(self, samples, rate, block=True) -> None:
        self.played += 1
        self.release.wait(5)

    def stop(self) -> None:
        self.release.set()


def test_speaker_plays_sentence_by_sentence_and_stops_between_them() -> None:
    player = FakePlayer()
    speaker = Speaker(FakeSynth(), player)
    speaker.say("One. Two. Three")
    while player.played == 0:
        pass
    speaker.stop()
    speaker.wait(2)
    assert player.played == 1 and not speaker.speaking

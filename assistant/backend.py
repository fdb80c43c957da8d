"""What the terminal app needs from the core, behind one small interface.

The app talks only to a `Backend`: speak a question, record one answer (live level, elapsed
time, partial transcript), score and save it, stream a critique, play a recording, prepare
models. `LocalBackend` runs the real engines; tests hand the app a fake with the same
methods, so every screen is testable without audio devices or models.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Protocol

from assistant.domain import Attempt, Question
from assistant.services import Services

if TYPE_CHECKING:
    from assistant.audio.recorder import Leftover
    from assistant.schedule.progress import Progress
    from assistant.schedule.today import TodayItem

ProgressCallback = Callable[[str, float], None]  # (what is loading, fraction done 0..1)
TokenCallback = Callable[[str], None]
PartialCallback = Callable[[str], None]


class LiveAnswer(Protocol):
    """One answer being recorded. Audio goes to disk as it is spoken (see AnswerSession)."""

    @property
    def level(self) -> float: ...  # input RMS, 0..1

    @property
    def elapsed(self) -> float: ...  # seconds recorded

    max_seconds: float

    def request_stop(self) -> None: ...

    def wait(self) -> str: ...  # blocks until the answer ends: "key", "silence" or "time-limit"

    def finish(self) -> Attempt: ...  # stop, transcribe what is left, score, save


class SoundPlayer(Protocol):
    position: float

    @property
    def playing(self) -> bool: ...

    def stop(self) -> None: ...


class Backend(Protocol):
    services: Services

    def prepare_models(self, on_progress: ProgressCallback, stop: threading.Event | None = None) -> None: ...

    def recover(self) -> list[Attempt]: ...

    def recover_recordings(self) -> list[Leftover]: ...  # audio of killed `viva record` runs, each its own file

    def speak(self, text: str) -> str | None: ...  # None when speaking started, else why not

    def stop_speaking(self) -> None: ...

    def still_speaking(self, wait: float) -> bool: ...  # waits up to `wait` seconds for the voice to finish

    def begin_answer(self, question: Question, on_partial: PartialCallback, *,
                     follow_up: str | None = None, critique: bool = False) -> LiveAnswer: ...

    def critique(self, attempt: Attempt, question: Question, on_token: TokenCallback,
                 stop: threading.Event | None = None) -> Attempt: ...  # CritiqueCancelled when `stop` is set

    def play(self, attempt: Attempt) -> SoundPlayer: ...

    def todays_questions(self, today: date) -> list[TodayItem]: ...

    def progress(self, today: date) -> Progress: ...

    def test_microphone(self, device: str | None, seconds: float, on_level: Callable[[float], None], *,
                        play_back: bool = False) -> float: ...


class LocalBackend:
    """The real engines, each loaded lazily and once (Services caches them)."""

    def __init__(self, services: Services | None = None) -> None:
        self.services = services or Services()
        self._speaker = None
        self._lock = threading.Lock()

    def prepare_models(self, on_progress: ProgressCallback, stop: threading.Event | None = None) -> None:
        """Load every model now, so the first practice turn does not wait (call off the UI thread).
        `stop` ends it between steps and inside the critique model's prefix reading: the app sets it
        on quit, which would otherwise wait for that reading (seconds; over 20 s on a busy machine)."""
        import numpy as np

        svc = self.services
        steps: list[tuple[str, Callable[[], object]]] = [
            ("question bank", lambda: svc.bank),
            ("speech recognition", lambda: svc.transcriber.transcribe(np.zeros(16000, dtype=np.float32))),
            ("answer scoring", lambda: svc.embedder.encode(["warm up"])),
            ("question voice", self._load_voice),
            ("critique model", lambda: svc.critic.warm_up(stop=stop)),
        ]
        failed: list[str] = []
        for index, (name, load) in enumerate(steps):
            if stop is not None and stop.is_set():
                return
            on_progress(name, index / len(steps))
            try:
                load()
            except Exception as exc:  # one missing model must not keep the others from loading
                failed.append(f"{name}: {exc}")
        on_progress("ready" if not failed else f"ready, except {len(failed)}", 1.0)
        if failed:
            raise RuntimeError("some models could not be prepared (`viva doctor` says how to fix them): "
                               + "; ".join(failed))

    def _load_voice(self) -> None:
        speaker = self._get_speaker()
        load = getattr(speaker.synthesizer, "load", None)
        if load is not None:
            load()

    def _get_speaker(self):
        from assistant.audio.playback import Player
        from assistant.speech.tts import Speaker, make_synthesizer

        with self._lock:
            if self._speaker is None:
                s = self.services.settings
                self._speaker = Speaker(make_synthesizer(s.tts_engine, s.tts_voice, s.tts_rate), Player(s.output_device))
            return self._speaker

    def recover(self) -> list[Attempt]:
        from assistant.practice import recover_unsaved_attempts

        return recover_unsaved_attempts(self.services)

    def recover_recordings(self) -> list[Leftover]:
        from assistant.audio.leftovers import recover_record_leftovers
        from assistant.practice import in_progress_dir

        return recover_record_leftovers(in_progress_dir(self.services))

    def speak(self, text: str) -> str | None:
        from assistant.audio.devices import AudioDeviceError
        from assistant.speech.tts import TTSUnavailable

        try:
            self._get_speaker().say(text)
        except (TTSUnavailable, AudioDeviceError) as exc:
            return str(exc)
        return None

    def stop_speaking(self) -> None:
        if self._speaker is not None:
            self._speaker.stop()

    def still_speaking(self, wait: float) -> bool:
        if self._speaker is None:
            return False
        self._speaker.wait(wait)
        return self._speaker.speaking

    def begin_answer(self, question: Question, on_partial: PartialCallback, *,
                     follow_up: str | None = None, critique: bool = False) -> LiveAnswer:
        from assistant.practice import AnswerSession

        session = AnswerSession(self.services, question, on_partial=on_partial, follow_up=follow_up,
                                warm_critique=critique)
        session.start()  # raises AudioDeviceError with the fix when there is no microphone
        return session

    def critique(self, attempt: Attempt, question: Question, on_token: TokenCallback,
                 stop: threading.Event | None = None) -> Attempt:
        from assistant.practice import add_critique

        return add_critique(self.services, attempt, question, on_token=on_token, stop=stop)

    def play(self, attempt: Attempt) -> SoundPlayer:
        from assistant.audio.files import AudioError
        from assistant.audio.playback import Player

        if attempt.audio_path is None or not attempt.audio_path.exists():
            raise AudioError(f"the recording of attempt #{attempt.id} is missing ({attempt.audio_path})")
        player = Player(self.services.settings.output_device)
        player.play_file(attempt.audio_path, block=False)
        return player

    def todays_questions(self, today: date) -> list[TodayItem]:
        from assistant.schedule.today import todays_questions

        return todays_questions(self.services, today)

    def progress(self, today: date) -> Progress:
        from assistant.schedule.progress import compute_progress

        return compute_progress(self.services, today)

    def test_microphone(self, device: str | None, seconds: float, on_level: Callable[[float], None], *,
                        play_back: bool = False) -> float:
        """Record a few seconds (reporting the level as it goes), optionally play them back;
        returns the loudest level heard. Raises AudioDeviceError with the fix."""
        import tempfile
        import time
        from pathlib import Path

        from assistant.audio.playback import Player
        from assistant.audio.recorder import Recorder, release

        with tempfile.TemporaryDirectory(prefix="viva-mic-") as tmp:
            recorder = Recorder(Path(tmp) / "test", device=device or self.services.settings.input_device,
                                audio_format="wav")
            recorder.start()
            peak = 0.0
            try:
                while recorder.elapsed < seconds:
                    time.sleep(0.05)
                    peak = max(peak, recorder.level)
                    on_level(recorder.level)
            finally:
                recording = recorder.stop()
            if play_back:
                Player(self.services.settings.output_device).play_file(recording.path, block=True)
            release(recording)
        return peak


"""A Backend for UI tests: the real bank, store and notes; instant fake audio, ASR and LLM.

Answers are scripted text turned into a timed transcript and scored by the real coverage
scorer on a bag-of-words embedder, so the results screen shows real rubric statuses.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date

from assistant.domain import Attempt, Critique, Question
from assistant.practice import engine_versions
from assistant.scoring.answer import grade_transcript
from assistant.services import Services
from assistant.store.attempts import now_iso
from tests.fakes import BagOfWordsEmbedder, transcript_from_words


def timed_words(text: str, start: float = 0.8, per_word: float = 0.35) -> list[tuple[str, float, float]]:
    return [(w, start + i * per_word, start + (i + 1) * per_word) for i, w in enumerate(text.split())]


class FakeAnswer:
    def __init__(self, backend: FakeBackend, question: Question, text: str, on_partial, follow_up: str | None) -> None:
        self.backend, self.question, self.text, self.follow_up = backend, question, text, follow_up
        self.max_seconds = float(question.time_limit)
        self.level = 0.05
        self._stop = threading.Event()
        self._started = time.monotonic()
        on_partial(" ".join(text.split()[:6]))

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def request_stop(self) -> None:
        self._stop.set()

    def wait(self) -> str:
        stopped = self._stop.wait(self.backend.auto_stop_after)
        return "key" if stopped else "silence"

    def finish(self) -> Attempt:
        services = self.backend.services
        transcript = transcript_from_words(timed_words(self.text))
        score, delivery = grade_transcript(services.scorer, self.question, transcript)
        attempt = Attempt(self.question.id, self.backend.clock(), None, transcript, score, delivery,
                          engine_versions(services), follow_up=self.follow_up)
        self.backend.finished.append(attempt)
        return services.store.save(attempt)


class FakePlayer:
    def __init__(self) -> None:
        self.position = 0.0
        self._playing = True

    @property
    def playing(self) -> bool:
        return self._playing

    def stop(self) -> None:
        self._playing = False


@dataclass
class FakeBackend:
    services: Services = field(default_factory=Services)
    answers: list[str] = field(default_factory=list)  # scripted, one per turn; default: the model answer
    auto_stop_after: float | None = None  # None: wait for the stop key
    fail_recording: BaseException | None = None
    spoken: list[str] = field(default_factory=list)
    finished: list[Attempt] = field(default_factory=list)
    critiques: int = 0
    clock_value: str | None = None
    speaking_seconds: float = 0.0  # how long "saying" a question takes, unless stopped
    begun: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.services.__dict__["embedder"] = BagOfWordsEmbedder()  # instead of loading MiniLM

    def clock(self) -> str:
        return self.clock_value or now_iso()

    def prepare_models(self, on_progress, stop=None) -> None:
        on_progress("fake models", 0.5)
        on_progress("ready", 1.0)

    def recover(self) -> list[Attempt]:
        return []

    def recover_recordings(self) -> list:
        return []

    def speak(self, text: str) -> str | None:
        self.spoken.append(text)
        self._speech_ends = time.monotonic() + self.speaking_seconds
        return None

    def stop_speaking(self) -> None:
        self._speech_ends = 0.0

    def still_speaking(self, wait: float) -> bool:
        if time.monotonic() < getattr(self, "_speech_ends", 0.0):
            time.sleep(wait)
        return time.monotonic() < getattr(self, "_speech_ends", 0.0)

    def begin_answer(self, question: Question, on_partial, *, follow_up: str | None = None,
                     critique: bool = False) -> FakeAnswer:
        if self.fail_recording is not None:
            raise self.fail_recording
        self.begun.append(question.id)
        text = self.answers.pop(0) if self.answers else question.model_answer
        return FakeAnswer(self, question, text, on_partial, follow_up)

    def critique(self, attempt: Attempt, question: Question, on_token, stop=None) -> Attempt:
        for piece in ("You covered ", "the main idea."):
            on_token(piece)
        self.critiques += 1
        critique = Critique("You covered the main idea.", "Name the trade-off explicitly.",
                            "What changes with more data?", "llm", "fake-llm")
        return self.services.store.set_critique(attempt, critique)

    def play(self, attempt: Attempt) -> FakePlayer:
        return FakePlayer()

    def todays_questions(self, today: date):
        from assistant.schedule.today import todays_questions

        return todays_questions(self.services, today)

    def progress(self, today: date):
        from assistant.schedule.progress import compute_progress

        return compute_progress(self.services, today)

    def test_microphone(self, device, seconds, on_level, *, play_back=False) -> float:
        on_level(0.2)
        return 0.2

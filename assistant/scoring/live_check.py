"""Confirm credited points while the answer is still being spoken.

The point check (verify.py) reads each credited point again with the language model, about a
second per point on two cores: after a 60 s answer that was ~9 s between the stop and the score.
While the user speaks the CPU is mostly idle between streamed chunks (a chunk of 4-12 s of speech
is transcribed in well under its length), so every new partial transcript is scored by embeddings
(tens of milliseconds) and the points it newly credits are read by the model then.

A point confirmed with the start of the answer as the premise stays confirmed: the whole answer
still says it (the rule is "never credit what was not said", and it was said). At the stop only
the points credited by the last words, or not confirmed yet, are read again; the model's cached
prompt prefix holds the answer so far, so only the new words are evaluated. Nothing is ever
credited here: a confirmation only spares the final reading, which alone decides the score.
"""

from __future__ import annotations

import logging
import re
import threading

from assistant.domain import PointStatus, Question
from assistant.scoring.answer import grade_text
from assistant.scoring.coverage import CoverageScorer
from assistant.scoring.verify import PointChecker

logger = logging.getLogger(__name__)

_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    # Streaming mends chunk joins by case and punctuation only ("loss. Which" -> "loss, which").
    return _WORD.findall(text.lower())


class LiveChecker:
    """Fed partial transcripts (`update`, from the streaming thread); reads the credited points
    on its own thread; `stop(answer)` returns the readings that hold for the final answer."""

    def __init__(self, checker: PointChecker, scorer: CoverageScorer, question: Question) -> None:
        if question.rubric is None:
            raise ValueError(f"question {question.id!r} has no rubric")
        self.checker = checker
        self.scorer = scorer
        self.question = question
        self.points_read = 0  # model readings while the user spoke (bench/streaming.py reports them)
        self._readings: dict[str, list[tuple[list[str], float]]] = {}  # point text -> (premise words, P(yes))
        self._latest: str | None = None
        self._final: list[str] | None = None  # the final answer's words, once stop() has them
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="viva-live-check", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def update(self, text: str) -> None:
        """The transcript so far; only the latest waiting one is read (never a queue to catch up on)."""
        with self._wake:
            self._latest = text
            self._wake.notify()

    def stop(self, answer: str) -> dict[str, float]:
        """Finish reading the final answer if that is what is being read (the stream's last partial
        usually is; the stop would read the same points anyway), else stop after the point in hand;
        return, by point text, each reading of the final answer and each confirmation of its start."""
        final = words(answer)
        with self._wake:
            self._final = final
            self._wake.notify()
        self._thread.join()
        usable: dict[str, float] = {}
        for text, readings in self._readings.items():
            for premise, p in readings:
                if premise == final or (p >= self.checker.keep and final[: len(premise)] == premise):
                    usable[text] = max(p, usable.get(text, 0.0))
        return usable

    def _reading_final(self, text: str) -> bool:
        return self._final is not None and words(text) == self._final

    def _next(self) -> str | None:
        with self._wake:
            while self._latest is None and self._final is None:
                self._wake.wait()
            text, self._latest = self._latest, None
            if self._final is not None and (text is None or not self._reading_final(text)):
                return None
            return text

    def _run(self) -> None:
        try:
            # First the rubric's embeddings (what the practice session does while the user speaks anyway).
            self.scorer.prepare(self.question.rubric)  # type: ignore[arg-type]
            while (text := self._next()) is not None:
                self._read(text)
        except Exception as exc:  # noqa: BLE001 - a failure costs the head start only: the stop reads every point
            logger.warning("point check while answering stopped: %s", exc)

    def _read(self, text: str) -> None:
        score = grade_text(self.scorer, self.question, text)
        premise = words(text)
        for point in score.points:
            readings = self._readings.setdefault(point.text, [])
            if point.status is PointStatus.MISS or any(p >= self.checker.keep or seen == premise for seen, p in readings):
                continue
            with self._wake:
                if self._final is not None and not self._reading_final(text):
                    return
            confirmed = self.checker.confirm(text, point.text)
            self.points_read += 1
            readings.append((premise, confirmed))

"""Confirm credited points while the answer is still being spoken.

The point check (verify.py) reads each credited point again with the language model, about a
second per point on two cores: after a 60 s answer that was ~9 s between the stop and the score.
While the user speaks the CPU is mostly idle between streamed chunks (a chunk of 4-12 s of speech
is transcribed in well under its length), so every new partial transcript is scored by embeddings
(tens of milliseconds) and the points it newly credits are read by the model then.

A point confirmed with the start of the answer as the premise stays confirmed: the whole answer
still says it (the rule is "never credit what was not said", and it was said). A point the model
doubted (or denied) is read again only when the words added since are about it: when no span
holding an added word (the sentence before them included, as spans pair neighbours) is near the
point for the embedding stage, the added words cannot state it, and the earlier reading stands.
Unsure points used to be read again at every partial and once more at the stop: ~1.6 s after a
60 s answer. The model's cached prompt prefix holds the answer so far, so a reading evaluates only
the new words and the claim. Nothing is ever credited here: a reading only spares the one after
the stop, and no reading can raise a point above what the embedding stage gives the final answer.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable

from assistant.domain import PointStatus, Question
from assistant.scoring.answer import grade_text
from assistant.scoring.coverage import CoverageScorer
from assistant.scoring.verify import PointChecker

logger = logging.getLogger(__name__)

_WORD = re.compile(r"[a-z0-9]+")
OffTopic = Callable[[list[str]], set[str]]  # premise words -> points the words added since leave alone


def words(text: str) -> list[str]:
    # Streaming mends chunk joins by case and punctuation only ("loss. Which" -> "loss, which").
    return _WORD.findall(text.lower())


_SENTENCE_BREAK = re.compile(r"(?<=[.!?;])\s+")  # as scoring/spans.py cuts sentences


def added_passage(text: str, first_added_word: int) -> str:
    """The part of `text` whose spans hold a word from `first_added_word` on: the sentence those
    words begin in and the sentence before it (spans are sentences and neighbour pairs)."""
    found = list(_WORD.finditer(text.lower()))
    if first_added_word >= len(found):
        return ""
    breaks = [m.end() for m in _SENTENCE_BREAK.finditer(text, 0, found[first_added_word].start())]
    return text[breaks[-2] if len(breaks) >= 2 else 0 :].strip()


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
        return, by point text, the reading that holds for the final answer (see `_holding`)."""
        final = words(answer)
        with self._wake:
            self._final = final
            self._wake.notify()
        self._thread.join()
        off_topic = self._off_topic_since(answer)
        usable: dict[str, float] = {}
        for text in self._readings:
            held = self._holding(text, final, off_topic)
            if held is not None:
                usable[text] = held
        return usable

    def _holding(self, point: str, answer: list[str], off_topic: OffTopic) -> float | None:
        """P(yes) of a reading of `point` that holds for an answer of these words: one of this
        answer, a confirmation of its start, or any reading of its start when the words added
        since are not about the point (`off_topic(premise)`: the points they leave alone)."""
        held = [p for premise, p in self._readings.get(point, ())
                if answer[: len(premise)] == premise
                and (premise == answer or p >= self.checker.keep or point in off_topic(premise))]
        return max(held, default=None)

    def _off_topic_since(self, text: str) -> OffTopic:
        """A function: premise -> the points (by text) that no span holding a word of `text` added
        since that premise credits. Embeds each added passage once (tens of milliseconds)."""
        cache: dict[int, set[str]] = {}

        def off_topic(premise: list[str]) -> set[str]:
            if len(premise) not in cache:
                passage = added_passage(text, len(premise))
                score = grade_text(self.scorer, self.question, passage) if passage else None
                cache[len(premise)] = {p.text for p in score.points if p.status is PointStatus.MISS} if score \
                    else {p.text for p in self.question.rubric.points}  # type: ignore[union-attr]
            return cache[len(premise)]
        return off_topic

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
        off_topic = self._off_topic_since(text)
        for point in score.points:
            if point.status is PointStatus.MISS:
                continue
            readings = self._readings.setdefault(point.text, [])
            held = self._holding(point.text, premise, off_topic)
            if held is not None:
                if not any(seen == premise for seen, _ in readings):
                    readings.append((premise, held))  # carried: its later words are measured from here
                continue
            with self._wake:
                if self._final is not None and not self._reading_final(text):
                    return
            confirmed = self.checker.confirm(text, point.text)
            self.points_read += 1
            readings.append((premise, confirmed))

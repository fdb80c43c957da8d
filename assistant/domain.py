"""Plain dataclasses passed between layers: bank -> transcript -> score -> attempt.

Nothing here imports an engine, a UI or a database; every layer can depend on this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


@dataclass(frozen=True)
class RubricPoint:
    id: str
    text: str
    weight: float
    keywords: tuple[str, ...]
    paraphrases: tuple[str, ...]
    critical: bool = False
    # The rubric template the point comes from (e.g. "ml-system-design"), worded for this question
    # or not; None for the question's own points.
    template: str | None = None

    @property
    def variants(self) -> tuple[str, ...]:
        """Every phrasing of the point that an answer may be matched against."""
        return (self.text, *self.paraphrases)


@dataclass(frozen=True)
class Misconception:
    id: str
    text: str
    paraphrases: tuple[str, ...]
    correction: str

    @property
    def variants(self) -> tuple[str, ...]:
        return (self.text, *self.paraphrases)


@dataclass(frozen=True)
class Rubric:
    question_id: str
    points: tuple[RubricPoint, ...]
    misconceptions: tuple[Misconception, ...] = ()

    @property
    def keywords(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for point in self.points:
            for keyword in point.keywords:
                seen.setdefault(keyword, None)
        return tuple(seen)


BUILT_IN = "built-in"
"""`Question.source` of the bank that ships with Viva; a user bank's source is its namespace."""


@dataclass(frozen=True)
class Question:
    id: str  # a user bank's questions are "<namespace>/<id>", so they never collide with built-in ones
    topic: str
    phase: int
    kind: str
    difficulty: str
    prompt: str
    time_limit: int
    model_answer: str
    follow_ups: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    source_file: Path | None = None
    rubric: Rubric | None = None
    source: str = BUILT_IN
    # Ids of questions this one builds on (prerequisites); none may sit in a later phase
    # (the phase-prerequisites gate in assistant/gates/).
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    probability: float


@dataclass(frozen=True)
class Segment:
    text: str
    start: float
    end: float
    avg_logprob: float
    no_speech_prob: float
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class Transcript:
    text: str
    segments: tuple[Segment, ...]
    duration: float
    engine: str
    model: str
    language: str = "en"

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for s in self.segments for w in s.words)

    @property
    def avg_logprob(self) -> float:
        """Duration-weighted mean of the segments' average log-probabilities."""
        if not self.segments:
            return float("-inf")
        total = sum(max(s.end - s.start, 1e-3) for s in self.segments)
        return sum(s.avg_logprob * max(s.end - s.start, 1e-3) for s in self.segments) / total

    @property
    def no_speech_prob(self) -> float:
        if not self.segments:
            return 1.0
        return min(s.no_speech_prob for s in self.segments)


class PointStatus(StrEnum):
    HIT = "hit"
    PARTIAL = "partial"
    MISS = "miss"


@dataclass(frozen=True)
class Evidence:
    """The part of the answer that best matched a point, with its time in the audio."""

    text: str
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True)
class PointResult:
    point_id: str
    text: str
    weight: float
    critical: bool
    status: PointStatus
    similarity: float
    evidence: Evidence | None
    # The second reading (scoring/verify.py) did not confirm the credit the embedding stage gave
    # (withdrawn, or a hit lowered to partly covered).
    withdrawn: bool = False
    # The re-reading model's probability that the answer states the point; None when not re-read.
    confirmed: float | None = None

    @property
    def unclear(self) -> bool:
        """Partly covered, or on topic but not confirmed by the point check (withdrawn): the answer
        is about it, so feedback asks to state it clearly rather than saying it was left out."""
        return self.status is PointStatus.PARTIAL or (self.status is PointStatus.MISS and self.withdrawn)


@dataclass(frozen=True)
class MisconceptionHit:
    misconception_id: str
    text: str
    correction: str
    similarity: float
    evidence: Evidence


@dataclass(frozen=True)
class DeliveryMetrics:
    duration: float
    speaking_time: float
    word_count: int
    words_per_minute: float
    filler_count: int
    fillers: dict[str, int]
    long_pauses: int
    longest_pause: float
    thinking_time: float
    time_limit: int | None
    overrun: float


@dataclass(frozen=True)
class Score:
    overall: float
    points: tuple[PointResult, ...]
    misconceptions: tuple[MisconceptionHit, ...]
    graded: bool = True
    reason: str = ""
    # The model that re-read every credited point (scoring/verify.py); empty when none did.
    checked_by: str = ""

    @property
    def missed_critical(self) -> tuple[PointResult, ...]:
        return tuple(p for p in self.points if p.critical and p.status is PointStatus.MISS)


@dataclass(frozen=True)
class Critique:
    """An interviewer's feedback: coaching on what was missed, one improvement, one follow-up."""

    coaching: str
    improvement: str
    follow_up: str
    source: str  # "llm", "llm+rubric" (checked and partly corrected), or "rubric" (deterministic fallback)
    model: str
    notes: tuple[str, ...] = ()  # what the checker removed or replaced, and why

    @property
    def text(self) -> str:
        return f"{self.coaching}\nTo improve: {self.improvement}\nFollow-up: {self.follow_up}"


@dataclass
class Attempt:
    question_id: str
    created_at: str
    audio_path: Path | None
    transcript: Transcript
    score: Score
    delivery: DeliveryMetrics | None
    engine_versions: dict[str, str] = field(default_factory=dict)
    id: int | None = None
    recovered: bool = False  # rebuilt from a recording a crash or kill interrupted
    critique: Critique | None = None
    # The follow-up question this answers (a second turn on the same question), else None.
    # Scored against the main question's rubric; the schedule counts only main answers.
    follow_up: str | None = None

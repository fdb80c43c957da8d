"""Spaced repetition with FSRS (the `fsrs` package), driven by measured answers.

    class Rating(StrEnum): again | hard | good | easy
    derive_rating(score: Score, delivery: DeliveryMetrics | None) -> Rating | None
    card_states(history: History, before: date) -> dict[str, CardState]   # question id -> state

A card's state is never stored: it is the replay of every graded answer to the question, in
time order, each rated from its result (or by the user's override, `viva rate`). Replaying
is deterministic, costs microseconds per attempt, and leaves nothing to lose or migrate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from functools import cache

from assistant.domain import DeliveryMetrics, Score
from assistant.schedule.history import History, attempt_day, attempt_time


class Rating(StrEnum):
    AGAIN = "again"
    HARD = "hard"
    GOOD = "good"
    EASY = "easy"

    @property
    def rank(self) -> int:
        return _ORDER.index(self)


_ORDER = (Rating.AGAIN, Rating.HARD, Rating.GOOD, Rating.EASY)

# Score bands (0-100) for the rating; the scorer's overall score is the weighted share of
# rubric points covered, partial counting half. Below 40 the answer missed most of it.
AGAIN_BELOW = 40.0
HARD_BELOW = 65.0
EASY_FROM = 85.0
# Running over the time limit by more than this (seconds, or share of the limit if larger)
# costs one step: an interview answer that takes too long is not yet a good answer.
OVERRUN_GRACE_S = 10.0
OVERRUN_GRACE_SHARE = 0.15


def derive_rating(score: Score, delivery: DeliveryMetrics | None) -> Rating | None:
    """The review rating an answer earned; None for ungraded answers (silence, noise)."""
    if not score.graded:
        return None
    if score.overall < AGAIN_BELOW:
        rating = Rating.AGAIN
    elif score.overall < HARD_BELOW:
        rating = Rating.HARD
    elif score.overall < EASY_FROM:
        rating = Rating.GOOD
    else:
        rating = Rating.EASY
    # A must-say point missed, or a misconception stated, is what an interviewer remembers.
    if (score.missed_critical or score.misconceptions) and rating.rank > Rating.HARD.rank:
        rating = Rating.HARD
    if delivery is not None and delivery.time_limit:
        grace = max(OVERRUN_GRACE_S, OVERRUN_GRACE_SHARE * delivery.time_limit)
        if delivery.overrun > grace and rating.rank > Rating.HARD.rank:
            rating = _ORDER[rating.rank - 1]
    return rating


@dataclass(frozen=True)
class CardState:
    question_id: str
    due: date
    stability: float  # days until recall probability falls to 90%
    difficulty: float  # FSRS difficulty, 1 (easy) .. 10 (hard)
    reviews: int
    last_review: date
    last_rating: Rating
    last_score: float
    last_attempt_id: int

    def retrievability(self, on: date) -> float:
        """Estimated chance of recalling the answer on `on` (FSRS forgetting curve)."""
        from fsrs import Card, State

        card = Card(card_id=1, state=State.Review, stability=self.stability, difficulty=self.difficulty,
                    due=_at(self.due), last_review=_at(self.last_review))
        return _scheduler().get_card_retrievability(card, _at(on))

    def is_due(self, on: date) -> bool:
        return self.due <= on


@cache
def _scheduler():
    from fsrs import Scheduler

    # Whole days: no minute-long learning steps (you answer a question once a session, not
    # again ten minutes later), and no fuzz, so the same history always gives the same plan.
    return Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


def _at(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=timezone.utc)


def card_states(history: History, before: date | None = None) -> dict[str, CardState]:
    """Replay graded answers (made before `before`, if given) into one FSRS card per question."""
    from fsrs import Card, Rating as FsrsRating

    scheduler = _scheduler()
    cards: dict[str, tuple[Card, CardState]] = {}
    for result in history.main_answers:
        day = attempt_day(result.created_at)
        if before is not None and day >= before:
            continue
        override = history.overrides.get(result.id)
        rating = Rating(override) if override else derive_rating(result.score, result.delivery)
        if rating is None:
            continue
        # The user's wall clock read as UTC: FSRS adds whole days, so due dates land on the user's days.
        when = attempt_time(result.created_at).replace(tzinfo=timezone.utc)
        previous = cards.get(result.question_id)
        # An explicit card id: without one, fsrs sleeps a millisecond to make a unique one.
        card = previous[0] if previous else Card(card_id=1)
        card, _ = scheduler.review_card(card, FsrsRating[rating.name.capitalize()], when)
        due = card.due.date()
        cards[result.question_id] = (card, CardState(
            question_id=result.question_id, due=max(due, day + timedelta(days=1)),
            stability=float(card.stability or 0.0), difficulty=float(card.difficulty or 5.0),
            reviews=(previous[1].reviews if previous else 0) + 1, last_review=day, last_rating=rating,
            last_score=result.score.overall, last_attempt_id=result.id,
        ))
    return {qid: state for qid, (_, state) in cards.items()}

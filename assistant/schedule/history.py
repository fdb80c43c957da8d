"""The user's history as scheduling sees it: every attempt's result plus rating overrides.

    load_history(services) -> History
    attempt_day(created_at: str) -> date

One query reads it all; every schedule function then works on this plain value, so tests
build a History (or a real store) and pass `today` explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from assistant.store.attempts import AttemptResult


def attempt_day(created_at: str) -> date:
    """The day the user practised, on their own clock (the ISO time carries their offset)."""
    return datetime.fromisoformat(created_at).date()


def attempt_time(created_at: str) -> datetime:
    """Wall-clock time of an attempt, as a naive datetime (day boundaries are the user's)."""
    return datetime.fromisoformat(created_at).replace(tzinfo=None)


@dataclass(frozen=True)
class History:
    results: tuple[AttemptResult, ...] = ()  # oldest first
    overrides: dict[int, str] = field(default_factory=dict)  # attempt id -> rating name

    def before(self, day: date) -> History:
        """Only attempts made before `day` (today's selection must not change as the user answers)."""
        return History(tuple(r for r in self.results if attempt_day(r.created_at) < day), self.overrides)

    def until(self, day: date) -> History:
        """Attempts made on or before `day`."""
        return History(tuple(r for r in self.results if attempt_day(r.created_at) <= day), self.overrides)

    @property
    def main_answers(self) -> tuple[AttemptResult, ...]:
        """Answers to the question itself; follow-up answers are scored against the same rubric
        but measure something else, so they neither schedule nor count towards mastery."""
        return tuple(r for r in self.results if r.follow_up is None)

    @property
    def first_day(self) -> date | None:
        return attempt_day(self.results[0].created_at) if self.results else None


def load_history(services) -> History:  # services: assistant.services.Services
    store = services.store
    return History(tuple(store.results()), store.rating_overrides())

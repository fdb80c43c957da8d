"""The 12-week plan: which week and phase a day falls in, and how far each phase has come.

    plan_start(settings, history, today) -> date
    position(start: date, today: date) -> PlanPosition
    plan_overview(services, today) -> PlanOverview                  # `viva plan`
    build_overview(questions, history, start, today) -> PlanOverview  # the same, without Services

Weeks 1-3 are phase 1 (classical ML + math), 4-6 phase 2 (deep learning), 7-9 phase 3
(transformers/LLMs), 10-12 phase 4 (MLOps + ML system design). A question belongs to the
phase its bank entry declares. After week 12 the plan goes on in review mode: every phase.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from assistant.domain import Question
from assistant.schedule.history import History
from assistant.schedule.srs import card_states

PLAN_WEEKS = 12
WEEKS_PER_PHASE = 3
PHASES = {
    1: "Classical ML and math",
    2: "Deep learning",
    3: "Transformers and LLMs",
    4: "MLOps and ML system design",
}


def plan_start(settings, history: History, today: date) -> date:
    """The configured start, else the first day the user practised, else today."""
    if settings.plan_start is not None:
        return settings.plan_start
    return history.first_day or today


@dataclass(frozen=True)
class PlanPosition:
    start: date
    day: int  # 1-based day of the plan; 0 or less before the start
    week: int  # 1-based; above 12 in review mode
    phase: int | None  # 1-4 inside the plan; None in review mode (all phases)
    phase_start: date | None
    phase_end: date | None  # last day of the phase, inclusive

    @property
    def review_mode(self) -> bool:
        return self.week > PLAN_WEEKS

    @property
    def days_left_in_phase(self) -> int:
        """Days left in the phase, today included (at least 1)."""
        if self.phase_end is None:
            return 1
        return max(1, (self.phase_end - self.start).days - (self.day - 1) + 1)

    @property
    def phases_open(self) -> tuple[int, ...]:
        """Phases whose questions are fair game today: all before the current one, and it."""
        return tuple(PHASES) if self.phase is None else tuple(range(1, self.phase + 1))


def position(start: date, today: date) -> PlanPosition:
    # Before the configured start, practise as in week 1 (nothing is gained by waiting).
    day = max(1, (today - start).days + 1)
    week = (day - 1) // 7 + 1
    if week > PLAN_WEEKS:
        return PlanPosition(start, day, week, None, None, None)
    phase = (week - 1) // WEEKS_PER_PHASE + 1
    phase_start = start + timedelta(weeks=(phase - 1) * WEEKS_PER_PHASE)
    return PlanPosition(start, day, week, phase, phase_start, phase_start + timedelta(weeks=WEEKS_PER_PHASE, days=-1))


@dataclass(frozen=True)
class PhaseCoverage:
    phase: int
    title: str
    weeks: tuple[int, int]  # first and last week, inclusive
    start: date
    end: date
    questions: int  # in the bank
    seen: int  # answered (graded) at least once
    mastery: float | None  # mean of the latest score per seen question, 0-100
    due: int  # reviews due today or earlier


@dataclass(frozen=True)
class PlanOverview:
    today: date
    position: PlanPosition
    phases: tuple[PhaseCoverage, ...]


def build_overview(questions: Iterable[Question], history: History, start: date, today: date) -> PlanOverview:
    states = card_states(history.until(today))
    by_phase: dict[int, list[Question]] = {p: [] for p in PHASES}
    for q in questions:
        by_phase.setdefault(q.phase, []).append(q)
    phases = []
    for phase, qs in sorted(by_phase.items()):
        first_week = (phase - 1) * WEEKS_PER_PHASE + 1
        seen = [states[q.id] for q in qs if q.id in states]
        phases.append(PhaseCoverage(
            phase=phase, title=PHASES.get(phase, f"Phase {phase}"), weeks=(first_week, first_week + WEEKS_PER_PHASE - 1),
            start=start + timedelta(weeks=first_week - 1), end=start + timedelta(weeks=first_week + WEEKS_PER_PHASE - 1, days=-1),
            questions=len(qs), seen=len(seen),
            mastery=round(sum(s.last_score for s in seen) / len(seen), 1) if seen else None,
            due=sum(1 for s in seen if s.due <= today),
        ))
    return PlanOverview(today, position(start, today), tuple(phases))


def plan_overview(services, today: date) -> PlanOverview:  # services: assistant.services.Services
    from assistant.schedule.history import load_history

    history = load_history(services)
    start = plan_start(services.settings, history, today)
    return build_overview(services.bank.questions.values(), history, start, today)

"""Mock interviews: a timed sequence across topics, scored as a whole.

    @dataclass MockTurn(index, question_id, kind, prompt, time_limit, topic)   # kind: "question" | "follow-up"
    @dataclass MockInterview(turns)          # .total_seconds, .questions (main turns)
    select_mock(services, today, count=None, seed=None) -> MockInterview
    build_mock(questions, history, today, *, count, seed=None) -> MockInterview
    score_mock(interview, answers: Mapping[int, Attempt]) -> MockScore   # answers keyed by turn index

`count` main questions (default: the `mock_questions` setting), each from a different topic,
one of them always an ML system-design question, asked last as in a real loop; each main
question is followed by one of its follow-ups. A follow-up answer is scored against its
question's rubric (store it with `Attempt.follow_up` set), and a point first covered in the
follow-up earns half credit: the interviewer had to prompt for it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from assistant.domain import Attempt, PointStatus, Question
from assistant.schedule.history import History, attempt_day

FOLLOW_UP_SECONDS = (45, 90)  # a follow-up gets half its question's time, within these bounds
RECENT = timedelta(days=7)  # questions answered this recently are avoided: a mock tests recall, not memory
_CREDIT = {PointStatus.HIT: 1.0, PointStatus.PARTIAL: 0.5, PointStatus.MISS: 0.0}
_DIFFICULTY = {"easy": 0, "medium": 1, "hard": 2}
# Verdict bands on the whole-interview score; more than a third of answers over time costs one band.
VERDICTS = ((80.0, "strong"), (65.0, "pass"), (50.0, "borderline"), (0.0, "not yet"))


@dataclass(frozen=True)
class MockTurn:
    index: int
    question_id: str
    kind: str  # "question" or "follow-up"
    prompt: str
    time_limit: int
    topic: str


@dataclass(frozen=True)
class MockInterview:
    turns: tuple[MockTurn, ...]

    @property
    def total_seconds(self) -> int:
        return sum(t.time_limit for t in self.turns)

    @property
    def questions(self) -> tuple[MockTurn, ...]:
        return tuple(t for t in self.turns if t.kind == "question")


def is_system_design(q: Question) -> bool:
    return q.kind == "system-design" or q.topic == "ml-system-design"


def select_mock(services, today: date, count: int | None = None, seed: int | str | None = None) -> MockInterview:
    from assistant.schedule.history import load_history

    return build_mock(services.bank.questions.values(), load_history(services), today,
                      count=count or services.settings.mock_questions, seed=seed)


def build_mock(questions: Iterable[Question], history: History, today: date, *, count: int,
               seed: int | str | None = None) -> MockInterview:
    rng = random.Random(seed if seed is not None else f"viva-mock-{today.isoformat()}")
    recent = {r.question_id for r in history.main_answers if today - attempt_day(r.created_at) < RECENT}
    pool = sorted(questions, key=lambda q: q.id)
    rng.shuffle(pool)
    pool.sort(key=lambda q: q.id in recent)  # stable: fresh questions first, still shuffled
    design = next((q for q in pool if is_system_design(q)), None)
    chosen: list[Question] = []
    topics_used: set[str] = set()
    for q in pool:  # one question per topic while topics last, then any
        if len(chosen) >= count - (design is not None):
            break
        if q is not design and not is_system_design(q) and q.topic not in topics_used:
            chosen.append(q)
            topics_used.add(q.topic)
    for q in pool:
        if len(chosen) >= count - (design is not None):
            break
        if q is not design and q not in chosen and not is_system_design(q):
            chosen.append(q)
    chosen.sort(key=lambda q: (_DIFFICULTY.get(q.difficulty, 1), q.phase))  # warm up first
    if design is not None:
        chosen.append(design)
    turns: list[MockTurn] = []
    for q in chosen:
        turns.append(MockTurn(len(turns), q.id, "question", q.prompt, q.time_limit, q.topic))
        if q.follow_ups:
            low, high = FOLLOW_UP_SECONDS
            turns.append(MockTurn(len(turns), q.id, "follow-up", rng.choice(q.follow_ups),
                                  min(high, max(low, q.time_limit // 2)), q.topic))
    return MockInterview(tuple(turns))


@dataclass(frozen=True)
class MockQuestionScore:
    question_id: str
    topic: str
    main: float | None  # the main answer's score; None when unanswered or not graded
    follow_up: float | None
    combined: float  # 0-100, with half credit for points first covered in the follow-up
    seconds: float
    time_limit: int
    overran: bool


@dataclass(frozen=True)
class MockScore:
    overall: float  # 0-100, main questions weighted by their time limits
    verdict: str
    questions: tuple[MockQuestionScore, ...]
    follow_ups_asked: int
    follow_ups_answered: int
    seconds_spent: float
    seconds_planned: int
    overruns: int
    missed_critical: tuple[str, ...]  # "question-id: point", missed in both answers


def score_mock(interview: MockInterview, answers: Mapping[int, Attempt]) -> MockScore:
    """Score the whole interview; unanswered or ungraded turns count as nothing said."""
    results: list[MockQuestionScore] = []
    missed: list[str] = []
    spent = 0.0
    overruns = 0
    follow_ups = [t for t in interview.turns if t.kind == "follow-up"]
    for turn in interview.questions:
        main = _graded(answers.get(turn.index))
        follow_turn = next((t for t in follow_ups if t.question_id == turn.question_id), None)
        follow = _graded(answers.get(follow_turn.index)) if follow_turn else None
        combined, missed_here = _combine(main, follow)
        missed.extend(f"{turn.question_id}: {text}" for text in missed_here)
        seconds = 0.0
        over = False
        for t, attempt in ((turn, answers.get(turn.index)), (follow_turn, answers.get(follow_turn.index) if follow_turn else None)):
            if attempt is not None and t is not None:
                duration = attempt.delivery.duration if attempt.delivery else attempt.transcript.duration
                seconds += duration
                over = over or duration > t.time_limit
        overruns += over
        spent += seconds
        results.append(MockQuestionScore(turn.question_id, turn.topic, main.score.overall if main else None,
                                         follow.score.overall if follow else None, round(combined, 1),
                                         round(seconds, 1), turn.time_limit, over))
    weights = sum(t.time_limit for t in interview.questions)
    overall = sum(r.combined * r.time_limit for r in results) / weights if weights else 0.0
    band = next(i for i, (floor, _) in enumerate(VERDICTS) if overall >= floor)
    if results and overruns * 3 > len(results):
        band = min(band + 1, len(VERDICTS) - 1)
    answered = sum(1 for t in follow_ups if _graded(answers.get(t.index)) is not None)
    return MockScore(round(overall, 1), VERDICTS[band][1], tuple(results), len(follow_ups), answered,
                     round(spent, 1), interview.total_seconds, overruns, tuple(missed))


def _graded(attempt: Attempt | None) -> Attempt | None:
    return attempt if attempt is not None and attempt.score.graded else None


def _combine(main: Attempt | None, follow: Attempt | None) -> tuple[float, list[str]]:
    """Per rubric point: the main answer's credit, plus half of what the follow-up added."""
    points = {p.point_id: p for p in (main.score.points if main else ())}
    later = {p.point_id: p for p in (follow.score.points if follow else ())}
    every = {**later, **points}  # the rubric, from whichever answer was graded
    if not every:
        return 0.0, []
    total = sum(p.weight for p in every.values())
    earned = 0.0
    missed: list[str] = []
    for pid, point in every.items():
        first = _CREDIT[points[pid].status] if pid in points else 0.0
        second = _CREDIT[later[pid].status] if pid in later else 0.0
        earned += point.weight * (first + 0.5 * max(0.0, second - first))
        if point.critical and first == 0.0 and second == 0.0:
            missed.append(point.text)
    return 100.0 * earned / total, missed

"""Progress: per topic and overall, from the stored attempts (`viva progress`, the app's home screen).

    compute_progress(services, today: date) -> Progress
    build_progress(questions, titles, history, start, today) -> Progress   # the same, without Services

Mastery is the mean of the latest graded score per question answered (0-100). A topic's
trend is the mean change from the previous answer to the latest over questions answered at
least twice: it measures re-answers getting better, which mastery alone hides while new
questions keep arriving. Weak points come from each question's last three graded answers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from assistant.domain import PointStatus, Question
from assistant.schedule.history import History, attempt_day
from assistant.schedule.plan import PlanPosition, plan_start, position
from assistant.schedule.srs import card_states

RECENT_DAYS = 28  # the activity chart's span
WEAK_POINTS = 5
WEAK_WINDOW = 3  # a point's latest answers that count: old misses should not haunt you forever
_CREDIT = {PointStatus.HIT: 1.0, PointStatus.PARTIAL: 0.5, PointStatus.MISS: 0.0}


@dataclass(frozen=True)
class TopicProgress:
    topic: str
    title: str
    in_bank: int
    seen: int  # questions with at least one graded answer
    mastery: float | None
    trend: float | None  # points gained per re-answer; None until a question is answered twice


@dataclass(frozen=True)
class WeakPoint:
    question_id: str
    point_id: str
    text: str
    critical: bool
    asked: int  # graded answers considered (at most WEAK_WINDOW)
    credit: float  # mean credit 0..1 (hit 1, partial 0.5, miss 0)


@dataclass(frozen=True)
class DayActivity:
    day: date
    answers: int
    seconds: float  # speaking time
    mean_score: float | None


@dataclass(frozen=True)
class Progress:
    today: date
    plan: PlanPosition
    topics: tuple[TopicProgress, ...]
    mastery: float | None
    answers: int  # every saved answer, follow-ups included
    days_practised: int
    streak: int  # consecutive days up to today (or yesterday, while today is still open)
    speaking_seconds: float
    due_today: int
    weakest: tuple[WeakPoint, ...]
    recent: tuple[DayActivity, ...]  # the last RECENT_DAYS days, oldest first


def compute_progress(services, today: date) -> Progress:  # services: assistant.services.Services
    from assistant.schedule.history import load_history

    history = load_history(services)
    bank = services.bank
    return build_progress(bank.questions.values(), bank.titles, history,
                          plan_start(services.settings, history, today), today)


def build_progress(questions: Iterable[Question], titles: Mapping[str, str], history: History, start: date,
                   today: date) -> Progress:
    history = history.until(today)
    questions = list(questions)
    graded = [r for r in history.main_answers if r.score.graded]
    by_question: dict[str, list[float]] = defaultdict(list)
    for r in graded:
        by_question[r.question_id].append(r.score.overall)

    topics = []
    for topic in sorted({q.topic for q in questions}):
        ids = [q.id for q in questions if q.topic == topic]
        seen = [by_question[i] for i in ids if i in by_question]
        twice = [s[-1] - s[-2] for s in seen if len(s) >= 2]
        topics.append(TopicProgress(topic, titles.get(topic, topic), len(ids), len(seen),
                                    _mean(s[-1] for s in seen), _mean(twice)))
    in_bank = {q.id for q in questions}
    latest = [scores[-1] for qid, scores in by_question.items() if qid in in_bank]

    days: dict[date, list] = defaultdict(list)
    for r in history.results:
        days[attempt_day(r.created_at)].append(r)
    streak = 0
    day = today if today in days else today - timedelta(days=1)
    while day in days:
        streak += 1
        day -= timedelta(days=1)

    recent = []
    for offset in range(RECENT_DAYS - 1, -1, -1):
        d = today - timedelta(days=offset)
        rs = days.get(d, [])
        recent.append(DayActivity(d, len(rs), round(sum(_speaking(r) for r in rs), 1),
                                  _mean(r.score.overall for r in rs if r.score.graded and r.follow_up is None)))

    states = card_states(history)
    return Progress(
        today=today, plan=position(start, today), topics=tuple(topics), mastery=_mean(latest),
        answers=len(history.results), days_practised=len(days), streak=streak,
        speaking_seconds=round(sum(_speaking(r) for r in history.results), 1),
        due_today=sum(1 for qid, s in states.items() if qid in in_bank and s.is_due(today)),
        weakest=_weakest(graded), recent=tuple(recent),
    )


def _weakest(graded: list) -> tuple[WeakPoint, ...]:
    window: dict[str, list] = defaultdict(list)
    for r in graded:  # oldest first, so the tail is the latest
        window[r.question_id].append(r)
    stats: dict[tuple[str, str], list] = {}
    for qid, rs in window.items():
        for r in rs[-WEAK_WINDOW:]:
            for p in r.score.points:
                entry = stats.setdefault((qid, p.point_id), [p, 0, 0.0])
                entry[0], entry[1], entry[2] = p, entry[1] + 1, entry[2] + _CREDIT[p.status]
    weak = [WeakPoint(qid, pid, p.text, p.critical, n, round(total / n, 2))
            for (qid, pid), (p, n, total) in stats.items() if total < n]
    weak.sort(key=lambda w: (w.credit, not w.critical, -w.asked, w.question_id, w.point_id))
    return tuple(weak[:WEAK_POINTS])


def _speaking(result) -> float:
    return result.delivery.speaking_time if result.delivery is not None else result.duration


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return round(sum(values) / len(values), 1) if values else None

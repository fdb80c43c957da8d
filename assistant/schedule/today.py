"""Each day's session: due reviews first, then new questions of the current phase, then a
question from an earlier phase so foundations come back every two to three weeks.

    @dataclass TodayItem(question_id, reason, topic, phase, due, done)
        reason: "review" | "new" | "interleave"; due: the review's due date (reviews only);
        done: already answered today
    todays_questions(services, today: date) -> list[TodayItem]          # the app's home screen
    select_today(questions, history, today, *, start, daily_size) -> list[TodayItem]

The list depends only on attempts made before today, so it stays the same all day while the
user answers it (answered items come back with done=True). Randomness is seeded with the
date. It holds exactly `daily_size` questions unless the bank runs out.

How the day is shared out: new questions get the pace that finishes the current phase's
unseen questions by the phase's last day (at most half the day); one slot, from phase 2 on,
goes to an earlier phase; due reviews take the rest, the ones most likely forgotten first.
A share that cannot be filled passes to the others. After week 12 (review mode) every phase
is current.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from assistant.domain import Question
from assistant.schedule.history import History, attempt_day
from assistant.schedule.plan import plan_start, position
from assistant.schedule.srs import card_states

# An earlier-phase question is brought back once this long has passed since it was last answered.
INTERLEAVE_AFTER = timedelta(days=14)
_REASON_ORDER = {"review": 0, "new": 1, "interleave": 2}


@dataclass(frozen=True)
class TodayItem:
    question_id: str
    reason: str  # "review", "new" or "interleave"
    topic: str
    phase: int
    due: date | None = None
    done: bool = False


def todays_questions(services, today: date) -> list[TodayItem]:  # services: assistant.services.Services
    from assistant.schedule.history import load_history

    history = load_history(services)
    start = plan_start(services.settings, history, today)
    return select_today(services.bank.questions.values(), history, today, start=start,
                        daily_size=services.settings.daily_size)


def select_today(questions: Iterable[Question], history: History, today: date, *, start: date,
                 daily_size: int) -> list[TodayItem]:
    bank = {q.id: q for q in sorted(questions, key=lambda q: q.id)}
    pos = position(start, today)
    states = {qid: s for qid, s in card_states(history.before(today)).items() if qid in bank}
    rng = random.Random(f"viva-today-{today.isoformat()}")
    current = set(pos.phases_open) if pos.phase is None else {pos.phase}
    earlier = set(pos.phases_open) if pos.phase is None else set(range(1, pos.phase))

    # Worst last answer first (a missed answer must come back tomorrow, not after a backlog of
    # well-known ones), then the longest overdue, so a backlog rotates instead of starving anything.
    due = sorted((s for s in states.values() if s.is_due(today)),
                 key=lambda s: (s.last_rating.rank, s.due, s.question_id))
    unseen = [q for q in bank.values() if q.id not in states]
    rng.shuffle(unseen)
    new = _spread_topics([q for q in unseen if q.phase in current])
    earlier_unseen = [q for q in unseen if q.phase in earlier]
    # Due or not: an earlier-phase review stuck behind a backlog is exactly what should come back.
    stale = [bank[s.question_id] for s in sorted(states.values(), key=lambda s: (s.last_review, s.question_id))
             if bank[s.question_id].phase in earlier and s.last_review <= today - INTERLEAVE_AFTER]
    if earlier:
        # Take turns between the earlier phases, or the oldest one would crowd out the rest.
        turn = sorted(earlier)[today.toordinal() % len(earlier)]
        stale.sort(key=lambda q: q.phase != turn)
    later = [bank[s.question_id] for s in sorted(states.values(), key=lambda s: (s.due, s.question_id))
             if not s.is_due(today)]  # early reviews, when nothing else is left

    interleave_share = 1 if earlier else 0
    new_share = 0
    if new:
        pace = math.ceil(len(new) / pos.days_left_in_phase)
        new_share = min(len(new), max(1, pace), daily_size // 2)
    review_share = daily_size - new_share - interleave_share

    picked: dict[str, TodayItem] = {}

    def take(reason: str, candidates: list[Question], limit: int) -> None:
        for q in candidates:
            if len(picked) >= daily_size or limit <= 0:
                return
            if q.id not in picked:
                state = states.get(q.id)
                picked[q.id] = TodayItem(q.id, reason, q.topic, q.phase, state.due if reason == "review" and state else None)
                limit -= 1

    due_questions = [bank[s.question_id] for s in due]
    take("review", due_questions, review_share)
    take("new", new, new_share)
    take("interleave", stale + earlier_unseen, interleave_share)
    # Shares that could not be filled pass on, in the same order of priority.
    for reason, candidates in (("review", due_questions), ("new", new), ("interleave", stale + earlier_unseen),
                               ("review", later), ("new", unseen)):
        take(reason, candidates, daily_size)

    answered_today = {r.question_id for r in history.main_answers if attempt_day(r.created_at) == today}
    items = sorted(picked.values(), key=lambda i: _REASON_ORDER[i.reason])  # stable: keeps priority within a reason
    return [TodayItem(i.question_id, i.reason, i.topic, i.phase, i.due, i.question_id in answered_today) for i in items]


def _spread_topics(questions: list[Question]) -> list[Question]:
    """Reorder (already shuffled) questions so consecutive picks come from different topics."""
    queues: dict[str, list[Question]] = {}
    for q in questions:
        queues.setdefault(q.topic, []).append(q)
    out: list[Question] = []
    while any(queues.values()):
        for topic in list(queues):
            if queues[topic]:
                out.append(queues[topic].pop(0))
    return out

"""Study-plan pieces on their own: ratings, plan position, card replay, daily selection, mock interviews."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from assistant.domain import Evidence, MisconceptionHit, Question, Rubric, RubricPoint, Score
from assistant.schedule.history import History
from assistant.schedule.mock import build_mock, is_system_design, score_mock
from assistant.schedule.plan import plan_start, position
from assistant.schedule.srs import Rating, card_states, derive_rating
from assistant.schedule.today import select_today
from assistant.store.attempts import AttemptResult
from tests.study_fakes import bundled_bank, delivery, scripted_attempt, scripted_score

DAY = date(2026, 1, 5)


def question(qid: str = "q1", *, topic: str = "t", phase: int = 1, kind: str = "concept",
             follow_ups: tuple[str, ...] = ("Why?",), time_limit: int = 120) -> Question:
    points = tuple(RubricPoint(f"p{i}", f"point {i}", 1.0, (), (), critical=i == 0) for i in range(4))
    return Question(qid, topic, phase, kind, "medium", f"Prompt of {qid}?", time_limit, "Model answer.",
                    follow_ups, rubric=Rubric(qid, points))


def result(attempt, attempt_id: int) -> AttemptResult:
    return AttemptResult(attempt_id, attempt.question_id, attempt.created_at, attempt.transcript.duration,
                         attempt.score, attempt.delivery, attempt.follow_up)


def history_of(*attempts, overrides: dict[int, str] | None = None) -> History:
    return History(tuple(result(a, i) for i, a in enumerate(attempts, 1)), overrides or {})


# --- ratings -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("quality", "expected"), [(0.0, Rating.AGAIN), (0.25, Rating.AGAIN), (0.5, Rating.HARD),
                                                   (0.75, Rating.GOOD), (1.0, Rating.EASY)])
def test_the_rating_follows_the_rubric_score(quality: float, expected: Rating) -> None:
    q = question()
    assert derive_rating(scripted_score(q, quality), delivery(60, 120)) is expected


def test_a_missed_critical_point_or_a_misconception_caps_the_rating_at_hard() -> None:
    q = question()
    full = scripted_score(q, 1.0)
    missed_critical = replace(full, points=tuple(
        replace(p, status=scripted_score(q, 0.0).points[0].status) if p.critical else p for p in full.points))
    assert missed_critical.missed_critical and derive_rating(missed_critical, None) is Rating.HARD
    wrong = replace(full, misconceptions=(MisconceptionHit("m", "wrong", "right", 0.9, Evidence("wrong")),))
    assert derive_rating(wrong, None) is Rating.HARD


def test_running_well_over_time_costs_one_step_and_ungraded_answers_do_not_count() -> None:
    q = question()
    easy = scripted_score(q, 1.0)
    assert derive_rating(easy, delivery(125, 120)) is Rating.EASY  # within the grace
    assert derive_rating(easy, delivery(160, 120)) is Rating.GOOD
    assert derive_rating(scripted_score(q, 0.0), delivery(300, 120)) is Rating.AGAIN
    assert derive_rating(Score(0.0, (), (), graded=False, reason="silence"), None) is None


# --- plan ----------------------------------------------------------------------------------------

def test_weeks_map_to_phases_and_review_mode_follows_week_12() -> None:
    assert [position(DAY, DAY + timedelta(weeks=w)).phase for w in range(13)] == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, None]
    first = position(DAY, DAY)
    assert (first.week, first.day, first.days_left_in_phase, first.phases_open) == (1, 1, 21, (1,))
    last = position(DAY, DAY + timedelta(days=83))
    assert (last.week, last.phase, last.days_left_in_phase, last.review_mode) == (12, 4, 1, False)
    assert position(DAY, DAY + timedelta(days=84)).review_mode
    assert position(DAY, DAY - timedelta(days=5)).week == 1  # before the start: week 1


def test_the_plan_starts_on_the_configured_day_else_the_first_practice_day_else_today() -> None:
    class S:
        plan_start = None

    assert plan_start(S(), History(), DAY) == DAY
    h = history_of(scripted_attempt(question(), DAY - timedelta(days=10), 0.5))
    assert plan_start(S(), h, DAY) == DAY - timedelta(days=10)
    S.plan_start = date(2026, 3, 1)
    assert plan_start(S(), h, DAY) == date(2026, 3, 1)


# --- card replay ---------------------------------------------------------------------------------

def test_bad_answers_are_due_sooner_than_good_ones_and_overrides_win() -> None:
    weak, strong = question("weak"), question("strong")
    h = history_of(scripted_attempt(weak, DAY, 0.0), scripted_attempt(strong, DAY, 1.0, minute=1))
    states = card_states(h)
    assert states["weak"].due == DAY + timedelta(days=1) and states["weak"].last_rating is Rating.AGAIN
    assert states["strong"].due >= DAY + timedelta(days=7)
    overridden = card_states(replace(h, overrides={1: "easy", 2: "again"}))
    assert overridden["weak"].due > states["weak"].due and overridden["strong"].due == DAY + timedelta(days=1)


def test_follow_up_and_ungraded_answers_do_not_schedule_and_replay_is_deterministic() -> None:
    q = question()
    h = history_of(scripted_attempt(q, DAY, 1.0), scripted_attempt(q, DAY, 0.0, minute=5, follow_up="Why?"),
                   scripted_attempt(q, DAY + timedelta(days=1), 0.0, graded=False))
    states = card_states(h)
    assert states["q1"].reviews == 1 and states["q1"].last_rating is Rating.EASY
    assert card_states(h) == states
    assert card_states(h, before=DAY) == {}


# --- daily selection -----------------------------------------------------------------------------

def test_reviews_come_first_then_new_and_the_day_is_stable_and_marks_what_is_done() -> None:
    bank = [question(f"q{i}", topic=f"t{i % 3}") for i in range(20)]
    h = history_of(scripted_attempt(bank[0], DAY, 0.0), scripted_attempt(bank[1], DAY, 0.0, minute=1))
    today = DAY + timedelta(days=1)
    items = select_today(bank, h, today, start=DAY, daily_size=5)
    assert [i.reason for i in items] == ["review", "review", "new", "new", "new"]
    assert {i.question_id for i in items[:2]} == {"q0", "q1"} and items[0].due == today
    assert select_today(list(reversed(bank)), h, today, start=DAY, daily_size=5) == items
    answered = history_of(scripted_attempt(bank[0], DAY, 0.0), scripted_attempt(bank[1], DAY, 0.0, minute=1),
                          scripted_attempt(bank[0], today, 1.0))
    again = select_today(bank, answered, today, start=DAY, daily_size=5)
    assert [(i.question_id, i.reason) for i in again] == [(i.question_id, i.reason) for i in items]
    assert [i.done for i in again] == [i.question_id == "q0" for i in items]
    other_day = select_today(bank, h, today + timedelta(days=1), start=DAY, daily_size=5)
    assert [i.question_id for i in other_day if i.reason == "new"] != [i.question_id for i in items if i.reason == "new"]


def test_new_questions_come_from_the_current_phase_and_one_slot_from_an_earlier_one() -> None:
    bank = [question(f"a{i}", phase=1) for i in range(10)] + [question(f"b{i}", phase=2) for i in range(10)]
    old = [scripted_attempt(q, DAY, 1.0, minute=i) for i, q in enumerate(bank[:10])]
    today = DAY + timedelta(weeks=3)  # week 4: phase 2
    items = select_today(bank, history_of(*old), today, start=DAY, daily_size=6)
    assert len(items) == 6
    assert {i.phase for i in items if i.reason == "new"} == {2}
    assert [i.phase for i in items if i.reason == "interleave"] == [1]


def test_the_day_is_short_only_when_the_bank_runs_out() -> None:
    bank = [question(f"q{i}") for i in range(4)]
    assert len(select_today(bank, History(), DAY, start=DAY, daily_size=6)) == 4
    assert len(select_today(bank + [question("x", phase=3)], History(), DAY, start=DAY, daily_size=6)) == 5


# --- mock interviews -----------------------------------------------------------------------------

def test_a_mock_spans_topics_ends_with_system_design_and_includes_follow_ups() -> None:
    bank = bundled_bank().questions.values()
    mock = build_mock(bank, History(), DAY, count=5)
    mains = mock.questions
    assert len(mains) == 5 and is_system_design(bundled_bank().get(mains[-1].question_id))
    assert len({t.topic for t in mains}) == 5
    assert [t.kind for t in mock.turns[:2]] == ["question", "follow-up"] and mock.turns[1].question_id == mains[0].question_id
    assert all(45 <= t.time_limit <= 90 for t in mock.turns if t.kind == "follow-up")
    assert [t.index for t in mock.turns] == list(range(len(mock.turns)))
    assert mock.total_seconds == sum(t.time_limit for t in mock.turns)
    assert build_mock(bank, History(), DAY, count=5) == mock
    assert build_mock(bank, History(), DAY, count=5, seed=7) != mock


def test_recently_answered_questions_are_avoided_in_a_mock() -> None:
    bank = [question(f"q{i}", topic=f"t{i}") for i in range(6)] + [question("sd", kind="system-design", topic="sd")]
    recent = history_of(*(scripted_attempt(q, DAY - timedelta(days=1), 0.9, minute=i) for i, q in enumerate(bank[:3])))
    mock = build_mock(bank, recent, DAY, count=4)
    assert {t.question_id for t in mock.questions} == {"q3", "q4", "q5", "sd"}


def test_the_whole_interview_score_gives_half_credit_for_prompted_points() -> None:
    a, sd = question("a", time_limit=100), question("sd", kind="system-design", topic="sd", time_limit=300)
    mock = build_mock([a, sd], History(), DAY, count=2)
    turn = {(t.question_id, t.kind): t.index for t in mock.turns}
    answers = {
        turn["a", "question"]: scripted_attempt(a, DAY, 0.5),  # points p0, p1 of 4 (critical first)
        turn["a", "follow-up"]: scripted_attempt(a, DAY, 1.0, duration=40, follow_up="Why?"),  # p2, p3 only when prompted
        turn["sd", "question"]: scripted_attempt(sd, DAY, 1.0, duration=400),  # over time
    }
    result = score_mock(mock, answers)
    by_id = {q.question_id: q for q in result.questions}
    assert by_id["a"].main == 50.0 and by_id["a"].follow_up == 100.0 and by_id["a"].combined == 75.0
    assert by_id["sd"].combined == 100.0 and by_id["sd"].overran and result.overruns == 1
    assert result.overall == pytest.approx((75 * 100 + 100 * 300) / 400, abs=0.1)
    assert (result.follow_ups_asked, result.follow_ups_answered) == (2, 1)
    assert result.verdict == "pass"  # "strong" by score, one band lower: half the answers ran over
    silent = score_mock(mock, {})
    assert silent.overall == 0.0 and silent.verdict == "not yet" and silent.seconds_spent == 0.0
    missed = score_mock(mock, {turn["a", "question"]: scripted_attempt(a, DAY, 0.25)})
    assert missed.missed_critical == ("a: point 0",)

"""The study plan: 12 weeks in four phases, each day's questions, spaced repetition (FSRS),
mock interviews and progress.

Everything here is computed from the stored attempts (replayed in time order) plus the
user's rating overrides, for a `today` the caller passes in: nothing reads the wall clock,
and nothing is lost across restarts because there is no other state to lose.

Public API (each module's docstring has the details):

    plan.plan_overview(services, today) -> PlanOverview          # `viva plan`
    today.todays_questions(services, today) -> list[TodayItem]   # `viva today`, the app's home screen
    srs.derive_rating(score, delivery) -> Rating | None
    srs.card_states(history, before) -> dict[str, CardState]
    mock.select_mock(services, today, count=None, seed=None) -> MockInterview
    mock.score_mock(interview, scores) -> MockScore
    progress.compute_progress(services, today) -> Progress       # `viva progress`, the app's home screen
"""

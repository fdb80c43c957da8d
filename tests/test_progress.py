"""Progress: mastery, trend, streak, speaking time, weak points; `viva progress` with and without charts."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.schedule.progress import compute_progress
from tests.study_fakes import scripted_attempt, scripted_score, study_services

DAY = date(2026, 2, 2)


@pytest.fixture
def svc(monkeypatch: pytest.MonkeyPatch):
    svc = study_services(monkeypatch, plan_start=DAY)
    bank = svc.bank
    a, b, c = bank.get("sl-bias-variance"), bank.get("sl-l1-vs-l2"), bank.get("dl-backprop")
    for day, q, quality in [(0, a, 0.25), (1, a, 0.75), (1, b, 1.0), (3, c, 0.5), (4, a, 1.0), (5, c, 0.75)]:
        svc.store.save(scripted_attempt(q, DAY + timedelta(days=day), quality, minute=len(q.id)))
    svc.store.save(scripted_attempt(b, DAY + timedelta(days=5), 0.0, minute=1, follow_up="And L1?"))
    return svc


def test_mastery_trend_streak_and_time_come_from_the_attempts(svc) -> None:
    p = compute_progress(svc, DAY + timedelta(days=5))
    topics = {t.topic: t for t in p.topics}
    sl = topics["supervised-learning"]
    assert (sl.seen, sl.in_bank) == (2, 30)
    bank = svc.bank
    score = {(qid, quality): scripted_score(bank.get(qid), quality).overall
             for qid in ("sl-bias-variance", "dl-backprop") for quality in (0.5, 0.75, 1.0)}
    assert sl.mastery == 100.0  # latest answers: both 100 (the follow-up answer does not count)
    assert sl.trend == round(100.0 - score["sl-bias-variance", 0.75], 1)  # the latest re-answer's gain
    dl = topics["deep-learning"]
    assert dl.mastery == score["dl-backprop", 0.75]
    assert dl.trend == round(score["dl-backprop", 0.75] - score["dl-backprop", 0.5], 1)
    assert topics["computer-vision"].mastery is None and topics["computer-vision"].trend is None
    assert p.answers == 7 and p.days_practised == 5 and p.streak == 3  # days 3, 4 and 5 (day 2 was skipped)
    assert p.speaking_seconds == pytest.approx(7 * 54.0)
    assert len(p.recent) == 28 and p.recent[-1].day == DAY + timedelta(days=5) and p.recent[-1].answers == 2
    assert p.plan.week == 1 and p.plan.phase == 1


def test_the_streak_survives_until_today_is_over_and_breaks_after_a_missed_day(svc) -> None:
    assert compute_progress(svc, DAY + timedelta(days=6)).streak == 3  # not practised yet today
    assert compute_progress(svc, DAY + timedelta(days=7)).streak == 0
    assert compute_progress(svc, DAY + timedelta(days=1)).streak == 2  # the past is read as of that day


def test_weakest_points_are_those_missed_in_the_latest_answers(svc) -> None:
    weakest = compute_progress(svc, DAY + timedelta(days=5)).weakest
    assert weakest and all(w.credit < 1 for w in weakest)
    assert weakest == tuple(sorted(weakest, key=lambda w: w.credit))
    # dl-backprop's two answers (50, 75) missed its later points; bias-variance's misses were long ago overtaken
    assert {w.question_id for w in weakest} <= {"dl-backprop", "sl-bias-variance"}
    assert weakest[0].question_id == "dl-backprop"


def test_viva_progress_json_and_charts_fit_80_columns(svc) -> None:
    runner = CliRunner()
    data = json.loads(runner.invoke(app, ["progress", "--json", "--on", "2026-02-07"]).stdout)
    assert data["answers"] == 7 and data["streak"] == 3 and len(data["topics"]) == len(svc.bank.topics)
    result = runner.invoke(app, ["progress", "--on", "2026-02-07"])
    assert result.exit_code == 0, result.output
    assert "Mastery by topic" in result.stdout and "Minutes spoken per day" in result.stdout
    assert "Weakest points" in result.stdout
    assert max(len(line) for line in _plain(result.stdout).splitlines()) <= 80
    bare = runner.invoke(app, ["progress", "--no-charts", "--on", "2026-02-07"])
    assert "Mastery by topic" not in bare.stdout and "Supervised learning" in bare.stdout


def test_progress_with_no_attempts_says_so_without_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    study_services(monkeypatch)
    result = CliRunner().invoke(app, ["progress", "--on", "2026-02-07"])
    assert result.exit_code == 0 and "answers 0" in result.stdout and "Minutes spoken" not in result.stdout


def _plain(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)

"""`viva plan`, `viva today`, `viva rate`, `viva mock` through typer's runner on a real store."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from tests.study_fakes import scripted_attempt, study_services

START = date(2026, 1, 5)
runner = CliRunner()


def run(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def svc(monkeypatch: pytest.MonkeyPatch):
    return study_services(monkeypatch, plan_start=START, daily_size=5)


def test_viva_plan_shows_the_weeks_where_you_are_and_coverage(svc) -> None:
    svc.store.save(scripted_attempt(svc.bank.get("sl-bias-variance"), START, 0.25))
    data = json.loads(run("plan", "--json", "--on", "2026-01-27").stdout)  # day 23: week 4
    pos = data["position"]
    assert (pos["week"], pos["phase"], pos["start"], pos["review_mode"], pos["days_left_in_phase"]) == (4, 2, "2026-01-05", False, 20)
    phase1 = data["phases"][0]
    assert (phase1["phase"], phase1["weeks"], phase1["seen"], phase1["due"]) == (1, [1, 3], 1, 1)
    assert phase1["questions"] == sum(1 for q in svc.bank.questions.values() if q.phase == 1)
    assert [p["start"] for p in data["phases"]] == ["2026-01-05", "2026-01-26", "2026-02-16", "2026-03-09"]
    text = run("plan", "--on", "2026-01-27").stdout
    assert "week 4 of 12" in text and "▶ 2 Deep learning" in text
    assert "review mode" in run("plan", "--on", "2026-04-01").stdout


def test_viva_today_lists_the_days_questions_and_marks_answered_ones(svc) -> None:
    items = json.loads(run("today", "--json", "--on", "2026-01-05").stdout)
    assert len(items) == 5 and {i["reason"] for i in items} == {"new"} and {i["phase"] for i in items} == {1}
    first = svc.bank.get(items[0]["question_id"])
    svc.store.save(scripted_attempt(first, START, 0.25))
    again = json.loads(run("today", "--json", "--on", "2026-01-05").stdout)
    assert [i["question_id"] for i in again] == [i["question_id"] for i in items]
    assert [i["done"] for i in again] == [True, False, False, False, False]
    text = run("today", "--on", "2026-01-05").stdout
    assert "1/5 done" in text and "✔ 1." in text and "viva practice --no-ui --today" in text
    tomorrow = json.loads(run("today", "--json", "--on", "2026-01-06").stdout)
    assert tomorrow[0] == {"question_id": first.id, "reason": "review", "topic": first.topic, "phase": first.phase,
                           "due": "2026-01-06", "done": False}


def test_viva_rate_overrides_the_measured_rating_and_auto_restores_it(svc) -> None:
    q = svc.bank.get("sl-bias-variance")
    attempt = svc.store.save(scripted_attempt(q, START, 0.25))
    out = run("rate", str(attempt.id), "easy").stdout
    assert "measured again, now easy" in out
    assert svc.store.rating_overrides() == {attempt.id: "easy"}
    due_easy = out.rsplit("Next review of sl-bias-variance: ", 1)[1]
    out = run("rate", str(attempt.id), "auto").stdout
    assert svc.store.rating_overrides() == {} and "Tue 06 Jan 2026" in out and due_easy.strip() != "Tue 06 Jan 2026."
    bad = runner.invoke(app, ["rate", str(attempt.id), "superb"])
    assert bad.exit_code == 2 and "again, hard, good, easy" in bad.output
    assert runner.invoke(app, ["rate", "999", "good"]).exit_code == 2


def test_viva_mock_shows_a_timed_interview(svc) -> None:
    turns = json.loads(run("mock", "--show", "--json", "--on", "2026-01-05").stdout)
    mains = [t for t in turns if t["kind"] == "question"]
    assert len(mains) == svc.settings.mock_questions
    assert svc.bank.get(mains[-1]["question_id"]).kind == "system-design"
    assert any(t["kind"] == "follow-up" for t in turns)
    text = run("mock", "--count", "3", "--on", "2026-01-05").stdout
    assert "Mock interview: 3 questions" in text and "viva mock --no-ui" in text
    assert json.loads(run("mock", "--show", "--json", "--on", "2026-01-05").stdout) == turns  # stable for the day


def test_viva_mock_no_ui_asks_every_turn_and_scores_the_whole(svc, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli import practice

    asked = []

    def fake_answer(svc_, q, *, device, max_seconds, quiet, critique, follow_up=None):
        asked.append((q.id, follow_up, max_seconds))
        return svc_.store.save(scripted_attempt(q, START, 1.0 if follow_up is None else 0.5, minute=len(asked),
                                                duration=30, follow_up=follow_up))

    monkeypatch.setattr(practice, "answer_one", fake_answer)
    result = run("mock", "--no-ui", "--count", "3", "--quiet", "--on", "2026-01-05")
    assert len(asked) >= 4 and sum(f is None for _, f, _ in asked) == 3
    assert all(f is None or limit <= 90 for _, f, limit in asked)
    assert "Mock interview: 100/100 (strong)" in result.stdout and "follow-ups answered" in result.stdout
    data = json.loads(run("mock", "--no-ui", "--count", "3", "--json", "--on", "2026-01-05").stdout)
    assert data["overall"] == 100.0 and len(data["questions"]) == 3


def test_viva_practice_today_stops_when_the_day_is_done(svc, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli import practice
    from assistant.schedule.today import todays_questions

    monkeypatch.setattr(practice, "services", lambda engine=None: svc)
    today = date.today()
    for minute, item in enumerate(todays_questions(svc, today)):
        svc.store.save(scripted_attempt(svc.bank.get(item.question_id), today, 0.9, minute=minute))
    result = run("practice", "--no-ui", "--today", "--no-critique", "--quiet")
    assert "All of today's questions are answered" in result.stdout

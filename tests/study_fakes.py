"""Scripted answers for study-plan tests: attempts with chosen quality, no audio, no models."""

from __future__ import annotations

from datetime import date, datetime, time

from assistant.domain import Attempt, DeliveryMetrics, Evidence, PointResult, PointStatus, Question, Score
from tests.fakes import transcript_from_words


def scripted_score(question: Question, quality: float) -> Score:
    """A score covering about `quality` (0-1) of the rubric; weak answers miss the critical points."""
    points = list(question.rubric.points) if question.rubric else []
    # Strong answers say the must-say points first; weak ones leave them out.
    points.sort(key=lambda p: p.critical, reverse=quality >= 0.5)
    hits = round(quality * len(points))
    results = []
    for i, p in enumerate(points):
        status = PointStatus.HIT if i < hits else PointStatus.MISS
        results.append(PointResult(p.id, p.text, p.weight, p.critical, status, 0.7 if i < hits else 0.2,
                                   Evidence(p.text) if i < hits else None))
    total = sum(p.weight for p in points) or 1.0
    overall = 100.0 * sum(r.weight for r in results if r.status is PointStatus.HIT) / total
    return Score(round(overall, 1), tuple(results), ())


def delivery(duration: float, time_limit: int) -> DeliveryMetrics:
    return DeliveryMetrics(duration=duration, speaking_time=duration * 0.9, word_count=int(duration * 2.2),
                           words_per_minute=140.0, filler_count=0, fillers={}, long_pauses=0, longest_pause=0.5,
                           thinking_time=1.0, time_limit=time_limit, overrun=max(0.0, duration - time_limit))


def scripted_attempt(question: Question, day: date, quality: float, *, minute: int = 0, duration: float = 60.0,
                     follow_up: str | None = None, graded: bool = True) -> Attempt:
    created = datetime.combine(day, time(9, minute % 60, 0)).isoformat() + "+01:00"
    score = scripted_score(question, quality)
    if not graded:
        score = Score(0.0, (), (), graded=False, reason="no speech was recognised")
    transcript = transcript_from_words([("answer", 0.5, duration)])
    return Attempt(question.id, created, None, transcript, score, delivery(duration, question.time_limit),
                   {"asr": "scripted"}, follow_up=follow_up)


_BANK = None


def bundled_bank():
    """The real bundled bank, loaded once per test session (it is read-only)."""
    global _BANK
    if _BANK is None:
        from assistant.bank import load_bank
        from assistant.config import Settings

        settings = Settings()
        _BANK = load_bank(settings.question_dir, settings.rubric_dir)
    return _BANK


def study_services(monkeypatch=None, **settings):
    """Services on the isolated user dirs (tests/conftest.py) with the bank preloaded; with
    `monkeypatch`, the study-plan commands use it too (each CLI call would reload the bank)."""
    from assistant.cli import mock, plan, progress, wiki
    from assistant.config import Settings
    from assistant.services import Services

    svc = Services(settings=Settings(**settings))
    svc.__dict__["bank"] = bundled_bank()
    if monkeypatch is not None:
        for module in (mock, plan, progress, wiki):
            monkeypatch.setattr(module, "services", lambda engine=None: svc)
    return svc

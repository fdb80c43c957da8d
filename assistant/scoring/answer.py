"""Grade one answer to a bank question: transcript quality, rubric coverage, delivery."""

from __future__ import annotations

from dataclasses import replace

from assistant.domain import DeliveryMetrics, Question, Score, Transcript
from assistant.scoring.coverage import CoverageScorer
from assistant.scoring.delivery import delivery_metrics
from assistant.scoring.quality import ungradeable_reason
from assistant.scoring.spans import sentences_from_text, sentences_from_transcript


def grade_transcript(scorer: CoverageScorer, question: Question, transcript: Transcript) -> tuple[Score, DeliveryMetrics]:
    if question.rubric is None:
        raise ValueError(f"question {question.id!r} has no rubric; `viva bank validate` shows why")
    delivery = delivery_metrics(transcript, question.time_limit)
    reason = ungradeable_reason(transcript)
    if reason is not None:
        return replace(scorer.empty_score(question.rubric), graded=False, reason=reason), delivery
    return scorer.score(question.rubric, sentences_from_transcript(transcript)), delivery


def grade_text(scorer: CoverageScorer, question: Question, answer: str) -> Score:
    """Grade a written answer (calibration, `viva grade`, tests): no audio, no delivery metrics."""
    if question.rubric is None:
        raise ValueError(f"question {question.id!r} has no rubric")
    return scorer.score(question.rubric, sentences_from_text(answer))

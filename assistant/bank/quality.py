"""Content quality gates for the bank, measured with the real scorer.

- each model answer scores at least 80 on its own rubric, and is not flagged for any of its
  own question's misconceptions;
- model answers from other topics score at most 30 on a question's rubric (at least 90% of
  them: neighbouring topics legitimately share ideas), except for the few foundational
  questions in KNOWN_OVERLAPS, whose content other topics' answers restate by design;
- no two question prompts have embedding cosine above 0.9 (near-duplicates);
- within a question, no two rubric points have cosine above 0.85 (one idea counted twice).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from assistant.bank import Bank
from assistant.domain import Question
from assistant.scoring.answer import grade_text

OWN_ANSWER_MIN = 80.0
OTHER_TOPIC_MAX = 30.0
OTHER_TOPIC_SHARE = 0.9
# Measured: 31 deep-learning/math answers explain gradient descent on the way (learning-rate
# schedules, optimizers, debugging training); 23 system designs describe training-serving skew
# and feature stores. Their rubrics are right; the overlap is the subject matter.
KNOWN_OVERLAPS = {
    "sl-gradient-descent": "every optimizer and training answer restates gradient descent",
    "mlops-training-serving-skew": "every ML system design covers skew and feature stores",
}
DUPLICATE_QUESTION_COSINE = 0.9
DUPLICATE_POINT_COSINE = 0.85


@dataclass(frozen=True)
class QualityIssue:
    question_id: str
    gate: str
    detail: str

    def __str__(self) -> str:
        return f"{self.question_id}: [{self.gate}] {self.detail}"


GATES = ("own-answer", "own-misconceptions", "duplicate-points", "duplicate-question", "other-topic")


def check_bank(scorer, bank: Bank, topics: Iterable[str] | None = None, gates: Iterable[str] = GATES) -> list[QualityIssue]:
    """Gate failures for questions in `topics` (all topics when None)."""
    wanted = set(topics) if topics else None
    checked = [q for q in bank.questions.values() if wanted is None or q.topic in wanted]
    everything = list(bank.questions.values())
    run = {
        "own-answer": lambda: _own_answers(scorer, checked),
        "own-misconceptions": lambda: _own_misconceptions(scorer, checked),
        "duplicate-points": lambda: _duplicate_points(scorer, checked),
        "duplicate-question": lambda: _duplicate_questions(scorer, checked, everything),
        "other-topic": lambda: _other_topic_answers(scorer, checked, everything),
    }
    unknown = set(gates) - set(GATES)
    if unknown:
        raise ValueError(f"unknown quality gates {sorted(unknown)}; known: {', '.join(GATES)}")
    return [issue for gate in GATES if gate in set(gates) for issue in run[gate]()]


def _own_answers(scorer, questions: list[Question]) -> list[QualityIssue]:
    issues = []
    for q in questions:
        score = grade_text(scorer, q, q.model_answer)
        if score.overall < OWN_ANSWER_MIN:
            missed = [p.point_id for p in score.points if p.status.value != "hit"]
            issues.append(QualityIssue(q.id, "own-answer", f"model answer scores {score.overall:.0f} < {OWN_ANSWER_MIN:.0f}; not hit: {missed}"))
    return issues


def _own_misconceptions(scorer, questions: list[Question]) -> list[QualityIssue]:
    """A model answer must not be flagged for its own question's misconceptions."""
    issues = []
    for q in questions:
        flagged = grade_text(scorer, q, q.model_answer).misconceptions
        if flagged:
            names = ", ".join(f"{m.misconception_id} (“{m.evidence.text[:60]}…”)" for m in flagged)
            issues.append(QualityIssue(q.id, "own-misconceptions", f"model answer is flagged for {names}"))
    return issues


def _other_topic_answers(scorer, questions: list[Question], everything: list[Question]) -> list[QualityIssue]:
    answers = everything
    matrix = cross_scores(scorer, questions, [a.model_answer for a in answers])
    issues = []
    for row, q in zip(matrix, questions):
        if q.id in KNOWN_OVERLAPS:
            continue
        scored = sorted(((float(s), a.id) for s, a in zip(row, answers) if a.topic != q.topic), reverse=True)
        above = [(s, i) for s, i in scored if s > OTHER_TOPIC_MAX]
        if scored and len(above) > (1 - OTHER_TOPIC_SHARE) * len(scored):
            worst = ", ".join(f"{i} {s:.0f}" for s, i in above[:5])
            issues.append(QualityIssue(
                q.id, "other-topic",
                f"{len(above)} of {len(scored)} other-topic model answers score > {OTHER_TOPIC_MAX:.0f} (worst: {worst})",
            ))
    return issues


def cross_scores(scorer, questions: list[Question], answers: list[str]) -> np.ndarray:
    """Overall score of every answer on every question's rubric, as `grade_text` computes it,
    but vectorised: ~250 x 250 pairs in seconds instead of many minutes."""
    from assistant.scoring.coverage import CREDIT, keyword_fraction
    from assistant.domain import PointStatus
    from assistant.scoring.spans import sentences_from_text, with_neighbour_pairs

    spans = [[sp.text for sp in with_neighbour_pairs(sentences_from_text(a))] for a in answers]
    span_vectors = scorer.embedder.encode([t for x in spans for t in x])
    starts = np.concatenate([[0], np.cumsum([len(x) for x in spans])[:-1]])
    t = scorer.thresholds
    result = np.zeros((len(questions), len(answers)))
    for row, q in enumerate(questions):
        points = q.rubric.points if q.rubric else ()
        total = sum(p.weight for p in points) or 1.0
        for point in points:
            sims = (scorer.embedder.encode(list(point.variants)) @ span_vectors.T).max(axis=0)
            best = np.maximum.reduceat(sims, starts) if len(sims) else np.zeros(len(answers))
            best[[len(x) == 0 for x in spans]] = 0.0
            keywords = np.array([keyword_fraction(point.keywords, a) for a in answers])
            blended = (1 - t.keyword_weight) * best + t.keyword_weight * keywords
            credit = np.where(blended >= t.hit, CREDIT[PointStatus.HIT],
                              np.where(blended >= t.partial, CREDIT[PointStatus.PARTIAL], 0.0))
            result[row] += point.weight * credit
        result[row] *= 100.0 / total
    return np.round(result, 1)


def _duplicate_questions(scorer, questions: list[Question], everything: list[Question]) -> list[QualityIssue]:
    vectors = scorer.embedder.encode([q.prompt for q in everything])
    index = {q.id: i for i, q in enumerate(everything)}
    issues = []
    for q in questions:
        sims = vectors @ vectors[index[q.id]]
        for j in np.argsort(-sims):
            other = everything[int(j)]
            if other.id != q.id and sims[j] > DUPLICATE_QUESTION_COSINE:
                issues.append(QualityIssue(q.id, "duplicate-question", f"prompt is {sims[j]:.2f} similar to {other.id}"))
    return issues


def _duplicate_points(scorer, questions: list[Question]) -> list[QualityIssue]:
    issues = []
    for q in questions:
        points = q.rubric.points if q.rubric else ()
        vectors = scorer.embedder.encode([p.text for p in points])
        sims = vectors @ vectors.T
        for i in range(len(points)):
            for j in range(i + 1, len(points)):
                if sims[i, j] > DUPLICATE_POINT_COSINE:
                    issues.append(QualityIssue(q.id, "duplicate-points", f"{points[i].id} and {points[j].id} are {sims[i, j]:.2f} similar"))
    return issues

"""The labelled calibration set (tests/data/calibration/) and how well thresholds agree with it.

Used by bench/calibrate.py to choose thresholds and by tests to guard them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ruamel.yaml import YAML

from assistant.bank import Bank
from assistant.domain import PointStatus, Question
from assistant.scoring.coverage import CoverageScorer, keyword_fraction
from assistant.scoring.spans import sentences_from_text, with_neighbour_pairs

LABEL_VALUE = {"hit": 1.0, "partial": 0.5, "miss": 0.0}


@dataclass(frozen=True)
class LabelledAnswer:
    question_id: str
    kind: str
    answer: str
    labels: dict[str, str]


@dataclass(frozen=True)
class PointSignal:
    """Raw evidence for one (answer, point) pair, before any threshold is applied."""

    answer_index: int
    point_id: str
    weight: float
    cosine: float
    keyword_fraction: float
    label: str


def load_calibration(directory: Path) -> list[LabelledAnswer]:
    yaml = YAML(typ="safe")
    answers: list[LabelledAnswer] = []
    for path in sorted(directory.glob("*.yaml")):
        for row in yaml.load(path.read_text(encoding="utf-8")) or []:
            answers.append(LabelledAnswer(row["question"], row["kind"], row["answer"], dict(row["labels"])))
    return answers


def point_signals(scorer: CoverageScorer, bank: Bank, answers: list[LabelledAnswer]) -> list[PointSignal]:
    signals: list[PointSignal] = []
    for index, item in enumerate(answers):
        question: Question = bank.get(item.question_id)
        assert question.rubric is not None
        spans = with_neighbour_pairs(sentences_from_text(item.answer))
        span_vectors = scorer.embedder.encode([s.text for s in spans]) if spans else None
        for point in question.rubric.points:
            cosine = 0.0 if span_vectors is None else scorer.point_similarities(point.variants, span_vectors)[0]
            signals.append(PointSignal(index, point.id, point.weight, cosine,
                                       keyword_fraction(point.keywords, item.answer), item.labels[point.id]))
    return signals


@dataclass(frozen=True)
class Agreement:
    exact: float  # hit/partial/miss identical to the label
    binary: float  # covered (hit or partial) vs missed, as labelled
    within_one: float  # never hit where the label says miss, or the reverse
    score_spearman: float  # rank correlation of answer scores with label-derived scores


def status_for(blended: float, hit: float, partial: float) -> PointStatus:
    return PointStatus.HIT if blended >= hit else PointStatus.PARTIAL if blended >= partial else PointStatus.MISS


_CODE = {"miss": 0, "partial": 1, "hit": 2}
_NAME = np.array(["miss", "partial", "hit"])


def agreement(signals: Iterable[PointSignal], hit: float, partial: float, keyword_weight: float) -> Agreement:
    # Vectorised: the grid search in bench/calibrate.py calls this thousands of times.
    signals = list(signals)
    cosine = np.array([s.cosine for s in signals])
    keywords = np.array([s.keyword_fraction for s in signals])
    blended = (1 - keyword_weight) * cosine + keyword_weight * keywords
    predicted = np.where(blended >= hit, 2, np.where(blended >= partial, 1, 0))
    labels = np.array([_CODE[s.label] for s in signals])
    exact = float(np.mean(predicted == labels))
    binary = float(np.mean((predicted == 0) == (labels == 0)))
    within = float(np.mean(np.abs(predicted - labels) < 2))
    return Agreement(exact, binary, within, _score_correlation(signals, list(_NAME[predicted])))


def answer_scores(signals: list[PointSignal], statuses: list[str]) -> dict[int, tuple[float, float]]:
    """Per answer: (predicted score, label score), both 0-100 weighted like the real scorer."""
    sums: dict[int, list[float]] = {}
    for s, status in zip(signals, statuses):
        acc = sums.setdefault(s.answer_index, [0.0, 0.0, 0.0])
        acc[0] += s.weight * LABEL_VALUE[status]
        acc[1] += s.weight * LABEL_VALUE[s.label]
        acc[2] += s.weight
    return {i: (100 * a / w, 100 * b / w) for i, (a, b, w) in sums.items()}


def _score_correlation(signals: list[PointSignal], predicted: list[str]) -> float:
    from scipy.stats import spearmanr

    pairs = list(answer_scores(signals, predicted).values())
    return float(spearmanr([p for p, _ in pairs], [t for _, t in pairs]).statistic)

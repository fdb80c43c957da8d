"""How well coverage thresholds agree with the labelled calibration set.

Pure arithmetic on per-(answer, point) evidence: loading the labelled set and collecting that
evidence against the bank's rubrics is in assistant/gates/calibration.py, so scoring knows no
bank. Used by bench/calibrate.py to choose thresholds and by tests to guard them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from assistant.domain import PointStatus

LABEL_VALUE = {"hit": 1.0, "partial": 0.5, "miss": 0.0}


@dataclass(frozen=True)
class PointSignal:
    """Raw evidence for one (answer, point) pair, before any threshold is applied."""

    answer_index: int
    point_id: str
    weight: float
    cosine: float
    keyword_fraction: float
    label: str


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

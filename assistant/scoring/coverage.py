"""Rubric coverage: which points an answer made, with evidence, and stated misconceptions.

Each point is compared with every span of the answer through all of the point's phrasings
(text + paraphrases); the best cosine similarity, blended with how many of the point's
keywords the answer uses, decides hit / partial / miss. Thresholds come from the calibration
set (bench/calibrate.py), not from guesses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.domain import Evidence, MisconceptionHit, PointResult, PointStatus, Rubric, Score
from assistant.scoring.embedder import Embedder
from assistant.scoring.spans import Span, with_neighbour_pairs

CREDIT = {PointStatus.HIT: 1.0, PointStatus.PARTIAL: 0.5, PointStatus.MISS: 0.0}


@dataclass(frozen=True)
class Thresholds:
    # Defaults are the calibrated values (bench/calibrate.py); Settings carries the same numbers.
    hit: float = 0.50
    partial: float = 0.46
    # bench/misconceptions.py: 0.75 flagged 5 of 144 right calibration answers; 0.80 flags none
    # and still catches claims worded close to the bank's (embeddings can't do much better).
    misconception: float = 0.80
    keyword_weight: float = 0.3
    # A misconception must match its span better than any rubric point does by this margin:
    # embeddings barely see negation, so "more data reduces variance" (right) sits close to
    # "more data reduces bias" (wrong).
    misconception_margin: float = 0.05


def _normalise(text: str) -> str:
    # Speech transcripts write "skip gram", "skip-gram" or "skipgram" for the same term.
    return re.sub(r"[-_/]+", " ", text.lower())


# Embeddings barely see negation: "it is a myth that more data reduces bias" sits right next
# to "more data reduces bias". A span that negates is not taken as stating the misconception
# (unless the misconception itself is a negative claim).
_NEGATION = re.compile(r"\b(not|no|never|isn't|aren't|doesn't|don't|didn't|won't|can't|cannot|myth|misconception|"
                       r"wrong|false|mistake|incorrect|contrary)\b|n't\b", re.I)


MIN_CLAIM_WORDS = 6


def negates(text: str) -> bool:
    return _NEGATION.search(text) is not None


def keyword_fraction(keywords: Sequence[str], text: str) -> float:
    """Share of the keywords the text uses (word-prefix match, so "gradient" finds "gradients")."""
    if not keywords:
        return 0.0
    lowered = _normalise(text)
    found = sum(1 for k in keywords if re.search(r"(?<![a-z0-9])" + re.escape(_normalise(k)), lowered))
    return found / len(keywords)


class CoverageScorer:
    def __init__(self, embedder: Embedder, thresholds: Thresholds | None = None) -> None:
        self.embedder = embedder
        self.thresholds = thresholds or Thresholds()

    def prepare(self, rubric: Rubric) -> None:
        """Load the model and embed the rubric's phrasings now (e.g. while the question is
        spoken), so scoring after the user stops costs only the answer's own sentences."""
        texts = [v for p in rubric.points for v in p.variants]
        texts += [v for m in rubric.misconceptions for v in m.variants]
        if texts:
            self.embedder.encode(texts)

    def score(self, rubric: Rubric, sentences: list[Span]) -> Score:
        spans = with_neighbour_pairs(sentences)
        if not spans:
            return self.empty_score(rubric)
        answer_text = " ".join(s.text for s in sentences)
        span_vectors = self.embedder.encode([s.text for s in spans])
        points = tuple(self._score_point(p, spans, span_vectors, answer_text) for p in rubric.points)
        misconceptions = self._find_misconceptions(rubric, spans, span_vectors)
        return Score(overall=overall_score(points), points=points, misconceptions=misconceptions)

    def empty_score(self, rubric: Rubric) -> Score:
        points = tuple(
            PointResult(p.id, p.text, p.weight, p.critical, PointStatus.MISS, 0.0, None) for p in rubric.points
        )
        return Score(overall=0.0, points=points, misconceptions=())

    def point_similarities(self, variants: Sequence[str], span_vectors: np.ndarray) -> tuple[float, int]:
        """Best cosine between any phrasing of a point and any span, and that span's index."""
        variant_vectors = self.embedder.encode(list(variants))
        sims = variant_vectors @ span_vectors.T
        flat = int(np.argmax(sims))
        return float(sims.flat[flat]), flat % span_vectors.shape[0]

    def _score_point(self, point, spans: list[Span], span_vectors: np.ndarray, answer_text: str) -> PointResult:
        cosine, index = self.point_similarities(point.variants, span_vectors)
        t = self.thresholds
        blended = (1 - t.keyword_weight) * cosine + t.keyword_weight * keyword_fraction(point.keywords, answer_text)
        status = PointStatus.HIT if blended >= t.hit else PointStatus.PARTIAL if blended >= t.partial else PointStatus.MISS
        span = spans[index]
        evidence = None if status is PointStatus.MISS else Evidence(span.text, span.start, span.end)
        return PointResult(point.id, point.text, point.weight, point.critical, status, round(blended, 4), evidence)

    def _find_misconceptions(self, rubric: Rubric, spans: list[Span], span_vectors: np.ndarray) -> tuple[MisconceptionHit, ...]:
        if not rubric.misconceptions:
            return ()
        point_texts = [v for p in rubric.points for v in p.variants]
        best_point_per_span = (self.embedder.encode(point_texts) @ span_vectors.T).max(axis=0)
        # Negating spans, and spans of a few words ("The KV cache avoids that."), are not taken
        # as stating a misconception: too little meaning for an embedding to carry a claim.
        short = np.array([len(s.text.split()) < MIN_CLAIM_WORDS for s in spans])
        negating = np.array([negates(s.text) for s in spans])
        hits = []
        for m in rubric.misconceptions:
            sims = (self.embedder.encode(list(m.variants)) @ span_vectors.T).max(axis=0)
            sims = np.where(short | (negating & (not negates(m.text))), -1.0, sims)
            index = int(np.argmax(sims))
            similarity = float(sims[index])
            span = spans[index]
            if similarity >= self.thresholds.misconception and similarity >= best_point_per_span[index] + self.thresholds.misconception_margin:
                hits.append(MisconceptionHit(m.id, m.text, m.correction, round(similarity, 4), Evidence(span.text, span.start, span.end)))
        return tuple(hits)


def overall_score(points: Sequence[PointResult]) -> float:
    total = sum(p.weight for p in points)
    if total <= 0:
        return 0.0
    return round(100.0 * sum(p.weight * CREDIT[p.status] for p in points) / total, 1)

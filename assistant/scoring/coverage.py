"""Rubric coverage: which points an answer made, with evidence, and stated misconceptions.

Two stages. Embeddings shortlist, for each point, the spans of the answer closest to any of
its phrasings (text + paraphrases). Then the judge (a cross-encoder, judge.py) reads each
shortlisted span with the point and says whether the span states it: that decides hit /
partial / miss, and the evidence is the span that states it. Embeddings alone measure topic:
"bias is underfitting, variance is overfitting" sits at 0.55 from "error decomposes into bias,
variance and noise" while stating none of it. Without a judge (scorer = "embedding"), the old
rule applies: cosine blended with the share of the point's keywords in the same span.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.domain import Evidence, MisconceptionHit, PointResult, PointStatus, Rubric, RubricPoint, Score
from assistant.scoring.embedder import Embedder
from assistant.scoring.judge import PointJudge, states_score
from assistant.scoring.keywords import keyword_fraction
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
    # With the point check (verify.py) re-reading every credited point, the points a rubric takes
    # from a template (the system-design steps) are shortlisted on meaning alone when their
    # keywords would only lower them. Shared steps carry generic keywords ("training data",
    # "logged", "sources") that a product-specific answer rarely says: the blend kept 41% of the
    # stated steps of bench/data/design_dev/ from ever being read (the check, not the keywords,
    # tells a stated step from an absent one there), while a specific one ("baseline") still
    # helps. Without the check the blend stays: absent steps would be credited more often.
    # bench/design_points.py has the figures.
    template_steps_on_meaning: bool = False
    # A misconception must match its span better than any rubric point does by this margin:
    # embeddings barely see negation, so "more data reduces variance" (right) sits close to
    # "more data reduces bias" (wrong).
    misconception_margin: float = 0.05
    # Judge stage. Spans below the floor are not judged at all (nothing about the point there);
    # the best `shortlist` spans above it are. A point is hit when the judge's probability that
    # a span states it reaches judge_hit, partial when states + partly reaches judge_partial.
    # These are the judge's own decision rule (the most likely class), not fitted to any set.
    shortlist: int = 3
    shortlist_floor: float = 0.25
    judge_hit: float = 0.5
    judge_partial: float = 0.5
    judge_misconception: float = 0.6

    def blend(self, point: RubricPoint, cosine: np.ndarray, keyword_share: np.ndarray) -> np.ndarray:
        """Per span, the embedding stage's value for a point: cosine blended with the share of the
        point's keywords in that span (or cosine alone for a template step, when that is higher)."""
        blended = (1 - self.keyword_weight) * cosine + self.keyword_weight * keyword_share
        if self.template_steps_on_meaning and point.template is not None:
            return np.maximum(blended, cosine)
        return blended


# Embeddings barely see negation: "it is a myth that more data reduces bias" sits right next
# to "more data reduces bias". A span that negates is not taken as stating the misconception
# (unless the misconception itself is a negative claim).
_NEGATION = re.compile(r"\b(not|no|never|isn't|aren't|doesn't|don't|didn't|won't|can't|cannot|myth|misconception|"
                       r"wrong|false|mistake|incorrect|contrary)\b|n't\b", re.I)


MIN_CLAIM_WORDS = 6


def negates(text: str) -> bool:
    return _NEGATION.search(text) is not None


class CoverageScorer:
    def __init__(self, embedder: Embedder, thresholds: Thresholds | None = None, judge: PointJudge | None = None) -> None:
        self.embedder = embedder
        self.thresholds = thresholds or Thresholds()
        self.judge = judge

    def prepare(self, rubric: Rubric) -> None:
        """Load the models and embed the rubric's phrasings now (e.g. while the question is
        spoken), so scoring after the user stops costs only the answer's own sentences."""
        texts = [v for p in rubric.points for v in p.variants]
        texts += [v for m in rubric.misconceptions for v in m.variants]
        if texts:
            self.embedder.encode(texts)
        if self.judge is not None:
            self.judge.judge([(texts[0], texts[0])] if texts else [])

    def score(self, rubric: Rubric, sentences: list[Span]) -> Score:
        spans = with_neighbour_pairs(sentences)
        if not spans:
            return self.empty_score(rubric)
        span_vectors = self.embedder.encode([s.text for s in spans])
        score_point = self._judge_point if self.judge is not None else self._embed_point
        points = tuple(score_point(p, spans, span_vectors) for p in rubric.points)
        misconceptions = self._find_misconceptions(rubric, spans, span_vectors)
        return Score(overall=overall_score(points), points=points, misconceptions=misconceptions)

    def empty_score(self, rubric: Rubric) -> Score:
        points = tuple(
            PointResult(p.id, p.text, p.weight, p.critical, PointStatus.MISS, 0.0, None) for p in rubric.points
        )
        return Score(overall=0.0, points=points, misconceptions=())

    def span_similarities(self, variants: Sequence[str], span_vectors: np.ndarray) -> np.ndarray:
        """Per span, the best cosine with any phrasing of the point."""
        return (self.embedder.encode(list(variants)) @ span_vectors.T).max(axis=0)

    def point_similarities(self, variants: Sequence[str], span_vectors: np.ndarray) -> tuple[float, int]:
        """Best cosine between any phrasing of a point and any span, and that span's index."""
        sims = self.span_similarities(variants, span_vectors)
        index = int(np.argmax(sims))
        return float(sims[index]), index

    def _status(self, value: float, hit: float, partial: float) -> PointStatus:
        return PointStatus.HIT if value >= hit else PointStatus.PARTIAL if value >= partial else PointStatus.MISS

    def _result(self, point, status: PointStatus, value: float, span: Span) -> PointResult:
        evidence = None if status is PointStatus.MISS else Evidence(span.text, span.start, span.end)
        return PointResult(point.id, point.text, point.weight, point.critical, status, round(value, 4), evidence)

    def _embed_point(self, point: RubricPoint, spans: list[Span], span_vectors: np.ndarray) -> PointResult:
        t = self.thresholds
        sims = self.span_similarities(point.variants, span_vectors)
        # Keywords count only in the span that matched, not anywhere in the answer.
        blended = t.blend(point, sims, np.array([keyword_fraction(point.keywords, s.text) for s in spans]))
        index = int(np.argmax(blended))
        value = float(blended[index])
        return self._result(point, self._status(value, t.hit, t.partial), value, spans[index])

    def judged_spans(self, variants: Sequence[str], spans: list[Span], span_vectors: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """(span index, best (not, partly, states) over the phrasings) for the shortlisted spans."""
        assert self.judge is not None
        t = self.thresholds
        sims = self.span_similarities(variants, span_vectors)
        shortlist = [int(i) for i in np.argsort(-sims)[: t.shortlist] if sims[i] >= t.shortlist_floor]
        if not shortlist:
            return []
        pairs = [(v, spans[i].text) for i in shortlist for v in variants]
        probs = self.judge.judge(pairs).reshape(len(shortlist), len(variants), 3)
        best_variant = np.argmax(states_score(probs), axis=1)
        return [(i, probs[k, best_variant[k]]) for k, i in enumerate(shortlist)]

    def _judge_point(self, point, spans: list[Span], span_vectors: np.ndarray) -> PointResult:
        t = self.thresholds
        judged = self.judged_spans(point.variants, spans, span_vectors)
        if not judged:
            return self._result(point, PointStatus.MISS, 0.0, spans[0])

        def rank(item: tuple[int, np.ndarray]) -> tuple[float, int]:
            index, probs = item
            # The clearest statement wins; between equals, a single sentence beats a pair.
            return (round(float(states_score(probs)), 2), -len(spans[index].text))

        index, probs = max(judged, key=rank)
        status = (PointStatus.HIT if probs[2] >= t.judge_hit
                  else PointStatus.PARTIAL if probs[1] + probs[2] >= t.judge_partial else PointStatus.MISS)
        return self._result(point, status, float(states_score(probs)), spans[index])

    def _find_misconceptions(self, rubric: Rubric, spans: list[Span], span_vectors: np.ndarray) -> tuple[MisconceptionHit, ...]:
        if not rubric.misconceptions:
            return ()
        # Negating spans, and spans of a few words ("The KV cache avoids that."), are not taken
        # as stating a misconception: too little meaning to carry a claim, and a penalty must be sure.
        short = np.array([len(s.text.split()) < MIN_CLAIM_WORDS for s in spans])
        negating = np.array([negates(s.text) for s in spans])
        if self.judge is not None:
            return tuple(self._judged_misconceptions(rubric, spans, span_vectors, short, negating))
        point_texts = [v for p in rubric.points for v in p.variants]
        best_point_per_span = (self.embedder.encode(point_texts) @ span_vectors.T).max(axis=0)
        hits = []
        for m in rubric.misconceptions:
            sims = self.span_similarities(m.variants, span_vectors)
            sims = np.where(short | (negating & (not negates(m.text))), -1.0, sims)
            index = int(np.argmax(sims))
            similarity = float(sims[index])
            span = spans[index]
            if similarity >= self.thresholds.misconception and similarity >= best_point_per_span[index] + self.thresholds.misconception_margin:
                hits.append(MisconceptionHit(m.id, m.text, m.correction, round(similarity, 4), Evidence(span.text, span.start, span.end)))
        return tuple(hits)

    def _judged_misconceptions(self, rubric: Rubric, spans: list[Span], span_vectors: np.ndarray,
                               short: np.ndarray, negating: np.ndarray) -> list[MisconceptionHit]:
        hits = []
        for m in rubric.misconceptions:
            blocked = short | (negating & (not negates(m.text)))
            judged = [(i, p) for i, p in self.judged_spans(m.variants, spans, span_vectors) if not blocked[i]]
            if not judged:
                continue
            index, probs = max(judged, key=lambda item: float(item[1][2]))
            if probs[2] >= self.thresholds.judge_misconception:
                span = spans[index]
                hits.append(MisconceptionHit(m.id, m.text, m.correction, round(float(probs[2]), 4),
                                             Evidence(span.text, span.start, span.end)))
        return hits


def overall_score(points: Sequence[PointResult]) -> float:
    total = sum(p.weight for p in points)
    if total <= 0:
        return 0.0
    return round(100.0 * sum(p.weight * CREDIT[p.status] for p in points) / total, 1)

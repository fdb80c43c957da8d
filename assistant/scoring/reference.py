"""Grade answers against a plain reference answer (no rubric): the reference's sentences
become equally weighted points. Used by `viva grade` for batches and by the benchmarks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assistant.domain import Rubric, RubricPoint, Score
from assistant.scoring.coverage import CoverageScorer
from assistant.scoring.spans import sentences_from_text, with_neighbour_pairs

# Alternative reference answers in one cell (as in SemEval's data) are separated by this.
ALTERNATIVES_SEPARATOR = "|||"
_STOPWORDS = frozenset(
    """a an the and or but if then than that this these those there their they them it its is are was were be been
    being of to in on at by for with from as into about over under between through so such not no do does did done
    have has had having can could would should will may might must we you he she i me my our your his her what
    which who whom when where why how all any each some more most other also just very because while""".split()
)


@dataclass(frozen=True)
class GradeRow:
    question: str
    reference: str
    answer: str


def content_words(text: str, limit: int = 8) -> tuple[str, ...]:
    words = re.findall(r"[a-z][a-z0-9-]+", text.lower())
    return tuple(dict.fromkeys(w for w in words if w not in _STOPWORDS and len(w) > 2))[:limit]


def rubric_from_reference(reference: str, question_id: str = "reference") -> Rubric:
    """Alternatives (a ||| b) are phrasings of one point; otherwise each sentence is a point."""
    alternatives = [a.strip() for a in reference.split(ALTERNATIVES_SEPARATOR) if a.strip()]
    if len(alternatives) > 1:
        texts = [alternatives]
    else:
        texts = [[s.text] for s in sentences_from_text(reference)] or [[reference]]
    points = tuple(
        RubricPoint(
            id=f"p{i + 1}", text=variants[0], weight=1.0, keywords=content_words(variants[0]),
            paraphrases=tuple(variants[1:]),
        )
        for i, variants in enumerate(texts)
    )
    return Rubric(question_id=question_id, points=points)


def grade_rows(scorer: CoverageScorer, rows: Sequence[GradeRow], rubrics: Sequence[Rubric] | None = None) -> list[Score]:
    """Grade many answers; all texts are embedded in one batched pass first (the slow part)."""
    rubrics = list(rubrics) if rubrics is not None else [rubric_from_reference(r.reference) for r in rows]
    scorer.embedder.encode(list(_all_texts(rows, rubrics)))
    return [scorer.score(rubric, sentences_from_text(row.answer)) for row, rubric in zip(rows, rubrics, strict=True)]


def _all_texts(rows: Sequence[GradeRow], rubrics: Sequence[Rubric]) -> Iterable[str]:
    seen: dict[str, None] = {}
    for row, rubric in zip(rows, rubrics, strict=True):
        for point in rubric.points:
            for variant in point.variants:
                seen.setdefault(variant, None)
        for span in with_neighbour_pairs(sentences_from_text(row.answer)):
            seen.setdefault(span.text, None)
    return seen.keys()

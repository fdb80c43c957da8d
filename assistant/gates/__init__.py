"""Content gates for the question bank: the package that knows both the bank and the scorer.

`assistant.bank` loads and validates files without any model, `assistant.scoring` scores an
answer against a rubric without knowing where rubrics come from; the gates hold the bank's
content to the scorer (gates/scored.py) and to rules that need no model (gates/content.py),
and gates/calibration.py joins the labelled calibration set to the bank. `viva bank quality`
and tests/test_bank_quality.py run them; tests/test_architecture.py keeps the layering.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from assistant.gates.issues import QualityIssue

# Cheap gates first: they need no model, so `viva bank quality -g keywords` runs in seconds.
MODEL_FREE_GATES = ("time-limit", "phase-prerequisites", "keywords")
SCORED_GATES = ("own-answer", "own-misconceptions", "duplicate-points", "duplicate-question", "answer-similarity", "other-topic")
GATES = MODEL_FREE_GATES + SCORED_GATES

__all__ = ["GATES", "MODEL_FREE_GATES", "SCORED_GATES", "QualityIssue", "check_bank"]


def check_bank(scorer, bank, topics: Iterable[str] | None = None, gates: Iterable[str] = GATES,
               cache_dir: Path | None = None) -> list[QualityIssue]:
    """Gate failures for questions in `topics` (all topics when None), measured against the whole
    bank. `scorer` may be None when only model-free gates run; with `cache_dir`, embeddings are
    kept on disk between runs (gates/embedding_cache.py)."""
    from assistant.gates import content, scored
    from assistant.gates.embedding_cache import cached_embeddings

    gates = tuple(gates)
    unknown = set(gates) - set(GATES)
    if unknown:
        raise ValueError(f"unknown quality gates {sorted(unknown)}; known: {', '.join(GATES)}")
    if scorer is None and set(gates) & set(SCORED_GATES):
        raise ValueError(f"gates {sorted(set(gates) & set(SCORED_GATES))} need a scorer")
    wanted = set(topics) if topics else None
    checked = [q for q in bank.questions.values() if wanted is None or q.topic in wanted]
    everything = list(bank.questions.values())
    by_id = dict(bank.questions)
    matrix: list = []

    def cross():  # every model answer on every rubric, once for both gates that need it
        if not matrix:
            matrix.append(scored.cross_scores(scorer, everything, [q.model_answer for q in everything]))
        return matrix[0]

    run: dict[str, Callable[[], list[QualityIssue]]] = {
        "time-limit": lambda: content.time_limits(checked),
        "phase-prerequisites": lambda: content.phase_prerequisites(checked, by_id),
        "keywords": lambda: content.keywords(checked, by_id),
        "own-answer": lambda: scored.own_answers(scorer, checked),
        "own-misconceptions": lambda: scored.own_misconceptions(scorer, checked),
        "duplicate-points": lambda: scored.duplicate_points(scorer, checked),
        "duplicate-question": lambda: scored.duplicate_questions(scorer, checked, everything),
        "answer-similarity": lambda: scored.similar_answers(checked, everything, cross()),
        "other-topic": lambda: scored.other_topic_answers(checked, everything, cross()),
    }
    with cached_embeddings(scorer, cache_dir / "gate-embeddings" if cache_dir and scorer is not None else None):
        return [issue for gate in GATES if gate in gates for issue in run[gate]()]

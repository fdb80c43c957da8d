"""Content gates for the whole bank, on the real scorer (see assistant/bank/quality.py)."""

from __future__ import annotations

from collections import Counter

import pytest

from assistant.bank.quality import check_bank

pytestmark = pytest.mark.slow

MINIMUMS = {"supervised-learning": 30, "unsupervised-learning": 30, "deep-learning": 30, "nlp": 30,
            "computer-vision": 30, "mlops": 30, "llms-transformers": 20, "ml-system-design": 20}


def test_bank_size_and_coverage(real_services) -> None:
    bank = real_services.bank
    assert bank.problems == []
    counts = Counter(q.topic for q in bank.questions.values())
    for topic, minimum in MINIMUMS.items():
        assert counts[topic] >= minimum, (topic, counts[topic])
    derivations = [q for q in bank.questions.values() if q.kind == "derivation"]
    assert len(derivations) >= 10
    assert len(bank.questions) >= 220
    for q in bank.questions.values():
        assert 3 <= len(q.rubric.points) and 1 <= len(q.follow_ups) <= 2, q.id
        assert all(len(p.paraphrases) >= 2 for p in q.rubric.points), q.id
        words = len(q.model_answer.split())
        assert 120 <= words <= 520, (q.id, words)  # 60-150 s read aloud; system design longer
    for q in bank.by_topic("ml-system-design"):
        assert {"clarify-requirements", "monitoring"} <= {p.id for p in q.rubric.points}, q.id


def test_every_quality_gate_passes(real_services) -> None:
    issues = check_bank(real_services.scorer, real_services.bank)
    assert [str(i) for i in issues] == []

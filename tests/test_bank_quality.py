"""Content gates for the whole bank (assistant/gates/): the model-free ones on every run, the
ones on the real scorer as slow tests; and each new gate caught on a small bank of its own."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from assistant.bank import load_bank
from assistant.domain import Question, Rubric, RubricPoint
from assistant.gates import MODEL_FREE_GATES, SCORED_GATES, check_bank
from assistant.gates import content
from assistant.gates.embedding_cache import DiskCachedEmbedder
from assistant.gates.scored import cross_scores, similar_answers
from assistant.scoring.coverage import CoverageScorer
from tests.conftest import REPO
from tests.fakes import BagOfWordsEmbedder

MINIMUMS = {"supervised-learning": 30, "unsupervised-learning": 30, "deep-learning": 30, "nlp": 30,
            "computer-vision": 30, "mlops": 30, "llms-transformers": 20, "ml-system-design": 20}


@pytest.fixture(scope="module")
def bank():
    return load_bank(REPO / "question_bank", REPO / "rubrics")


def test_bank_size_and_coverage(bank) -> None:
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


def test_every_model_free_gate_passes(bank) -> None:
    issues = check_bank(None, bank, gates=MODEL_FREE_GATES)
    assert [str(i) for i in issues] == []


@pytest.mark.slow
def test_every_scored_gate_passes(real_services, pytestconfig) -> None:
    # Embeddings persist in pytest's cache between runs: only changed texts are embedded again.
    cache = Path(pytestconfig.cache.mkdir("viva-gates"))
    issues = check_bank(real_services.scorer, real_services.bank, gates=SCORED_GATES, cache_dir=cache)
    assert [str(i) for i in issues] == []


def _question(qid: str, topic: str, answer: str, phase: int = 1, keywords=("gradient",), requires=(), time_limit=120) -> Question:
    # Each question's point has its own text: points shared word for word come from a template.
    point = RubricPoint("p", f"Gradient descent moves against the gradient ({qid}).", 1.0, tuple(keywords),
                        ("We step opposite the gradient.", "Move downhill along the negative gradient."))
    return Question(qid, topic, phase, "concept", "easy", f"What is {qid}?", time_limit, answer,
                    rubric=Rubric(qid, (point,)), requires=tuple(requires))


def test_time_limit_gate_wants_room_at_140_words_a_minute() -> None:
    fits = _question("a", "t", "word " * 250, time_limit=120)  # 107 s of 120: 89%
    tight = replace(fits, id="b", model_answer="word " * 260)  # 111 s: 93%
    assert [i.question_id for i in content.time_limits([fits, tight])] == ["b"]
    assert "raise time_limit to 150" in content.time_limits([tight])[0].detail


def test_prerequisites_never_come_from_a_later_phase() -> None:
    basics = _question("basics", "t", "x", phase=1)
    later = _question("later", "t", "x", phase=3)
    ok = _question("ok", "t", "x", phase=3, requires=["basics"])
    early = _question("early", "t", "x", phase=2, requires=["later"])
    ghost = _question("ghost", "t", "x", phase=2, requires=["nowhere"])
    everything = {q.id: q for q in (basics, later, ok, early, ghost)}
    issues = content.phase_prerequisites(everything.values(), everything)
    assert [(i.question_id, "later" in i.detail or "nowhere" in i.detail) for i in issues] == [("early", True), ("ghost", True)]


def test_keyword_gate_rejects_generic_stem_and_single_letter_keywords() -> None:
    answers = [_question(f"q{i}", "t", f"We train the model on data number {i} and the loss goes down.") for i in range(9)]
    target = _question("target", "u", "Gradient descent steps along the negative gradient.",
                       keywords=("gradient", "loss", "gradi", "C"))
    target = replace(target, rubric=Rubric("target", (replace(target.rubric.points[0], paraphrases=(
        "We step opposite the gradient and the loss falls.", "C sets how far you move along the negative gradient.")),)))
    everything = {q.id: q for q in (*answers, target)}
    details = [i.detail for i in content.keywords([target], everything)]
    assert any("'loss' is in 9 of 9" in d for d in details), details  # says nothing about the point
    assert any("'gradi' never matches" in d for d in details), details  # a stem: whole words only
    assert any("'C' is a single letter" in d for d in details), details
    assert not any("'gradient'" in d for d in details), details


def test_answer_similarity_flags_answers_that_cover_each_others_rubrics_across_topics() -> None:
    a, b, c, d = (_question("a", "one", "x"), _question("b", "two", "x"), _question("c", "one", "x"),
                  _question("d", "two", "x"))
    # matrix[i, j]: answer j on question i's rubric. a~b cover each other, a~c too but share a
    # topic, and d's answer covers a's rubric without a's covering d's (an advanced question
    # restating basics: not a duplicate).
    matrix = np.array([[100, 80, 90, 95], [70, 100, 0, 0], [90, 0, 100, 0], [10, 0, 0, 100]], dtype=float)
    flagged = [(i.question_id, i.detail.split("'")[0]) for i in similar_answers([a, b, c, d], [a, b, c, d], matrix)]
    assert flagged == [("a", "b"), ("b", "a")]


def test_cross_scores_find_an_answer_on_its_own_rubric_and_not_on_another() -> None:
    scorer = CoverageScorer(BagOfWordsEmbedder())
    own = _question("own", "t", "Gradient descent moves against the gradient. We step opposite the gradient.")
    other = _question("other", "u", "Bagging averages bootstrap models. Random forests decorrelate the trees.")
    matrix = cross_scores(scorer, [own, other], [own.model_answer, other.model_answer])
    assert matrix[0, 0] == 100 and matrix[0, 1] == 0


def test_gate_embeddings_are_kept_on_disk(tmp_path: Path) -> None:
    calls = []

    class Counting(BagOfWordsEmbedder):
        def encode(self, texts):
            calls.append(list(texts))
            return super().encode(texts)

    first = DiskCachedEmbedder(Counting(), tmp_path)
    vectors = first.encode(["alpha beta", "gamma"])
    first.save()
    second = DiskCachedEmbedder(Counting(), tmp_path)
    assert (second.encode(["gamma", "alpha beta"]) == vectors[::-1]).all()
    assert calls == [["alpha beta", "gamma"]]  # the second embedder read them from disk


def test_keyword_index_finds_what_the_scorer_finds(bank) -> None:
    from assistant.gates.keyword_index import KeywordIndex
    from assistant.scoring.keywords import keyword_matches, normalise_tokens

    answers = {q.id: q.model_answer for q in list(bank.questions.values())[::6]}
    index = KeywordIndex(answers)
    keywords = sorted({k for q in bank.questions.values() for p in q.rubric.points for k in p.keywords})[::40]
    keywords += ["skip gram", "skipgram", "labelled data", "7x7", "thirty-two thousand"]
    for keyword in keywords:
        slow = [key for key, text in answers.items() if keyword_matches(keyword, normalise_tokens(text))]
        assert index.matching(keyword) == slow, keyword

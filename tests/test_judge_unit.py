"""The two-stage scorer (embedding shortlist, then a judge) and the judge's training pairs, without models."""

from __future__ import annotations

import random

from assistant.domain import Misconception, PointStatus, Rubric, RubricPoint
from assistant.scoring.coverage import CoverageScorer, Thresholds
from assistant.scoring.judge_data import NOT, PARTLY, STATES, first_clause, negate, swap_antonym, swap_terms, training_pairs
from assistant.scoring.keywords import keyword_fraction, keyword_matches, normalise_tokens
from assistant.scoring.spans import sentences_from_text
from tests.fakes import BagOfWordsEmbedder, WordCoverageJudge

REMEDIES = RubricPoint("remedies", "more data reduces variance", 1.0, ("data", "variance"),
                       ("collecting more examples lowers variance",))
DECOMPOSITION = RubricPoint("decomposition", "error splits into bias variance and noise", 2.0,
                            ("bias", "variance", "noise"), ("error is bias plus variance plus noise",), critical=True)
RUBRIC = Rubric("q", (DECOMPOSITION, REMEDIES),
                (Misconception("data-bias", "more data reduces bias", ("collecting more examples lowers bias",),
                               "More data reduces variance."),))


def judged(judge: WordCoverageJudge | None = None) -> CoverageScorer:
    return CoverageScorer(BagOfWordsEmbedder(), Thresholds(shortlist_floor=0.1), judge=judge or WordCoverageJudge())


def statuses(scorer: CoverageScorer, answer: str) -> dict[str, PointStatus]:
    return {p.point_id: p.status for p in scorer.score(RUBRIC, sentences_from_text(answer)).points}


def test_a_point_is_hit_only_where_a_span_states_it_and_that_span_is_the_evidence() -> None:
    answer = "Variance is about the data we have. Honestly more data reduces variance in practice. Bias exists."
    score = judged().score(RUBRIC, sentences_from_text(answer))
    remedies = next(p for p in score.points if p.point_id == "remedies")
    assert remedies.status is PointStatus.HIT
    assert remedies.evidence is not None and remedies.evidence.text == "Honestly more data reduces variance in practice."
    decomposition = next(p for p in score.points if p.point_id == "decomposition")
    assert decomposition.status is PointStatus.MISS and decomposition.evidence is None


def test_topic_words_without_the_claim_are_not_credited() -> None:
    # Bag-of-words similarity is high (same words), but no span states the decomposition.
    assert statuses(judged(), "Bias and variance and noise matter. Models differ.")["decomposition"] is PointStatus.MISS


def test_negated_and_swapped_claims_are_not_credited() -> None:
    assert statuses(judged(), "More data does not reduce variance.")["remedies"] is PointStatus.MISS
    flagged = judged().score(RUBRIC, sentences_from_text("Well, more data reduces bias in every model I know."))
    assert [m.misconception_id for m in flagged.misconceptions] == ["data-bias"]
    assert statuses(judged(), "Well, more data reduces bias in every model I know.")["remedies"] is PointStatus.MISS


def test_half_a_claim_is_partial() -> None:
    assert statuses(judged(), "The error splits into bias and variance, I think.")["decomposition"] is PointStatus.PARTIAL


def test_spans_far_from_every_phrasing_are_never_judged() -> None:
    judge = WordCoverageJudge()
    CoverageScorer(BagOfWordsEmbedder(), Thresholds(shortlist_floor=0.3), judge=judge).score(
        RUBRIC, sentences_from_text("Completely unrelated words about cooking pasta tonight."))
    assert judge.calls == []


def test_keywords_normalise_speech_forms() -> None:
    assert normalise_tokens("Thirty-two thousand labelled images, 7x7") == ["32000", "labeled", "images", "7", "by", "7"]
    assert keyword_matches("7x7", normalise_tokens("a seven by seven kernel"))
    assert keyword_matches("ResNet-50", normalise_tokens("ResNet fifty"))
    assert keyword_matches("skip-gram", normalise_tokens("a skipgram model"))
    assert keyword_matches("underfit", normalise_tokens("it is underfitting"))
    assert keyword_matches("regularization", normalise_tokens("regularisation"))


def test_short_keywords_match_whole_words_only() -> None:
    assert not keyword_matches("C", normalise_tokens("the cost function"))
    assert not keyword_matches("mode", normalise_tokens("the model"))
    assert not keyword_matches("mean", normalise_tokens("meaning"))
    assert not keyword_matches("nu", normalise_tokens("the number"))
    assert keyword_fraction(["C", "kernel"], "raise C and the kernels") == 1.0


def test_flipped_claims_for_training() -> None:
    assert negate("Dropout is a regularizer.") == "Dropout is not a regularizer."
    assert negate("Nothing to negate here") is None
    swapped = swap_antonym("L1 is a Laplace prior and L2 a Gaussian prior.", random.Random(0))
    assert swapped in {"L2 is a Laplace prior and L1 a Gaussian prior.", "L1 is a Gaussian prior and L2 a Laplace prior."}
    assert swap_terms("Bagging cuts variance while boosting cuts bias.", ("bagging", "boosting")) == \
        "boosting cuts variance while bagging cuts bias."
    assert first_clause("Bias comes from simple models, and variance from flexible ones that chase noise.") == \
        "Bias comes from simple models"


def test_training_pairs_have_every_label_and_hard_negatives_from_the_same_question() -> None:
    pairs = training_pairs([[RUBRIC]], seed=1)
    labels = {p.label for p in pairs}
    assert labels >= {NOT, STATES}
    remedies_claims = set(REMEDIES.variants)
    hard = [p for p in pairs if p.claim in remedies_claims and p.label == NOT]
    assert any("bias" in p.span.lower() for p in hard)  # the misconception and the swapped fact are negatives
    assert all(p.span.lower().rstrip(".") != p.claim.lower().rstrip(".") for p in pairs if p.label == NOT)
    assert training_pairs([[RUBRIC]], seed=1) == pairs  # reproducible
    assert PARTLY in {p.label for p in training_pairs([[Rubric("r", (RubricPoint(
        "x", "Bias comes from simple models, and variance from flexible ones that chase noise.", 1.0, ("bias",),
        ("Bias is from models that are too simple, while variance comes from flexible models.",)),))]])}


def test_features_see_what_embeddings_blur() -> None:
    from assistant.scoring.judge_features import lexical_features

    names = ["covered", "precision", "bigrams", "inversions", "negation", "opposite", "numbers"]

    def features(claim: str, span: str) -> dict[str, float]:
        return dict(zip(names, lexical_features(claim, span)))

    same = features("More data reduces variance.", "more data reduces the variance")
    assert same["covered"] == 1.0 and same["negation"] == 0.0 and same["opposite"] == 0.0
    assert features("More data reduces variance.", "More data does not reduce variance.")["negation"] == 1.0
    assert features("More data reduces variance.", "More data reduces bias.")["opposite"] == 1.0
    swapped = features("L1 is a Laplace prior and L2 a Gaussian prior.", "L1 is a Gaussian prior and L2 a Laplace prior.")
    assert swapped["covered"] == 1.0 and swapped["inversions"] > 0 and swapped["bigrams"] < 1.0
    assert features("A 3 by 3 kernel.", "a five by five kernel")["numbers"] == 1.0
    assert features("A 3 by 3 kernel.", "a three by three kernel")["numbers"] == 0.0


def test_feature_judge_reads_its_weights_and_fails_clearly_without_them(tmp_path) -> None:
    import numpy as np
    import pytest

    from assistant.scoring.judge import FeatureJudge, JudgeUnavailable
    from assistant.scoring.judge_features import LEXICAL

    width = 2 * BagOfWordsEmbedder.dims + 1 + LEXICAL
    weights = tmp_path / "judge.npz"
    w2 = np.zeros((1, 3), dtype=np.float32)
    w2[0, 2] = 5.0  # one hidden unit that fires on the cosine feature and votes "states"
    w1 = np.zeros((width, 1), dtype=np.float32)
    w1[2 * BagOfWordsEmbedder.dims, 0] = 1.0
    np.savez(weights, mean=np.zeros(width, np.float32), scale=np.ones(width, np.float32), w1=w1,
             b1=np.zeros(1, np.float32), w2=w2, b2=np.array([2.5, 0.0, 0.0], np.float32))
    judge = FeatureJudge(BagOfWordsEmbedder(), weights)
    probs = judge.judge([("more data reduces variance", "more data reduces variance"), ("more data", "pasta tonight")])
    assert probs.shape == (2, 3) and np.allclose(probs.sum(axis=1), 1.0)
    assert probs[0].argmax() == 2 and probs[1].argmax() == 0
    with pytest.raises(JudgeUnavailable, match="scorer = \"embedding\""):
        FeatureJudge(BagOfWordsEmbedder(), tmp_path / "missing.npz").judge([("a", "b")])

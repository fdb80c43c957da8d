"""A critique states only what the bank supports: checked on the real bank's questions (no model).

The replies are what small models wrote (issue 13) or could write; each is held to the bank text
of its own question.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.bank.loader import load_bank
from assistant.critique.check import checked_critique
from assistant.critique.grounding import FactSource, facts_for, unsupported
from assistant.critique.prompt import describe_result
from assistant.domain import Evidence, MisconceptionHit, PointResult, PointStatus, Question, Score
from tests.conftest import REPO


@pytest.fixture(scope="module")
def l1_vs_l2() -> Question:
    return load_bank(REPO / "question_bank", REPO / "rubrics").questions["sl-l1-vs-l2"]


def score_missing(question: Question, missed_ids: set[str]) -> Score:
    assert question.rubric is not None
    points = tuple(
        PointResult(p.id, p.text, p.weight, p.critical, PointStatus.MISS if p.id in missed_ids else PointStatus.HIT,
                    0.2 if p.id in missed_ids else 0.8,
                    None if p.id in missed_ids else Evidence(p.text, 0.0, 1.0))
        for p in question.rubric.points)
    return Score(50.0, points, ())


def bayesian_point(question: Question) -> str:
    assert question.rubric is not None
    return next(p.id for p in question.rubric.points if "Laplace" in p.text)


@pytest.mark.parametrize("sentence", [
    # What Qwen2.5-Coder-1.5B wrote (issue 13), and the same swap said in other ways.
    "L1 corresponds to MAP estimation with a Gaussian prior, while L2 corresponds to a Laplace prior.",
    "L1 corresponds to a Gaussian prior and L2 to a Laplace prior.",
    "Remember that L1 is MAP with a Gaussian prior.",
])
def test_swapped_priors_are_caught(l1_vs_l2: Question, sentence: str) -> None:
    why = unsupported(sentence, FactSource.for_question(l1_vs_l2))
    assert why is not None and "pairs" in why


@pytest.mark.parametrize("sentence", [
    "Say that L2 is MAP estimation with a Gaussian prior and L1 is MAP with a Laplace prior.",
    "Add the Bayesian reading: a Laplace prior gives L1, a Gaussian prior gives L2.",
    "Explain that the L1 ball has corners on the axes, which is why lasso sets weights to exactly zero.",
    "Mention that elastic net mixes the two penalties.",
])
def test_what_the_model_answer_says_is_kept(l1_vs_l2: Question, sentence: str) -> None:
    assert unsupported(sentence, FactSource.for_question(l1_vs_l2)) is None


def test_a_term_the_bank_never_uses_is_dropped(l1_vs_l2: Question) -> None:
    why = unsupported("You could also mention the Huber loss and its delta parameter.", FactSource.for_question(l1_vs_l2))
    assert why is not None and "Huber" in why


def test_the_candidates_own_words_may_be_named(l1_vs_l2: Question) -> None:
    sentence = "Your example with the Huber loss was a detour."
    assert unsupported(sentence, FactSource.for_question(l1_vs_l2)) is not None
    assert unsupported(sentence, FactSource.for_question(l1_vs_l2, "I once used a Huber loss.")) is None


def test_the_prompt_gives_each_missed_point_its_model_answer_sentences(l1_vs_l2: Question) -> None:
    point = bayesian_point(l1_vs_l2)
    prompt = describe_result(l1_vs_l2, score_missing(l1_vs_l2, {point}), None)
    facts = facts_for(next(p.text for p in l1_vs_l2.rubric.points if p.id == point), l1_vs_l2.model_answer)
    assert facts and all(fact in l1_vs_l2.model_answer for fact in facts)
    assert "Laplace prior" in " ".join(facts) and f'FACTS: "{facts[0]}"' in prompt


def test_a_wrong_fact_in_the_coaching_is_removed_and_noted(l1_vs_l2: Question) -> None:
    score = score_missing(l1_vs_l2, {bayesian_point(l1_vs_l2)})
    reply = ("COACHING: Add the Bayesian view of the two penalties. L1 corresponds to MAP estimation with a Gaussian "
             "prior, while L2 corresponds to a Laplace prior. Say which prior is peaked at zero.\n"
             "IMPROVE: Close with the Bayesian reading of each penalty.\n"
             "FOLLOW-UP: Which prior gives the L1 penalty, and why does its peak at zero give sparse weights?")
    critique = checked_critique(reply, l1_vs_l2, score, "L1 makes weights sparse.", "fake")
    assert "Gaussian prior, while" not in critique.coaching
    assert any("does not support" in note and "Gaussian" in note for note in critique.notes)
    assert critique.source == "llm", critique.notes  # a sentence was dropped, nothing was filled in
    assert critique.follow_up.startswith("Which prior gives the L1 penalty")


def test_a_follow_up_off_the_weakest_point_is_replaced(l1_vs_l2: Question) -> None:
    score = score_missing(l1_vs_l2, {bayesian_point(l1_vs_l2)})
    reply = ("COACHING: Add the Bayesian reading: L2 is MAP with a Gaussian prior and L1 with a Laplace prior.\n"
             "IMPROVE: End with that reading.\nFOLLOW-UP: How do you deploy a model to production safely?")
    critique = checked_critique(reply, l1_vs_l2, score, "", "fake")
    assert critique.follow_up == l1_vs_l2.follow_ups[0]
    assert any("not about the most important gap" in note for note in critique.notes)


def test_a_misconception_is_corrected_first(l1_vs_l2: Question) -> None:
    assert l1_vs_l2.rubric is not None and l1_vs_l2.rubric.misconceptions
    wrong = l1_vs_l2.rubric.misconceptions[0]
    score = replace(score_missing(l1_vs_l2, {bayesian_point(l1_vs_l2)}),
                    misconceptions=(MisconceptionHit(wrong.id, wrong.text, wrong.correction, 0.9,
                                                     Evidence(wrong.text, 0.0, 1.0)),))
    reply = ("COACHING: Add the Bayesian reading: L2 is MAP with a Gaussian prior and L1 with a Laplace prior.\n"
             "IMPROVE: End with that reading.\nFOLLOW-UP: Which prior corresponds to the L1 penalty?")
    critique = checked_critique(reply, l1_vs_l2, score, wrong.text, "fake")
    assert critique.coaching.startswith(f"First, a correction: {wrong.correction}")
    assert "Add the Bayesian reading" in critique.coaching


def test_a_sentence_on_the_worked_examples_subject_is_dropped_where_the_bank_never_mentions_it() -> None:
    bank = load_bank(REPO / "question_bank", REPO / "rubrics")
    spam, seq2seq = bank.questions["sd-spam-detection"], bank.questions["nlp-seq2seq-attention"]
    assert spam.rubric is not None and seq2seq.rubric is not None
    # The example is about a refrigerator (prompt.py); a small model rewords it for another question.
    reply = ("COACHING: Start by clarifying the requirements and constraints, such as scale and the latency budget.\n"
             "IMPROVE: Next time, explain how the heat leaves the box after the cold side.\n"
             "FOLLOW-UP: Why must the compressor make the vapour hotter than the room?")
    missed = {p.id for p in spam.rubric.points}
    critique = checked_critique(reply, spam, score_missing(spam, missed), "we flag spam with a classifier", "fake")
    assert "box" not in critique.improvement and "compressor" not in critique.follow_up
    assert any("worked example" in note and "the box" in note for note in critique.notes), critique.notes
    # Words of the example that this question's bank uses are advice on it, not borrowed.
    squeezed = ("COACHING: Say that the encoder squeezes the whole sentence into one fixed-size vector.\n"
                "IMPROVE: Next time, say why squeezing a long sentence into one vector loses information.\n"
                "FOLLOW-UP: Why does a single fixed-size vector struggle with long sentences?")
    critique = checked_critique(squeezed, seq2seq, score_missing(seq2seq, {p.id for p in seq2seq.rubric.points}), "", "fake")
    assert not any("worked example" in note for note in critique.notes), critique.notes


def test_a_rare_form_of_a_common_word_is_not_taken_for_an_unknown_term() -> None:
    kv_cache = load_bank(REPO / "question_bank", REPO / "rubrics").questions["llm-kv-cache"]
    source = FactSource.for_question(kv_cache, "")
    # "caches" and "model's" are rare as written; "cache" and "model" are common words.
    assert unsupported("Say that each layer caches the keys and values of the model's past tokens.", source) is None
    assert "Kingma" in (unsupported("Say that the KV cache was introduced by Kingma.", source) or "")


def test_a_sentence_in_words_of_its_own_is_dropped_and_a_bank_worded_one_kept() -> None:
    kv_cache = load_bank(REPO / "question_bank", REPO / "rubrics").questions["llm-kv-cache"]
    source = FactSource.for_question(kv_cache, "I cache the keys and values so nothing is recomputed.")
    # What the 1.5B wrote (bench/results/critique_hand_labels_example_off_topic.md, #8): every rare
    # term is the bank's, but the claim reverses it (the cache is exact because of the causal mask).
    why = unsupported("It is essential for maintaining the causal structure of the model and avoiding "
                      "redundant computations.", source)
    assert why is not None and "“essential”" in why and "“structure”" in why
    # Advice in the bank's words, and a word or two of the model's own, are kept.
    assert unsupported("Next time, explain why caching is exact with causal masking.", source) is None
    assert unsupported("Then mention that the cache grows linearly with sequence length and batch size.", source) is None
    # The candidate's own words may be named.
    assert source.new_words("You said nothing is recomputed.") == []


def test_an_acronyms_plural_is_the_acronym() -> None:
    gmm = load_bank(REPO / "question_bank", REPO / "rubrics").questions["ul-gmm-vs-kmeans"]
    # Dropped for "GMMs" before (bench/results/critique_hand_labels_example_off_topic_21_40.md, #24).
    sentence = "The key difference is that GMMs give soft, probabilistic assignments, while k-means gives hard assignments."
    assert unsupported(sentence, FactSource.for_question(gmm)) is None

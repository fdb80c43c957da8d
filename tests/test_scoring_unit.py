"""Scoring logic with a fake embedder and hand-made transcripts (no models)."""

from __future__ import annotations

import pytest

from assistant.domain import Misconception, PointStatus, Rubric, RubricPoint
from assistant.scoring.coverage import CoverageScorer, Thresholds, keyword_fraction, overall_score
from assistant.scoring.delivery import count_fillers, delivery_metrics
from assistant.scoring.quality import ungradeable_reason
from assistant.scoring.reference import rubric_from_reference
from assistant.scoring.spans import MAX_ANSWER_WORDS, sentences_from_text, sentences_from_transcript
from tests.fakes import BagOfWordsEmbedder, transcript_from_words

RUBRIC = Rubric(
    question_id="q",
    points=(
        RubricPoint("rate", "the learning rate sets the step size", 2.0, ("learning rate",),
                    ("step size is set by the learning rate", "learning rate scales the step"), critical=True),
        RubricPoint("gradient", "we step against the gradient of the loss", 1.0, ("gradient",),
                    ("move opposite to the gradient", "negative gradient direction")),
        RubricPoint("diverge", "a huge learning rate makes training diverge", 1.0, ("diverge",),
                    ("too big a step and it diverges", "large steps diverge")),
    ),
    misconceptions=(Misconception("global", "gradient descent always reaches the global minimum", (),
                                  "only for convex losses"),),
)


def scorer() -> CoverageScorer:
    return CoverageScorer(BagOfWordsEmbedder(), Thresholds(hit=0.7, partial=0.4, misconception=0.7, keyword_weight=0.2))


def test_full_partial_and_missing_points_with_evidence() -> None:
    answer = "We step against the gradient of the loss. The learning rate sets the step size. Something unrelated."
    score = scorer().score(RUBRIC, sentences_from_text(answer))
    status = {p.point_id: p.status for p in score.points}
    assert status == {"rate": PointStatus.HIT, "gradient": PointStatus.HIT, "diverge": PointStatus.MISS}
    rate = next(p for p in score.points if p.point_id == "rate")
    assert rate.evidence is not None and "learning rate sets the step size" in rate.evidence.text
    assert score.overall == pytest.approx(100 * 3 / 4)
    assert score.missed_critical == ()


def test_misconception_is_flagged_with_evidence() -> None:
    answer = "Gradient descent always reaches the global minimum, that is guaranteed."
    score = scorer().score(RUBRIC, sentences_from_text(answer))
    assert [m.misconception_id for m in score.misconceptions] == ["global"]
    assert "global minimum" in score.misconceptions[0].evidence.text


def test_empty_answer_scores_zero_and_lists_critical_misses() -> None:
    score = scorer().score(RUBRIC, [])
    assert score.overall == 0 and all(p.status is PointStatus.MISS for p in score.points)
    assert [p.point_id for p in score.missed_critical] == ["rate"]


def test_overall_weights_partial_credit_as_half() -> None:
    from assistant.domain import PointResult

    points = [PointResult("a", "a", 3, False, PointStatus.PARTIAL, 0.5, None),
              PointResult("b", "b", 1, False, PointStatus.HIT, 0.9, None)]
    assert overall_score(points) == pytest.approx(100 * (1.5 + 1) / 4)


def test_keyword_fraction_matches_whole_words_and_plurals() -> None:
    assert keyword_fraction(["gradient", "learning rate"], "Gradients and the Learning rate") == 1.0
    assert keyword_fraction(["gradient"], "antigradient") == 0.0


def test_keywords_count_only_in_the_matched_span() -> None:
    # "diverge" is said, but in a sentence about something else: it does not lift the point.
    rubric = Rubric("q", (RubricPoint("diverge", "a huge learning rate makes training diverge", 1.0,
                                      ("diverge", "huge"), ()),))
    embedder = BagOfWordsEmbedder()
    embedding_only = CoverageScorer(embedder, Thresholds(hit=0.9, partial=0.5, keyword_weight=0.5))
    answer = "A huge learning rate makes training slow. Something else entirely here. Models diverge in quality."
    point = embedding_only.score(rubric, sentences_from_text(answer)).points[0]
    assert point.evidence is not None and point.evidence.text == "A huge learning rate makes training slow."
    cosine = float(embedder.encode([point.text, point.evidence.text]).prod(axis=0).sum())
    assert point.similarity == pytest.approx(0.5 * cosine + 0.5 * 0.5, abs=1e-3)  # one of two keywords in the span


def test_template_steps_are_matched_on_meaning_alone_when_the_point_check_follows() -> None:
    # A shared design step's generic keywords are not said; its own question's point keeps the blend.
    # A step whose keywords are said keeps the blend too: keywords may lift a step, never hold it back.
    step = RubricPoint("metrics", "we pick offline metrics and online metrics", 1.0, ("evaluation", "guardrail"), (),
                       template="ml-system-design")
    own = RubricPoint("own", "we pick offline metrics and online metrics", 1.0, ("evaluation", "guardrail"), ())
    rubric = Rubric("q", (step, own))
    answer = sentences_from_text("We pick offline metrics and online metrics.")
    blended = CoverageScorer(BagOfWordsEmbedder(), Thresholds(hit=0.9, partial=0.6, keyword_weight=0.5))
    checked = CoverageScorer(BagOfWordsEmbedder(), Thresholds(hit=0.9, partial=0.6, keyword_weight=0.5,
                                                              template_steps_on_meaning=True))
    assert [p.status for p in blended.score(rubric, answer).points] == [PointStatus.MISS, PointStatus.MISS]
    assert [p.status for p in checked.score(rubric, answer).points] == [PointStatus.HIT, PointStatus.MISS]
    with_keywords = sentences_from_text("We pick evaluation and guardrail metrics.")
    lifted = checked.score(rubric, with_keywords).points
    assert lifted[0].similarity == lifted[1].similarity > blended.embedder.encode(
        [step.text, with_keywords[0].text]).prod(axis=0).sum()


def test_services_match_template_steps_on_meaning_only_when_the_point_check_is_wanted() -> None:
    from assistant.config import load_settings
    from assistant.services import Services

    def on_meaning(**overrides) -> bool:
        return Services(load_settings(**overrides)).scorer.thresholds.template_steps_on_meaning

    assert on_meaning(point_check="on") is True
    assert on_meaning(point_check="off") is False


def test_evidence_spans_keep_audio_times() -> None:
    transcript = transcript_from_words([("We", 0.5, 0.7), ("step.", 0.7, 1.0), ("The", 2.0, 2.2),
                                        ("learning", 2.2, 2.5), ("rate", 2.5, 2.8), ("matters.", 2.8, 3.2)])
    spans = sentences_from_transcript(transcript)
    assert [(s.text, s.start, s.end) for s in spans] == [("We step.", 0.5, 1.0), ("The learning rate matters.", 2.0, 3.2)]


def test_huge_answers_are_capped() -> None:
    spans = sentences_from_text("word " * (MAX_ANSWER_WORDS * 3))
    assert sum(len(s.text.split()) for s in spans) == MAX_ANSWER_WORDS


def test_delivery_metrics_from_word_timestamps() -> None:
    words = [("Um,", 2.0, 2.3), ("the", 2.4, 2.5), ("learning", 2.5, 2.9), ("rate", 2.9, 3.2), ("uh", 5.0, 5.2),
             ("you", 5.3, 5.4), ("know", 5.4, 5.6), ("matters.", 5.6, 6.0)]
    d = delivery_metrics(transcript_from_words(words, duration=130.0), time_limit=120)
    assert d.thinking_time == 2.0
    assert d.filler_count == 3 and d.fillers == {"um": 1, "uh": 1, "you know": 1}
    assert d.long_pauses == 1 and d.longest_pause == pytest.approx(1.8)
    assert d.word_count == 6  # fillers are not counted as words
    assert d.overrun == 0.0  # the last word ends at 6 s; trailing silence is not overrun
    assert d.speaking_time == pytest.approx(4.0 - 1.8)
    assert d.words_per_minute == pytest.approx(60 * 6 / 2.2, rel=0.01)


def test_filler_spellings() -> None:
    assert count_fillers("Umm, uhh... erm, hmm, so, I mean, like") == {"um": 1, "uh": 1, "er": 1, "hmm": 1, "i mean": 1}


def test_overrun_when_speaking_past_the_limit() -> None:
    d = delivery_metrics(transcript_from_words([("a", 1.0, 1.2), ("b.", 95.0, 95.5)]), time_limit=90)
    assert d.overrun == pytest.approx(5.5)


def test_uncertain_transcripts_are_not_graded() -> None:
    assert ungradeable_reason(transcript_from_words([])) is not None
    mumble = transcript_from_words([("mm", 0.0, 0.3)], no_speech_prob=0.9, avg_logprob=-0.9)
    assert "silence or noise" in ungradeable_reason(mumble)
    garbled = transcript_from_words([("x", 0, 1), ("y", 1, 2), ("z", 2, 3), ("w", 3, 4)], avg_logprob=-1.8)
    assert "very unsure" in ungradeable_reason(garbled)
    clear = transcript_from_words([("the", 0, 1), ("learning", 1, 2), ("rate", 2, 3)])
    assert ungradeable_reason(clear) is None


def test_reference_answers_become_points() -> None:
    two = rubric_from_reference("The gap separates the terminals. So there is a voltage.")
    assert [p.text for p in two.points] == ["The gap separates the terminals.", "So there is a voltage."]
    alternatives = rubric_from_reference("terminal 1 is separated ||| terminal 1 is not connected")
    assert len(alternatives.points) == 1 and alternatives.points[0].paraphrases == ("terminal 1 is not connected",)
    assert "terminal" in alternatives.points[0].keywords


def test_a_negated_misconception_is_not_flagged() -> None:
    answer = "It is a myth that gradient descent always reaches the global minimum; that only holds for convex losses."
    score = scorer().score(RUBRIC, sentences_from_text(answer))
    assert score.misconceptions == ()


def test_evidence_joins_whispers_hyphenated_word_pieces() -> None:
    from assistant.scoring.spans import sentences_from_transcript

    words = [("Explain", 0.0, 0.3), ("the", 0.3, 0.4), ("bias", 0.4, 0.7), ("-variance", 0.7, 1.2),
             ("trade", 1.2, 1.5), ("-off", 1.5, 1.7), ("-", 1.7, 1.8), ("briefly.", 1.8, 2.3)]
    spans = sentences_from_transcript(transcript_from_words(words))
    assert spans[0].text == "Explain the bias-variance trade-off - briefly."
    assert (spans[0].start, spans[0].end) == (0.0, 2.3)

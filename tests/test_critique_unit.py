"""Critique parsing and checking with crafted model outputs (no model needed)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from assistant.critique.check import checked_critique, parse_reply, rubric_critique
from assistant.critique.critic import Critic
from assistant.critique.models import ModelUnavailable
from assistant.critique.prompt import build_messages
from assistant.domain import (Evidence, PointResult, PointStatus, Question, Rubric, RubricPoint, Score)
from tests.fakes import transcript_from_words

RUBRIC = Rubric("q", (
    RubricPoint("decomposition", "Error decomposes into bias squared, variance and irreducible noise.", 2,
                ("irreducible", "decompos"), ("a", "b"), critical=True),
    RubricPoint("underfitting", "High bias means underfitting.", 1, ("underfit",), ("a", "b")),
    RubricPoint("remedies", "Bagging and regularization reduce variance.", 1, ("bagging", "regulariz"), ("a", "b")),
))
QUESTION = Question("q", "t", 1, "concept", "easy", "Explain the bias-variance trade-off.", 120, "x" * 50,
                    ("How do learning curves show high variance?",), rubric=RUBRIC)
TRANSCRIPT = "A simple model underfits because of high bias. More data helps."
SCORE = Score(40.0, (
    PointResult("decomposition", RUBRIC.points[0].text, 2, True, PointStatus.MISS, 0.2, None),
    PointResult("underfitting", RUBRIC.points[1].text, 1, False, PointStatus.HIT, 0.8,
                Evidence("A simple model underfits because of high bias.", 0.0, 2.0)),
    PointResult("remedies", RUBRIC.points[2].text, 1, False, PointStatus.PARTIAL, 0.47, None),
), ())


def test_prompt_grounds_the_model_in_the_rubric_result() -> None:
    messages = build_messages(QUESTION, SCORE, None)
    user = messages[-1]["content"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert 'P2 (evidence: "A simple model underfits because of high bias.")' in user
    assert "P1. Error decomposes into bias squared, variance and irreducible noise. [critical]" in user
    assert "MISSED (most important first): P1" in user and "PARTLY COVERED (say it explicitly): P3" in user
    assert user.endswith("The FOLLOW-UP asks about P1.")  # named: "the first missed point" was not followed


def test_the_rubric_part_of_the_prompt_comes_first_and_does_not_depend_on_the_score() -> None:
    from dataclasses import replace

    from assistant.critique.prompt import fixed_prefix_messages

    other = replace(SCORE, points=tuple(replace(p, status=PointStatus.MISS, evidence=None) for p in SCORE.points))
    prepared = fixed_prefix_messages(QUESTION)[-1]["content"]
    for score in (SCORE, other):  # what is read while the user answers is the start of every real prompt
        assert build_messages(QUESTION, score, None)[-1]["content"].startswith(prepared)
    assert build_messages(QUESTION, SCORE, None)[:-1] == fixed_prefix_messages(QUESTION)[:-1]


def test_well_formed_reply_is_kept() -> None:
    reply = ("COACHING: Start from the decomposition: the expected error splits into bias squared, variance and "
             "irreducible noise. Then name remedies such as bagging.\nIMPROVE: Open with the decomposition.\n"
             "FOLLOW-UP: Which term of the decomposition can no model reduce, and why?")
    critique = checked_critique(reply, QUESTION, SCORE, TRANSCRIPT, "fake")
    assert critique.source == "llm" and critique.notes == ()
    assert critique.follow_up.endswith("?") and "irreducible" in critique.coaching


def test_claim_that_a_missed_point_was_covered_is_removed() -> None:
    reply = ("COACHING: You explained the irreducible noise term clearly. Next time add bagging as a remedy for "
             "variance and say explicitly how regularization helps.\nIMPROVE: Mention bagging.\n"
             "FOLLOW-UP: How would you reduce variance in a random forest?")
    critique = checked_critique(reply, QUESTION, SCORE, TRANSCRIPT, "fake")
    assert "irreducible" not in critique.coaching and "bagging" in critique.coaching
    assert critique.source == "llm+rubric" and "was covered" in critique.notes[0]


def test_invented_quote_is_removed() -> None:
    reply = ('COACHING: You said "variance is always bad" which is not right. Explain that the error has three parts, '
             "bias squared, variance and irreducible noise.\nIMPROVE: State the decomposition.\n"
             "FOLLOW-UP: What does the noise term represent?")
    critique = checked_critique(reply, QUESTION, SCORE, TRANSCRIPT, "fake")
    assert "always bad" not in critique.coaching and "never said" in critique.notes[0]


def test_claim_that_a_covered_point_was_missed_is_removed() -> None:
    reply = ("COACHING: You forgot to say that high bias causes underfitting. Add the decomposition into bias squared, "
             "variance and irreducible noise.\nIMPROVE: Say the decomposition first.\nFOLLOW-UP: Why is noise irreducible?")
    critique = checked_critique(reply, QUESTION, SCORE, TRANSCRIPT, "fake")
    assert "forgot" not in critique.coaching and "decomposition" in critique.coaching


def test_unformatted_or_empty_replies_fall_back_to_the_rubric() -> None:
    only_question = checked_critique("What is irreducible error?", QUESTION, SCORE, TRANSCRIPT, "fake")
    assert only_question.follow_up == "What is irreducible error?"
    assert only_question.coaching == rubric_critique(QUESTION, SCORE).coaching
    empty = checked_critique("", QUESTION, SCORE, TRANSCRIPT, "fake")
    assert "did not cover this point: Error decomposes" in empty.coaching
    assert empty.follow_up == "How do learning curves show high variance?"
    assert len(empty.notes) == 3


def test_parse_accepts_markdown_labels() -> None:
    parsed = parse_reply("**Coaching:** Say more.\n**Improvement:** One thing.\n**Follow-up question:** Why?")
    assert (parsed.coaching, parsed.improvement, parsed.follow_up) == ("Say more.", "One thing.", "Why?")


class BrokenLLM:
    name = "broken"

    def stream(self, messages, *, max_tokens: int, prefill: str = "") -> Iterator[str]:
        raise ModelUnavailable("model file is corrupt")
        yield ""


def test_broken_model_still_gives_rubric_feedback() -> None:
    critique = Critic(BrokenLLM()).critique(QUESTION, transcript_from_words([("x", 0, 1)]), SCORE, None)
    assert critique.source == "rubric" and "corrupt" in critique.notes[0]
    assert "Error decomposes" in critique.coaching


def test_ungraded_answers_get_no_model_critique() -> None:
    ungraded = Score(0.0, SCORE.points, (), graded=False, reason="no speech was recognised")
    critique = Critic(BrokenLLM()).critique(QUESTION, transcript_from_words([]), ungraded, None)
    assert "no speech" in critique.coaching


def test_copies_of_the_worked_example_are_rejected() -> None:
    from assistant.critique.prompt import EXAMPLE_ASSISTANT

    parsed = parse_reply(EXAMPLE_ASSISTANT)
    reply = (f"COACHING: {parsed.coaching} Add the decomposition into bias squared, variance and irreducible noise.\n"
             f"IMPROVE: State the decomposition first.\nFOLLOW-UP: {parsed.follow_up}")
    critique = checked_critique(reply, QUESTION, SCORE, TRANSCRIPT, "fake")
    assert "compressor" not in critique.coaching.lower() and "decomposition" in critique.coaching
    assert critique.follow_up == "How do learning curves show high variance?"


def test_a_cpu_without_avx2_is_named_before_llama_cpp_could_die_of_sigill(tmp_path, monkeypatch):
    import platform

    from assistant.critique import engines

    monkeypatch.setattr(platform, "machine", lambda: "x86_64")
    old_cpu = tmp_path / "cpuinfo"
    old_cpu.write_text("processor\t: 0\nflags\t\t: fpu sse sse2 sse4_2 avx\n")
    assert engines.missing_cpu_features(old_cpu) == {"avx2", "fma", "f16c"}
    new_cpu = tmp_path / "cpuinfo-new"
    new_cpu.write_text("flags\t\t: fpu sse4_2 avx avx2 fma f16c avx512f\n")
    assert engines.missing_cpu_features(new_cpu) == frozenset()

    monkeypatch.setattr(engines, "missing_cpu_features", lambda: frozenset({"avx2"}))
    with pytest.raises(ModelUnavailable, match="lacks avx2.*transformers"):
        engines.LlamaCppLLM(tmp_path / "model.gguf").load()


def test_auto_picks_transformers_where_the_llama_cpp_build_cannot_run(tmp_path, monkeypatch):
    from assistant.config import Settings
    from assistant.critique import critic, engines

    monkeypatch.setattr(engines, "missing_cpu_features", lambda: frozenset({"avx2"}))
    settings = Settings(llm_engine="auto", llm_model=str(tmp_path / "model.gguf"), cache_dir=tmp_path)
    assert isinstance(critic.make_llm(settings), engines.TransformersLLM)


# Cases found by reading 1.5B critiques by hand (bench/results/critique_hand_labels.md).
@pytest.mark.parametrize("coaching, note", [
    # praise in the first clause of a "but" sentence credits the missed point
    ("You covered the irreducible noise term, but the interviewer wanted the remedies.", "was covered"),
    ("You also mentioned the decomposition of the error.", "was covered"),
    # advice to add a covered point is blame in disguise
    ("Say that a model with high bias is underfitting the data.", "was missed"),
    ("Then spend one sentence on underfitting and what it looks like.", "was missed"),
])
def test_praise_and_blame_are_judged_per_clause(coaching: str, note: str) -> None:
    reply = (f"COACHING: {coaching} Add the decomposition into bias squared, variance and irreducible noise.\n"
             "IMPROVE: Open with the decomposition.\nFOLLOW-UP: Which term of the decomposition can no model reduce?")
    critique = checked_critique(reply, QUESTION, SCORE, TRANSCRIPT, "fake")
    assert coaching not in critique.coaching
    assert any(note in n for n in critique.notes)


def test_advice_on_a_gap_that_names_a_covered_point_too_is_kept() -> None:
    reply = ("COACHING: Say how the error decomposes: underfitting is the bias term, and the irreducible noise is "
             "what no model removes.\nIMPROVE: Open with the decomposition.\n"
             "FOLLOW-UP: Which term of the decomposition can no model reduce?")
    critique = checked_critique(reply, QUESTION, SCORE, TRANSCRIPT, "fake")
    assert critique.source == "llm" and "decomposes" in critique.coaching


def test_a_follow_up_that_credits_a_missed_point_is_replaced() -> None:
    reply = ("COACHING: Add the decomposition into bias squared, variance and irreducible noise.\n"
             "IMPROVE: Open with the decomposition.\n"
             "FOLLOW-UP: You mentioned the irreducible noise term; which part of the decomposition can data reduce?")
    critique = checked_critique(reply, QUESTION, SCORE, TRANSCRIPT, "fake")
    assert critique.follow_up == QUESTION.follow_ups[0]
    assert any("follow-up" in n and "was covered" in n for n in critique.notes)


class SectionLLM:
    """Continues a prefilled reply: each label gets its scripted words, one token each, cut at max_tokens.
    The FOLLOW-UP label names its point ("FOLLOW-UP (about P1):"); `calls` records the plain label,
    `prefills` what the model was given."""

    name = "sections"
    continues_prefill = True

    def __init__(self, lines: dict[str, str]) -> None:
        self.lines = lines
        self.calls: list[tuple[str, int]] = []
        self.prefills: list[str] = []
        self.messages: list[list[dict[str, str]]] = []
        self.yielded: list[int] = []  # tokens each call gave before it was closed

    def stream(self, messages, *, max_tokens: int, prefill: str = "") -> Iterator[str]:
        self.prefills.append(prefill)
        self.messages.append(messages)
        label = re.sub(r"^FOLLOW-UP \(about P\d+\):", "FOLLOW-UP:", prefill.rsplit("\n", 1)[-1])
        self.calls.append((label, max_tokens))
        self.yielded.append(0)
        for word in self.lines[label].split(" ")[:max_tokens]:
            self.yielded[-1] += 1
            yield " " + word if word != "\n" else word


def test_each_line_is_written_in_turn_so_a_long_coaching_cannot_crowd_out_the_rest() -> None:
    rambling = " ".join(["Add the decomposition into bias squared, variance and irreducible noise."] * 12)
    llm = SectionLLM({"COACHING:": rambling, "IMPROVE:": "Open with the decomposition.\nFOLLOW-UP: Why?",
                      "FOLLOW-UP:": "Which term of the decomposition can no model reduce?"})
    streamed: list[str] = []
    critique = Critic(llm, max_tokens=160).critique(QUESTION, transcript_from_words([("x", 0, 1)]), SCORE, None,
                                                   on_token=streamed.append)
    assert [label for label, _ in llm.calls] == ["COACHING:", "IMPROVE:", "FOLLOW-UP:"]
    assert [budget for _, budget in llm.calls] == [80, 40, 40]
    assert critique.source == "llm", critique.notes  # nothing came from the rubric
    assert critique.coaching.endswith("noise.") and len(critique.coaching.split()) <= 80  # whole sentences only
    assert critique.improvement == "Open with the decomposition."  # the model's own next label ends the line
    assert critique.follow_up == "Which term of the decomposition can no model reduce?"
    shown = "".join(streamed)
    assert shown.startswith("COACHING:") and "\nIMPROVE: Open with the decomposition." in shown and "\nFOLLOW-UP:" in shown


def test_the_follow_up_line_names_its_point_to_the_model_not_to_the_user() -> None:
    """The point is read when the FOLLOW-UP line starts, not with the result before the first token."""
    llm = SectionLLM({"COACHING:": "Add the decomposition into bias squared, variance and irreducible noise.",
                      "IMPROVE:": "Open with the decomposition.",
                      "FOLLOW-UP:": "Which term of the decomposition can no model reduce?"})
    streamed: list[str] = []
    critique = Critic(llm).critique(QUESTION, transcript_from_words([("x", 0, 1)]), SCORE, None, on_token=streamed.append)
    assert llm.prefills[-1].endswith("\nFOLLOW-UP (about P1):")  # P1: the critical missed point
    assert not llm.messages[0][-1]["content"].endswith("The FOLLOW-UP asks about P1.")
    assert critique.source == "llm" and critique.follow_up == "Which term of the decomposition can no model reduce?"
    assert "(about" not in "".join(streamed) and "\nFOLLOW-UP: Which term" in "".join(streamed)


def test_a_line_that_copies_the_worked_example_is_stopped_and_written_again_from_another_opening() -> None:
    copied_improvement = "After defining bias, spend one sentence on how the heat leaves the model."
    copied_follow_up = "Why must the compressor make the vapour hotter than the room before it reaches the condenser?"
    llm = SectionLLM({"COACHING:": "Add the decomposition into bias squared, variance and irreducible noise.",
                      "IMPROVE:": copied_improvement, "IMPROVE: Next time,": "open with the decomposition.",
                      "FOLLOW-UP:": copied_follow_up,
                      # In the fake bank's words: the checker drops a sentence in words of its own.
                      "FOLLOW-UP: How": "does the irreducible noise differ from bias and variance?"})
    streamed: list[str] = []
    critique = Critic(llm).critique(QUESTION, transcript_from_words([("x", 0, 1)]), SCORE, None, on_token=streamed.append)
    assert critique.source == "llm", critique.notes
    assert critique.improvement == "Next time, open with the decomposition."
    assert critique.follow_up == "How does the irreducible noise differ from bias and variance?"
    # Each copy was cut off as soon as it matched the example, before the whole line was written.
    copied_words = [words for label, words in llm.calls if label in ("IMPROVE:", "FOLLOW-UP:")]
    assert len(copied_words) == 2
    # A retry gets only what the copy left of its line's 40 tokens: retrying never lengthens the wait.
    for first, retry in ((1, 2), (3, 4)):
        assert llm.calls[retry][1] == 40 - llm.yielded[first] < 40, (llm.calls, llm.yielded)
    assert "hotter than the room" not in "".join(streamed) and "the heat leaves" not in "".join(streamed)


def test_a_copied_coaching_sentence_is_dropped_but_the_rest_of_the_coaching_is_kept() -> None:
    coaching = ("Add the decomposition into bias squared, variance and irreducible noise. "
                "Then mention the expansion valve, which drops the pressure so the liquid evaporates inside again.")
    llm = SectionLLM({"COACHING:": coaching, "IMPROVE:": "Open with the decomposition.",
                      "FOLLOW-UP:": "Which term of the decomposition can no model reduce?"})
    critique = Critic(llm).critique(QUESTION, transcript_from_words([("x", 0, 1)]), SCORE, None)
    assert [label for label, _ in llm.calls] == ["COACHING:", "IMPROVE:", "FOLLOW-UP:"]  # no second try
    assert critique.coaching == "Add the decomposition into bias squared, variance and irreducible noise."
    assert any("worked example" in note for note in critique.notes)


def test_a_line_cut_off_before_its_first_full_stop_is_left_to_the_rubric() -> None:
    llm = SectionLLM({"COACHING:": "Add the decomposition into bias squared, variance and irreducible noise.",
                      "IMPROVE:": " ".join(["and then"] * 40), "FOLLOW-UP:": "Which term can no model reduce?"})
    critique = Critic(llm).critique(QUESTION, transcript_from_words([("x", 0, 1)]), SCORE, None)
    assert "and then" not in critique.improvement and critique.source == "llm+rubric"
    assert any("improvement missing" in note for note in critique.notes)


def test_advice_in_the_middle_of_a_sentence_is_checked_against_what_was_covered() -> None:
    blames_covered = ("COACHING: Add the decomposition into bias squared, variance and irreducible noise.\n"
                      "IMPROVE: After defining bias, spend one sentence on why high bias means underfitting.\n"
                      "FOLLOW-UP: Which term of the decomposition can no model reduce?")
    critique = checked_critique(blames_covered, QUESTION, SCORE, TRANSCRIPT, "fake")
    assert "underfitting" not in critique.improvement
    assert any("covered point" in note and "underfitting" in note for note in critique.notes)
    asks_for_gap = blames_covered.replace("why high bias means underfitting", "the irreducible noise term")
    critique = checked_critique(asks_for_gap, QUESTION, SCORE, TRANSCRIPT, "fake")
    assert critique.improvement == "After defining bias, spend one sentence on the irreducible noise term."


def test_make_sure_to_advice_about_a_covered_point_is_blame() -> None:
    reply = ("COACHING: Add the decomposition into bias squared, variance and irreducible noise.\n"
             "IMPROVE: Next time, make sure to explain that high bias means underfitting.\n"
             "FOLLOW-UP: Which term of the decomposition can no model reduce?")
    critique = checked_critique(reply, QUESTION, SCORE, TRANSCRIPT, "fake")
    assert "underfitting" not in critique.improvement  # the answer said it: not a gap to advise on
    assert any("covered point" in note and "underfitting" in note for note in critique.notes)


def test_a_point_the_check_withdrew_is_asked_for_as_unclear_not_as_left_out() -> None:
    from dataclasses import replace

    withdrawn = replace(SCORE, points=(replace(SCORE.points[0], withdrawn=True, confirmed=0.2), *SCORE.points[1:]))
    user = build_messages(QUESTION, withdrawn, None)[-1]["content"]
    assert "MISSED (most important first): nothing\n" in user and "PARTLY COVERED (say it explicitly): P1, P3" in user
    fallback = rubric_critique(QUESTION, withdrawn)
    assert fallback.coaching.startswith("Your answer only touched on this point: Error decomposes")
    assert "did not clearly state" in fallback.coaching and "left out" not in fallback.coaching


def test_a_stop_ends_the_writing_between_tokens_and_nothing_is_returned() -> None:
    import threading

    from assistant.critique.critic import CritiqueCancelled

    llm = SectionLLM({"COACHING:": "Add the decomposition into bias squared, variance and irreducible noise.",
                      "IMPROVE:": "Open with it.", "FOLLOW-UP:": "Which term can no model reduce?"})
    stop = threading.Event()
    shown: list[str] = []

    def on_token(piece: str) -> None:
        shown.append(piece)
        if len(shown) == 3:  # the user quits while the coaching is being written
            stop.set()

    with pytest.raises(CritiqueCancelled):
        Critic(llm).critique(QUESTION, transcript_from_words([("x", 0, 1)]), SCORE, None, on_token=on_token, stop=stop)
    assert [label for label, _ in llm.calls] == ["COACHING:"]  # the later lines were never started
    assert len(shown) == 3  # not one token after the stop


def test_a_stop_closes_a_one_request_stream_so_the_model_is_free_again() -> None:
    import threading

    from assistant.critique.critic import CritiqueCancelled

    closed: list[bool] = []

    class OneRequestLLM:  # a server or transformers: the whole reply in one request
        name = "one-request"

        def stream(self, messages, *, max_tokens: int, prefill: str = "") -> Iterator[str]:
            try:
                yield from (" Add", " the", " decomposition", " now.")
            finally:
                closed.append(True)

    stop = threading.Event()
    with pytest.raises(CritiqueCancelled):
        Critic(OneRequestLLM()).critique(QUESTION, transcript_from_words([("x", 0, 1)]), SCORE, None,
                                         on_token=lambda piece: stop.set(), stop=stop)
    assert closed == [True]


def test_a_copy_of_the_worked_example_never_reaches_the_screen_and_its_retry_continues_the_same_line() -> None:
    from assistant.critique.prompt import EXAMPLE_ASSISTANT

    copied = parse_reply(EXAMPLE_ASSISTANT).improvement  # the 1.5B's most common copy: the example's own line
    llm = SectionLLM({"COACHING:": "Add the decomposition into bias squared, variance and irreducible noise.",
                      "IMPROVE:": copied, "IMPROVE: Next time,": "open with the decomposition.",
                      "FOLLOW-UP:": "Which term of the decomposition can no model reduce?"})
    streamed: list[str] = []
    critique = Critic(llm).critique(QUESTION, transcript_from_words([("x", 0, 1)]), SCORE, None, on_token=streamed.append)
    shown = "".join(streamed)
    assert critique.improvement == "Next time, open with the decomposition."
    assert "\nIMPROVE: Next time, open with the decomposition." in shown and shown.count("IMPROVE:") == 1
    assert "After" not in shown and "describing" not in shown  # the copy's first words: held back, then dropped

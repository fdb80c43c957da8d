"""Points confirmed while the answer is spoken (scoring/live_check.py), with a scripted model
and a scorer that credits a point when its cue word has been said; the real model's test is in
test_point_check_real.py."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest

from assistant.domain import PointResult, PointStatus, Score
from assistant.scoring.live_check import LiveChecker
from assistant.scoring.verify import PointChecker
from tests.study_fakes import bundled_bank

QUESTION = bundled_bank().get("sl-l1-vs-l2")
FIRST, SECOND = QUESTION.rubric.points[0].text, QUESTION.rubric.points[1].text
CUES = {FIRST: "absolute", SECOND: "sparse"}


class CueScorer:
    """Credits a point when its cue word is in the answer (an embedding stage stand-in)."""

    def __init__(self) -> None:
        self.prepared = threading.Event()

    def prepare(self, rubric) -> None:
        self.prepared.set()

    def score(self, rubric, sentences) -> Score:
        text = " ".join(s.text for s in sentences)
        points = tuple(PointResult(p.id, p.text, p.weight, p.critical,
                                   PointStatus.HIT if CUES.get(p.text, "\0") in text else PointStatus.MISS, 0.6, None)
                       for p in rubric.points)
        return Score(0.0, points, ())


class CueModel:
    """Says yes (0.9) when the premise has the claim's cue word, else no (0.1); records each reading."""

    name = "cue model"

    def __init__(self, fail: bool = False) -> None:
        self.asked: list[tuple[str, str]] = []  # (premise, claim)
        self.fail = fail
        self.read = threading.Semaphore(0)

    def first_word_probabilities(self, messages, words: Sequence[str]) -> dict[str, float]:
        content = messages[-1]["content"]
        premise = content.split("<<<\n")[1].split("\n>>>")[0]
        claim = content.split("Hypothesis: ")[1].split("\n")[0]
        self.asked.append((premise, claim))
        self.read.release()
        if self.fail:
            raise RuntimeError("llama_decode returned -1")
        p = 0.9 if CUES[claim] in premise else 0.1
        return {"yes": p, "partly": 0.0, "no": 1.0 - p}


def live(model: CueModel) -> LiveChecker:
    checker = LiveChecker(PointChecker(model), CueScorer(), QUESTION)
    checker.start()
    return checker


def test_a_point_confirmed_while_speaking_is_not_read_again_at_the_stop() -> None:
    model = CueModel()
    checker = live(model)
    start = "L1 adds the absolute values of the weights."
    checker.update(start)
    assert model.read.acquire(timeout=10)
    final = start + " So it gives sparse models."
    confirmed = checker.stop(final)
    assert confirmed == {FIRST: pytest.approx(0.9)}
    final_score = CueScorer().score(QUESTION.rubric, [type("S", (), {"text": final})()])
    model.asked.clear()
    checked = PointChecker(model).check(final_score, final, confirmed)
    assert [claim for _, claim in model.asked] == [SECOND]  # only the point the last words credited
    assert {p.text: p.status for p in checked.points if p.status is not PointStatus.MISS} == {
        FIRST: PointStatus.HIT, SECOND: PointStatus.HIT}


def test_only_confirmations_carry_over_and_only_when_the_final_answer_begins_with_their_premise() -> None:
    model = CueModel()
    checker = live(model)
    checker.update("L1 adds the absolute weights. It makes sparse")  # cue for SECOND, but...
    assert model.read.acquire(timeout=10) and model.read.acquire(timeout=10)
    # ...the recognizer heard the last words again differently: that premise is not this answer's start.
    assert checker.stop("L1 adds the absolute weights. It makes sparser models.") == {}


class DoubtsSecond(CueModel):
    """Never confirms SECOND (0.1), however clearly it is said."""

    def first_word_probabilities(self, messages, words):
        result = super().first_word_probabilities(messages, words)
        return {"yes": 0.1, "partly": 0.0, "no": 0.9} if self.asked[-1][1] == SECOND else result


def test_the_final_answer_is_read_to_the_end_and_every_reading_of_it_carries_over() -> None:
    model = DoubtsSecond()
    checker = live(model)
    checker.update("L1 adds the absolute weights. Which makes it sparse")  # the last partial: a join not yet mended
    # The stop comes at once: the final answer is still read in full (the stop would read the same).
    confirmed = checker.stop("L1 adds the absolute weights, which makes it sparse.")
    assert confirmed == {FIRST: pytest.approx(0.9), SECOND: pytest.approx(0.1)}
    assert sorted(claim for _, claim in model.asked) == sorted([FIRST, SECOND])


def test_a_reading_that_did_not_confirm_is_not_carried_to_a_longer_answer() -> None:
    model = DoubtsSecond()
    checker = live(model)
    checker.update("L1 adds the absolute weights. Which makes it sparse")
    assert model.read.acquire(timeout=10) and model.read.acquire(timeout=10)
    assert checker.stop("L1 adds the absolute weights, which makes it sparse. And more.") == {FIRST: pytest.approx(0.9)}


def test_a_point_not_confirmed_yet_is_read_again_with_the_longer_answer() -> None:
    class SlowToConfirm(CueModel):
        def first_word_probabilities(self, messages, words):
            result = super().first_word_probabilities(messages, words)
            premise = self.asked[-1][0]
            return result if "weights" in premise else {"yes": 0.1, "partly": 0.0, "no": 0.9}

    model = SlowToConfirm()
    checker = live(model)
    checker.update("L1 is absolute.")
    assert model.read.acquire(timeout=10)
    checker.update("L1 is absolute. It sums the weights.")
    assert model.read.acquire(timeout=10)
    assert checker.stop("L1 is absolute. It sums the weights.") == {FIRST: pytest.approx(0.9)}
    assert [claim for _, claim in model.asked] == [FIRST, FIRST]


def test_a_failing_model_costs_only_the_head_start() -> None:
    model = CueModel(fail=True)
    checker = live(model)
    checker.update("L1 adds the absolute weights.")
    assert model.read.acquire(timeout=10)
    checker.update("L1 adds the absolute weights and more.")  # the thread has given up: ignored
    assert checker.stop("L1 adds the absolute weights and more.") == {}


def test_stopping_does_not_wait_for_readings_still_queued() -> None:
    model = CueModel()
    checker = live(model)
    started = time.monotonic()
    assert checker.stop("L1 adds the absolute weights.") == {}  # nothing was fed: nothing read
    assert time.monotonic() - started < 5 and model.asked == []


DOUBTED_START = "L1 adds the absolute weights. It makes models sparse. That is the main difference."


def read_with_second_doubted() -> tuple[DoubtsSecond, LiveChecker]:
    """A checker that has read DOUBTED_START: FIRST confirmed (0.9), SECOND doubted (0.1)."""
    model = DoubtsSecond()
    checker = live(model)
    checker.update(DOUBTED_START)
    assert model.read.acquire(timeout=10) and model.read.acquire(timeout=10)
    return model, checker


def test_a_doubted_point_is_not_read_again_when_the_words_added_since_are_about_something_else() -> None:
    model, checker = read_with_second_doubted()
    final = DOUBTED_START + " Ridge keeps every weight small."  # no span with these words is about either point
    checker.update(final)
    assert checker.stop(final) == {FIRST: pytest.approx(0.9), SECOND: pytest.approx(0.1)}
    assert sorted(claim for _, claim in model.asked) == sorted([FIRST, SECOND])  # nothing read twice


def test_a_doubted_point_is_read_again_when_a_span_with_the_added_words_is_about_it() -> None:
    _, checker = read_with_second_doubted()
    final = DOUBTED_START + " Ridge is never sparse."
    assert checker.stop(final) == {FIRST: pytest.approx(0.9)}  # SECOND must be read with the new words


@pytest.mark.parametrize(("text", "first_added", "passage"), [
    ("One two. Three four. Five six.", 4, "Three four. Five six."),  # the sentence before, and its own
    ("One two. Three four. Five six.", 5, "Three four. Five six."),  # added words mid-sentence
    ("One two three", 2, "One two three"),  # no sentence before: the whole text
    ("One two.", 2, ""),  # nothing added
])
def test_the_added_passage_holds_every_span_with_an_added_word(text: str, first_added: int, passage: str) -> None:
    from assistant.scoring.live_check import added_passage

    assert added_passage(text, first_added) == passage

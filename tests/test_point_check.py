"""The second reading of credited points (scoring/verify.py) with a scripted model; the real
model's test is in test_point_check_real.py."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from assistant.config import Settings
from assistant.critique.critic import point_check_model
from assistant.critique.models import ModelUnavailable
from assistant.domain import Evidence, PointResult, PointStatus, Score
from assistant.scoring.verify import PointChecker, build_messages

ANSWER = "L1 adds the absolute weights and L2 the squared weights. L1 is a Gaussian prior and L2 a Laplace prior."


class ScriptedModel:
    """Says "yes" with the probability given per claim; records what it was asked."""

    name = "scripted"

    def __init__(self, yes: dict[str, float]) -> None:
        self.yes = yes
        self.asked: list[str] = []

    def first_word_probabilities(self, messages, words: Sequence[str]) -> dict[str, float]:
        claim = next(c for c in self.yes if messages[-1]["content"].endswith(f"Hypothesis: {c}"))
        self.asked.append(claim)
        p = self.yes[claim]
        return {"yes": p, "partly": 0.0, "no": 1.0 - p}


def point(pid: str, status: PointStatus) -> PointResult:
    evidence = None if status is PointStatus.MISS else Evidence("a span", 0.0, 1.0)
    return PointResult(pid, f"claim {pid}", 1.0, False, status, 0.6, evidence)


SCORE = Score(62.5, (point("a", PointStatus.HIT), point("b", PointStatus.HIT), point("c", PointStatus.PARTIAL),
                     point("d", PointStatus.MISS)), ())


def test_confirmed_points_keep_credit_unsure_ones_count_as_partly_and_the_rest_lose_it() -> None:
    model = ScriptedModel({"claim a": 0.9, "claim b": 0.5, "claim c": 0.2, "claim d": 0.99})
    checked = PointChecker(model, keep=0.55, drop=0.45).check(SCORE, ANSWER)  # thresholds as given, not defaults
    statuses = {p.point_id: (p.status, p.withdrawn) for p in checked.points}
    assert statuses == {"a": (PointStatus.HIT, False), "b": (PointStatus.PARTIAL, True),
                        "c": (PointStatus.MISS, True), "d": (PointStatus.MISS, False)}
    assert model.asked == ["claim a", "claim b", "claim c"]  # a miss is never promoted, so never asked
    assert checked.points[2].evidence is None  # no quote for a point that was not stated
    assert checked.overall == pytest.approx(100 * 1.5 / 4)
    assert checked.checked_by == "scripted"


def test_an_unsure_reading_keeps_half_credit_only_for_a_span_close_to_the_point() -> None:
    from dataclasses import replace

    close, loose = replace(point("a", PointStatus.HIT), similarity=0.72), replace(point("b", PointStatus.HIT), similarity=0.52)
    model = ScriptedModel({"claim a": 0.4, "claim b": 0.4})
    checked = PointChecker(model, keep=0.5, drop=0.3, unsure_floor=0.6).check(Score(100.0, (close, loose), ()), ANSWER)
    assert [(p.status, p.withdrawn) for p in checked.points] == [(PointStatus.PARTIAL, True), (PointStatus.MISS, True)]
    assert checked.points[1].evidence is None and checked.points[1].confirmed == 0.4


def test_ungraded_scores_and_empty_answers_are_left_alone() -> None:
    from dataclasses import replace

    model = ScriptedModel({"claim a": 0.0, "claim b": 0.0, "claim c": 0.0})
    checker = PointChecker(model)
    ungraded = replace(SCORE, graded=False, reason="silence")
    assert checker.check(ungraded, ANSWER) is ungraded
    assert checker.check(SCORE, "  ") is SCORE
    assert model.asked == []


def test_the_answer_comes_before_the_claim_so_its_tokens_are_shared_between_points() -> None:
    first, second = build_messages(ANSWER, "claim a"), build_messages(ANSWER, "claim b")
    assert first[:-1] == second[:-1]
    shared = first[-1]["content"].split("Hypothesis:")[0]
    assert shared == second[-1]["content"].split("Hypothesis:")[0] and ANSWER in shared
    # The instruction is in the system prompt: a point costs only its own words.
    assert first[-1]["content"].endswith("Hypothesis: claim a") and "Reply with one word" in first[0]["content"]


class ModelWithProbabilities:
    name = "llama"

    def first_word_probabilities(self, messages, words):
        return {w: 1 / 3 for w in words}


@pytest.mark.parametrize("settings, expected", [
    ({}, True),  # auto: the bundled 1.5B under llama.cpp
    ({"point_check": "off"}, False),
    ({"llm_bundled": "qwen2.5-coder-0.5b"}, False),  # thresholds were chosen for the 1.5B
    ({"llm_model": "/models/other.gguf"}, False),
    ({"llm_model": "/models/other.gguf", "point_check": "on"}, True),
    ({"llm_engine": "openai", "llm_base_url": "http://x", "llm_model": "m", "point_check": "on"}, False),
    ({"llm_engine": "none"}, False),
])
def test_which_settings_turn_the_check_on(settings: dict, expected: bool) -> None:
    # "auto" stated: the test environment turns the check off (tests/conftest.py).
    model = point_check_model(Settings(**{"point_check": "auto", **settings}), lambda: ModelWithProbabilities())
    assert (model is not None) is expected


def test_an_engine_without_probabilities_or_a_missing_model_means_no_check() -> None:
    class TextOnly:
        name = "text only"

    assert point_check_model(Settings(point_check="auto"), lambda: TextOnly()) is None

    def missing():
        raise ModelUnavailable("not installed")

    assert point_check_model(Settings(point_check="auto"), missing) is None


def test_a_model_that_fails_mid_check_costs_the_check_not_the_score(tmp_path) -> None:
    from assistant.practice import check_points
    from assistant.services import Services

    class Broken:
        name = "broken"

        def first_word_probabilities(self, messages, words):
            raise RuntimeError("llama_decode returned -1")

    services = Services(Settings(data_dir=tmp_path / "d", recordings_dir=tmp_path / "r", cache_dir=tmp_path / "c"))
    services.__dict__["point_checker"] = PointChecker(Broken())
    assert check_points(services, SCORE, ANSWER) is SCORE

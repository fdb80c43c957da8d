"""The scorer on the real embedder: evidence is the span that states a point, and the experimental
judge (scorer = "judge") loads its shipped weights and scores through the same path.

Only outcomes with a wide margin are asserted, so another CPU's floats cannot flip them.
"""

from __future__ import annotations

import numpy as np
import pytest

from assistant.config import Settings
from assistant.domain import PointStatus
from assistant.scoring.answer import grade_text
from assistant.services import Services

pytestmark = pytest.mark.slow


def _remedies(services: Services):
    question = services.bank.get("sl-bias-variance")
    score = grade_text(services.scorer, question, question.model_answer)
    return next(p for p in score.points if p.point_id == "remedies")


def test_evidence_is_the_sentence_that_states_the_point(real_services) -> None:
    # `viva demo` used to quote "Variance is how much the fitted model changes..." as evidence for
    # the remedies, because keywords were counted over the whole answer.
    remedies = _remedies(real_services)
    assert remedies.status is PointStatus.HIT
    assert "bagging" in remedies.evidence.text and "Variance is how much" not in remedies.evidence.text


@pytest.fixture(scope="module")
def judged_services(real_services) -> Services:
    settings = Settings(**{**real_services.settings.model_dump(), "scorer": "judge"})
    services = Services(settings=settings)
    services.__dict__["embedder"] = real_services.embedder  # one MiniLM per session
    return services


def test_the_shipped_judge_loads_and_scores_through_the_same_path(judged_services) -> None:
    probs = judged_services.judge.judge([("More data reduces variance.", "Collecting more examples lowers the variance.")])
    assert probs.shape == (1, 3) and np.isclose(probs.sum(), 1.0, atol=1e-4)
    remedies = _remedies(judged_services)
    assert remedies.status is PointStatus.HIT and "bagging" in remedies.evidence.text

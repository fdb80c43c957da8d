"""The critique through the real bundled LLM (the default Qwen2.5-Coder-1.5B GGUF, on the configured engine)."""

from __future__ import annotations

import re

import pytest

from assistant.critique.critic import Critic, make_llm
from assistant.domain import PointStatus
from assistant.scoring.answer import grade_text
from tests.fakes import transcript_from_words

pytestmark = pytest.mark.slow

PARTIAL = ("Bias is the error from wrong assumptions, so a model that is too simple underfits. Variance is how much "
           "the fitted model changes with the training data, which causes overfitting.")


@pytest.fixture(scope="module")
def critic(real_services):
    return Critic(make_llm(real_services.settings), max_tokens=real_services.settings.llm_max_tokens)


def spoken(text: str):
    return transcript_from_words([(w, 0.0, 0.0) for w in text.split()])


def test_partial_answer_gets_coaching_on_a_missed_point_and_a_follow_up(real_services, critic) -> None:
    question = real_services.bank.get("sl-bias-variance")
    score = grade_text(real_services.scorer, question, PARTIAL)
    missed = [p for p in score.points if p.status is not PointStatus.HIT]
    assert missed, "the partial answer should miss points"
    streamed: list[str] = []
    critique = critic.critique(question, spoken(PARTIAL), score, None, on_token=streamed.append)
    assert len(streamed) > 3  # tokens arrived one by one
    missed_ids = {m.point_id for m in missed}
    keywords = {k.lower() for p in question.rubric.points if p.id in missed_ids for k in p.keywords}
    assert any(k in critique.coaching.lower() for k in keywords), critique
    assert critique.follow_up.endswith("?")
    assert critique.source in {"llm", "llm+rubric"}


def test_full_answer_is_not_told_it_missed_points(real_services, critic) -> None:
    question = real_services.bank.get("sl-bias-variance")
    score = grade_text(real_services.scorer, question, question.model_answer)
    assert all(p.status is PointStatus.HIT for p in score.points)
    critique = critic.critique(question, spoken(question.model_answer), score, None)
    blame = re.compile(r"\b(missed|didn't (mention|cover)|did not (mention|cover)|forgot|left out)\b", re.I)
    assert not blame.search(critique.coaching), critique
    assert critique.follow_up.endswith("?")


def test_viva_critique_rewrites_a_saved_attempts_critique_with_the_engine_and_model_asked(real_services, monkeypatch) -> None:
    import importlib.util
    from dataclasses import replace
    from datetime import date

    from typer.testing import CliRunner

    from assistant.cli import answers, app
    from assistant.critique.models import assemble_bundled_gguf
    from assistant.services import Services
    from tests.study_fakes import scripted_attempt

    question = real_services.bank.get("sl-bias-variance")
    attempt = replace(scripted_attempt(question, date(2026, 1, 5), 0.5), transcript=spoken(PARTIAL),
                      score=grade_text(real_services.scorer, question, PARTIAL))
    saved = real_services.store.save(attempt)
    # A fresh Services per command, as the CLI has: the shared one's settings stay as they are.
    monkeypatch.setattr(answers, "services", lambda engine=None: Services(settings=real_services.settings))
    gguf = assemble_bundled_gguf(real_services.settings.cache_dir)
    engine = "llama-cpp" if importlib.util.find_spec("llama_cpp") else "transformers"
    result = CliRunner().invoke(app, ["critique", str(saved.id), "--engine", engine, "--model", str(gguf)])
    assert result.exit_code == 0, result.output
    stored = real_services.store.get(saved.id).critique
    assert stored is not None and gguf.name in stored.model and stored.follow_up.endswith("?")
    assert stored.coaching in result.output

    missing = CliRunner().invoke(app, ["critique", str(saved.id), "--model", "/no/such/model.gguf"])
    assert missing.exit_code == 2 and "no such file" in missing.output

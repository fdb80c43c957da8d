"""Write the critique for a scored answer: prompt the LLM, stream its words, check them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.critique.check import checked_critique, rubric_critique
from assistant.critique.engines import LLM
from assistant.critique.models import ModelUnavailable
from assistant.critique.prompt import build_messages
from assistant.domain import Critique, DeliveryMetrics, Question, Score, Transcript

if TYPE_CHECKING:
    from assistant.config import Settings

TokenCallback = Callable[[str], None]
# Starting the reply with its first label keeps a 0.5B model in the three-line format.
PREFILL = "COACHING:"


class Critic:
    def __init__(self, llm: LLM | None, *, max_tokens: int = 160) -> None:
        self.llm = llm
        self.max_tokens = max_tokens

    def warm_up(self) -> None:
        """Load the model and evaluate the fixed prompt prefix (system + worked example) now, e.g.
        while the user is still answering, so the critique's first token comes sooner."""
        if self.llm is None:
            return
        from assistant.critique.prompt import fixed_prefix_messages

        try:
            for _ in self.llm.stream(fixed_prefix_messages(), max_tokens=1, prefill=PREFILL):
                pass
        except (ModelUnavailable, OSError, RuntimeError, ValueError):
            pass  # the real call reports the problem and falls back to the rubric

    def critique(self, question: Question, transcript: Transcript, score: Score, delivery: DeliveryMetrics | None,
                 on_token: TokenCallback | None = None) -> Critique:
        """Always returns feedback: from the model when it works, else from the rubric (with the reason)."""
        if not score.graded:
            return Critique(f"No critique: {score.reason}.", "Record the answer again.", "", "rubric", "none")
        if self.llm is None:
            return rubric_critique(question, score)
        pieces: list[str] = [PREFILL]
        if on_token is not None:
            on_token(PREFILL)
        try:
            for piece in self.llm.stream(build_messages(question, score, delivery), max_tokens=self.max_tokens,
                                         prefill=PREFILL):
                pieces.append(piece)
                if on_token is not None:
                    on_token(piece)
        except (ModelUnavailable, OSError, RuntimeError, ValueError) as exc:
            fallback = rubric_critique(question, score)
            return Critique(fallback.coaching, fallback.improvement, fallback.follow_up, "rubric", "none",
                            (f"the critique model failed ({exc}); this feedback comes from the rubric",))
        return checked_critique("".join(pieces), question, score, transcript.text, self.llm.name)


def make_llm(settings: Settings) -> LLM | None:
    """The configured engine, built lazily (models load on first use)."""
    from pathlib import Path

    from assistant.critique import engines
    from assistant.critique.models import assemble_bundled_gguf

    engine = settings.llm_engine
    if engine == "auto":
        # llama.cpp when it is installed (it builds from source) and this CPU runs its build, else
        # transformers: both run the same GGUF; bench/critique.py compares them.
        import importlib.util

        usable = importlib.util.find_spec("llama_cpp") is not None and not engines.missing_cpu_features()
        engine = "llama-cpp" if usable else "transformers"
    if engine == "none":
        return None
    if engine == "openai":
        if not settings.llm_base_url or not settings.llm_model:
            raise ModelUnavailable("llm_engine = \"openai\" needs llm_base_url (e.g. http://127.0.0.1:11434/v1) and llm_model")
        return engines.OpenAICompatibleLLM(settings.llm_base_url, settings.llm_model, api_key=settings.llm_api_key)
    model = (Path(settings.llm_model).expanduser() if settings.llm_model
             else assemble_bundled_gguf(settings.cache_dir, bundled=settings.llm_bundled))
    if engine == "llama-cpp":
        if model.suffix != ".gguf":
            raise ModelUnavailable(f"{model}: llama.cpp needs a .gguf file; use llm_engine = \"transformers\" for a model directory")
        return engines.LlamaCppLLM(model, threads=settings.llm_threads)
    return engines.TransformersLLM(model, cache_dir=settings.cache_dir, threads=settings.llm_threads)


def point_check_wanted(settings: Settings) -> bool:
    """Whether settings ask for the point check. Its thresholds must fit the model: auto uses only
    the bundled 1.5B they were chosen for; engines other than llama.cpp are not wired for it."""
    if settings.point_check == "off" or settings.llm_engine in ("none", "openai", "transformers"):
        return False
    return not (settings.point_check == "auto" and (settings.llm_model or settings.llm_bundled != "qwen2.5-coder-1.5b"))


def point_check_model(settings: Settings, llm: Callable[[], LLM | None]):
    """The model that re-reads credited points, or None: wanted by settings, and it must give
    next-token probabilities (llama.cpp does)."""
    if not point_check_wanted(settings):
        return None
    try:
        model = llm()
    except ModelUnavailable:
        return None  # the critique reports why; scoring goes on with embeddings alone
    return model if hasattr(model, "first_word_probabilities") else None

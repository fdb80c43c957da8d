"""Write the critique for a scored answer: prompt the LLM, stream its words, check them."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import TYPE_CHECKING

from assistant.critique.check import COPY_WORDS, checked_critique, copies_example, rubric_critique
from assistant.critique.engines import LLM
from assistant.critique.models import ModelUnavailable
from assistant.critique.prompt import build_messages, follow_up_target
from assistant.domain import Critique, DeliveryMetrics, Question, Score, Transcript

if TYPE_CHECKING:
    from assistant.config import Settings

TokenCallback = Callable[[str], None]
# Starting the reply with its first label keeps a 0.5B model in the three-line format.
PREFILL = "COACHING:"
# The reply's lines and their shares of max_tokens, written one after another where the engine
# continues a prefilled reply (llama.cpp): ~80, 40 and 40 tokens of the default 160.
SECTIONS = (("COACHING:", 0.5), ("IMPROVE:", 0.25), ("FOLLOW-UP:", 0.25))
# A line that starts copying the worked example (about another question) is stopped and written
# again from an opening the example does not have: the 1.5B copied the example's improvement
# ("spend one sentence on what goes wrong at each extreme") and then its follow-up word for word,
# in 11 of 12 critiques (bench/critique_quality.py --skip 40 --limit 12).
FRESH_OPENINGS = {"IMPROVE:": " Next time,", "FOLLOW-UP:": " How"}
NEXT_LABEL = re.compile(r"\b(?:IMPROVE|FOLLOW-UP)\s*:")
SENTENCE_END = re.compile(r"[.?!](?=\s|$)")


class CritiqueCancelled(Exception):
    """The critique was no longer wanted (the user left the screen or quit): generation stopped
    between two tokens, and nothing is returned or saved."""


def _emitted(pieces: Iterator[str], emit: TokenCallback) -> Iterator[str]:
    for piece in pieces:
        emit(piece)
        yield piece


class Critic:
    def __init__(self, llm: LLM | None, *, max_tokens: int = 160) -> None:
        self.llm = llm
        self.max_tokens = max_tokens

    def warm_up(self, question: Question | None = None, stop: threading.Event | None = None) -> None:
        """Load the model and evaluate the fixed prompt prefix (system + worked example) now, e.g.
        at start-up; with a question, also its rubric block (prompt.question_block), while the
        user answers it, so after the stop only the result is left before the first token.
        Engines that evaluate a prefix in steps (llama.cpp) yield the model to the point check
        between steps and end when `stop` is set."""
        if self.llm is None:
            return
        from assistant.critique.prompt import fixed_prefix_messages

        try:
            evaluate_prefix = getattr(self.llm, "evaluate_prefix", None)
            if evaluate_prefix is not None:
                evaluate_prefix(fixed_prefix_messages(question), stop)
                return
            # Other engines cache the fixed messages only (transformers) or nothing (servers).
            for _ in self.llm.stream(fixed_prefix_messages(), max_tokens=1, prefill=PREFILL):
                pass
        except (ModelUnavailable, OSError, RuntimeError, ValueError):
            pass  # the real call reports the problem and falls back to the rubric

    def critique(self, question: Question, transcript: Transcript, score: Score, delivery: DeliveryMetrics | None,
                 on_token: TokenCallback | None = None, stop: threading.Event | None = None) -> Critique:
        """Always returns feedback: from the model when it works, else from the rubric (with the
        reason). Raises CritiqueCancelled when `stop` is set while the model writes: a thread
        cannot be killed, and quitting the app would otherwise wait for the whole critique."""
        if not score.graded:
            return Critique(f"No critique: {score.reason}.", "Record the answer again.", "", "rubric", "none")
        if self.llm is None:
            return rubric_critique(question, score)
        shown = on_token or (lambda piece: None)

        def emit(piece: str) -> None:  # called for every token: a stop takes effect at the next one
            # (or after the prompt is read, ~2 s, when it comes before the first)
            if stop is not None and stop.is_set():
                raise CritiqueCancelled
            shown(piece)
        try:
            if getattr(self.llm, "continues_prefill", False):
                messages = build_messages(question, score, delivery, name_follow_up_target=False)
                reply = self._write_by_section(messages, emit, follow_up_target(question, score))
            else:
                messages = build_messages(question, score, delivery)
                emit(PREFILL)
                # Closed at once when a stop ends the reply early: the stream holds the model.
                with closing(self.llm.stream(messages, max_tokens=self.max_tokens, prefill=PREFILL)) as pieces:
                    reply = PREFILL + "".join(_emitted(pieces, emit))
        except (ModelUnavailable, OSError, RuntimeError, ValueError) as exc:
            fallback = rubric_critique(question, score)
            return Critique(fallback.coaching, fallback.improvement, fallback.follow_up, "rubric", "none",
                            (f"the critique model failed ({exc}); this feedback comes from the rubric",))
        return checked_critique(reply, question, score, transcript.text, self.llm.name)

    def _write_by_section(self, messages: list[dict[str, str]], emit: TokenCallback,
                          follow_up_about: str | None = None) -> str:
        """Each line of the reply in turn, within its own share of `max_tokens`, continuing the
        reply written so far (the engine's cache holds it). Written in one go, the 1.5B model
        recited FACTS until the tokens ran out, and the improvement and follow-up, never written,
        came from the rubric (bench/critique_quality.py). The model reads the FOLLOW-UP label with
        the point it asks about, "FOLLOW-UP (about P3):"; the user sees the plain label."""
        reply = ""
        for label, share in SECTIONS:
            head = f"{reply}\n{label}" if reply else label
            emit(head[len(reply):])
            prompted = head
            if label == "FOLLOW-UP:" and follow_up_about:
                prompted = f"{reply}\nFOLLOW-UP (about {follow_up_about}):"
            budget = max(int(self.max_tokens * share), 8)
            opening = FRESH_OPENINGS.get(label)
            shown: list[str] = []  # what this line put on screen

            def show(piece: str, shown: list[str] = shown) -> None:
                shown.append(piece)
                emit(piece)
            line, used = self._line(messages, prompted, budget, show, stop_copying=opening is not None)
            if line is None and opening:  # copying the example: once more, from another opening,
                # with what the copy left of the line's tokens, so a retry never lengthens the wait.
                # The copy's words were held back, so the retry usually continues the label on screen.
                emit(f"\n{label}{opening}" if "".join(shown).strip() else opening)
                retried, _ = self._line(messages, prompted + opening, max(budget - used, 8), emit, stop_copying=True)
                line = opening + retried if retried else ""
            reply = head + (line or "")
        return reply

    def _line(self, messages: list[dict[str, str]], prefill: str, budget: int, emit: TokenCallback,
              *, stop_copying: bool = False) -> tuple[str | None, int]:
        """One line of the reply, and the tokens it took: up to its newline, or to its last full
        sentence when the budget runs out. With `stop_copying`, None as soon as it copies the
        worked example (the rest would be copied too), and the line's last words are held back from
        `emit` until they cannot be part of a copy: the user never sees copied words (a copy is
        found at its COPY_WORDS-th word; the rest of the line shows that many words later). The
        coaching's other sentences are worth keeping, so it goes on."""
        text, used, shown = "", 0, 0
        with closing(self.llm.stream(messages, max_tokens=budget, prefill=prefill)) as pieces:
            for piece in pieces:
                used += 1
                if not text.strip():
                    piece = piece.lstrip("\n")
                ended = "\n" in piece or NEXT_LABEL.search(text + piece)
                if ended:
                    whole = (text + piece).split("\n")[0]
                    label = NEXT_LABEL.search(whole)
                    whole = whole[: label.start()] if label else whole
                    if stop_copying and copies_example(whole):
                        return None, used
                    emit(whole[shown:])
                    return whole.rstrip(), used
                text += piece
                if stop_copying and copies_example(text):
                    return None, used
                safe = _held_back_from(text) if stop_copying else len(text)
                if safe > shown:
                    emit(text[shown:safe])
                    shown = safe
        emit(text[shown:])
        # Out of budget mid-line: a sentence cut off mid-way reads as a mistake, so only whole
        # ones are kept (none: the line is missing and the checker fills it from the rubric).
        sentence_ends = [m.end() for m in SENTENCE_END.finditer(text)]
        return (text[: sentence_ends[-1]] if sentence_ends else ""), used


def _held_back_from(text: str) -> int:
    """Where the text's last COPY_WORDS - 1 words begin: the words that may yet turn out to start a
    copy of the worked example."""
    starts = [m.start() for m in re.finditer(r"\S+", text)]
    keep = COPY_WORDS - 1
    return starts[-keep] if len(starts) > keep else 0


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
